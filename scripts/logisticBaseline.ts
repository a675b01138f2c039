/**
 * The baseline a skeptical user would try first for mislabelled rows (issue 15): k-fold cross-validated logistic
 * regression on the run's own preprocessed inputs, scoring each training row by 1 − the probability its held-out
 * model gives the row's label. Softmax regression (a sigmoid for two classes is the same model) trained full-batch by
 * Adam with a small L2 penalty, on TensorFlow.js.
 */
import * as tf from '@tensorflow/tfjs-core';
import { createRng, shuffleInPlace } from '../src/engine/random';

export interface LogisticOptions {
  folds?: number;
  iterations?: number;
  learningRate?: number;
  l2?: number;
  seed?: number;
}

/** x [N, F] row-major, labels 0..C−1: scores [N], higher = more suspicious. */
export function crossValidatedLogisticScores(
  x: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
  features: number,
  options: LogisticOptions = {},
): Float64Array {
  const { folds = 5, iterations = 300, learningRate = 0.05, l2 = 1e-3, seed = 1 } = options;
  const N = labels.length;
  const order = Int32Array.from({ length: N }, (_, i) => i);
  shuffleInPlace(order, createRng(seed));
  const scores = new Float64Array(N);
  for (let f = 0; f < folds; f++) {
    const held = Array.from(order).filter((_, k) => k % folds === f);
    const kept = Array.from(order).filter((_, k) => k % folds !== f);
    const probabilities = fitAndPredict(x, labels, classes, features, kept, held, { iterations, learningRate, l2 });
    held.forEach((i, k) => (scores[i] = 1 - probabilities[k * classes + labels[i]]));
  }
  return scores;
}

function rowsOf(x: Float32Array, rows: number[], features: number): Float32Array {
  const out = new Float32Array(rows.length * features);
  rows.forEach((i, k) => out.set(x.subarray(i * features, (i + 1) * features), k * features));
  return out;
}

function fitAndPredict(
  x: Float32Array,
  labels: ArrayLike<number>,
  classes: number,
  features: number,
  train: number[],
  test: number[],
  { iterations, learningRate, l2 }: Required<Pick<LogisticOptions, 'iterations' | 'learningRate' | 'l2'>>,
): Float32Array {
  const w = tf.variable(tf.zeros([features, classes]));
  const b = tf.variable(tf.zeros([classes]));
  const optimizer = tf.train.adam(learningRate);
  try {
    const probabilities = tf.tidy(() => {
      const xs = tf.tensor2d(rowsOf(x, train, features), [train.length, features]);
      const ys = tf.oneHot(
        tf.tensor1d(
          Int32Array.from(train, (i) => labels[i]),
          'int32',
        ),
        classes,
      );
      for (let t = 0; t < iterations; t++)
        optimizer.minimize(
          () => tf.add(tf.losses.softmaxCrossEntropy(ys, tf.add(tf.matMul(xs, w), b)), tf.mul(l2, tf.sum(tf.square(w)))) as tf.Scalar,
        );
      return tf.softmax(tf.add(tf.matMul(tf.tensor2d(rowsOf(x, test, features), [test.length, features]), w), b));
    });
    const values = probabilities.dataSync() as Float32Array;
    probabilities.dispose();
    return values;
  } finally {
    optimizer.dispose();
    w.dispose();
    b.dispose();
  }
}
