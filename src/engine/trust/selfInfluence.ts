import * as tf from '@tensorflow/tfjs-core';
import { tidyRead } from '../model/tidyRead';
import type { SuspectScoring } from '../../protocol';
import { throwIfCancelled } from '../errors';
import type { IndexedRun } from '../kernel/explainService';
import { sliceFactors } from '../kernel/trainingFactors';
import { perExampleLoss } from '../model/losses';

const STEP_CHUNK = 128;
/** Between chunks the event loop runs, so a `$/cancelRequest` can reach the signal. */
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Self-influence of every training row along the recorded path: how hard the row pulled its own loss
 * down over the steps that used it. From the path index's per-example factors (a, δ), per layer
 * ‖G‖² = ‖a‖²‖δ‖² + ‖δ‖² and, with a diagonal D, GᵀDG = (a²)ᵀ D_kernel (δ²) + D_bias · δ², so no
 * per-example gradient is ever materialized.
 * - tracin: Σ_{s: i∈B_s} η_s ‖G_{i,s}‖²               (TracIn's first-order self-influence)
 * - adam:   Σ_{s: i∈B_s} η_s G_{i,s}ᵀ D_s G_{i,s}     (the step Adam actually took: D_s from the recorded v;
 *           identical to tracin for sgd and momentum runs)
 * - loss:   ℓ_i(w_T), the final loss (a baseline that ignores the path)
 */
export async function selfInfluenceScores(indexed: IndexedRun, scoring: SuspectScoring, signal?: AbortSignal): Promise<Float64Array> {
  throwIfCancelled(signal);
  if (scoring === 'loss') return finalLosses(indexed);
  const { run, factors } = indexed;
  const T = run.path.steps;
  const W = run.path.batchWidth;
  const scores = new Float64Array(run.record.trainRows);
  const adam = scoring === 'adam' && run.optimizer.name === 'adam' && run.path.adamV !== null;
  for (let s0 = 0; s0 < T; s0 += STEP_CHUNK) {
    const c = Math.min(STEP_CHUNK, T - s0);
    const norms = tidyRead(() => {
      const slice = sliceFactors(factors, s0, c);
      const diagonal = adam ? adamDiagonals(indexed, s0, c) : null;
      let total: tf.Tensor2D | null = null;
      run.layout.layers.forEach((layer, l) => {
        const a2 = tf.square(slice[l].a);
        const d2 = tf.square(slice[l].delta);
        let part: tf.Tensor2D;
        if (diagonal) {
          const dk = tf.reshape(tf.slice(diagonal, [0, layer.kernelOffset], [-1, layer.inputs * layer.outputs]), [c, layer.inputs, layer.outputs]) as tf.Tensor3D;
          const db = tf.reshape(tf.slice(diagonal, [0, layer.biasOffset], [-1, layer.outputs]), [c, 1, layer.outputs]);
          part = tf.sum(tf.mul(tf.add(tf.matMul(a2, dk), db), d2), 2) as tf.Tensor2D;
        } else {
          part = tf.mul(tf.add(tf.sum(a2, 2), 1), tf.sum(d2, 2)) as tf.Tensor2D;
        }
        total = total ? (tf.add(total, part) as tf.Tensor2D) : part;
      });
      return (total as unknown as tf.Tensor2D);
    });
    for (let local = 0; local < c; local++) {
      const s = s0 + local;
      const eta = run.path.learningRates[s];
      for (let b = 0; b < W; b++) {
        const i = run.path.batches[s * W + b];
        if (i >= 0) scores[i] += eta * norms[local * W + b];
      }
    }
    await yieldToEventLoop();
    throwIfCancelled(signal);
  }
  return scores;
}

/** Adam's diagonal D_s = 1 / ((1 − β1^{s+1}) (sqrt(v_s / (1 − β2^{s+1})) + ε)) for steps [s0, s0 + c), [c, P]. */
function adamDiagonals(indexed: IndexedRun, s0: number, c: number): tf.Tensor2D {
  const { run } = indexed;
  const P = run.layout.parameterCount;
  const { beta1, beta2, epsilon } = run.optimizer;
  const c1 = new Float32Array(c);
  const c2 = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    c1[k] = 1 - Math.pow(beta1, s0 + k + 1);
    c2[k] = 1 - Math.pow(beta2, s0 + k + 1);
  }
  const v = tf.tensor2d((run.path.adamV as Float32Array).subarray(s0 * P, (s0 + c) * P), [c, P]);
  const denominator = tf.mul(tf.tensor2d(c1, [c, 1]), tf.add(tf.sqrt(tf.div(v, tf.tensor2d(c2, [c, 1]))), epsilon));
  return tf.div(1, denominator) as tf.Tensor2D;
}

function finalLosses(indexed: IndexedRun): Float64Array {
  const { run } = indexed;
  const P = run.layout.parameterCount;
  const T = run.path.steps;
  const N = run.record.trainRows;
  const values = tidyRead(() => {
    const w = tf.tensor2d(run.path.weights.subarray(T * P, (T + 1) * P), [1, P]);
    const output = tf.squeeze(run.mlp.forward(w, tf.tensor3d(run.data.trainX, [1, N, run.data.featureCount])).output, [0]);
    const y = tf.tensor1d(run.data.trainY, run.data.trainY instanceof Int32Array ? 'int32' : 'float32');
    return perExampleLoss(run.record.task, output, y);
  });
  return Float64Array.from(values);
}
