import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import type { ExperimentConfig } from '../../src/protocol';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { kernelEvolutionOf } from '../../src/engine/trust/tangentKernelEvolution';
import { centeredAlignment, targetKernel } from '../../src/engine/trust/kernelAlignment';
import type { LoadedRun } from '../../src/engine/explain/shared/loadedRun';
import { trainSample } from '../helpers/experiments';

/** An independent forward pass from the flat parameter vector (not FactoredNetwork): dense layers, tanh hidden, linear output. */
function plainForward(run: LoadedRun, theta: tf.Tensor1D, x: tf.Tensor2D): tf.Tensor2D {
  let a: tf.Tensor2D = x;
  run.layout.layers.forEach((layer, l) => {
    const kernel = tf.reshape(tf.slice(theta, [layer.kernelOffset], [layer.inputs * layer.outputs]), [
      layer.inputs,
      layer.outputs,
    ]) as tf.Tensor2D;
    const bias = tf.slice(theta, [layer.biasOffset], [layer.outputs]);
    const z = tf.add(tf.matMul(a, kernel), bias) as tf.Tensor2D;
    a = l === run.layout.layers.length - 1 ? z : tf.tanh(z);
  });
  return a;
}

/** ∇_θ (e · f(x; θ)) by tf.grad, one example at a time. */
function bruteGradient(run: LoadedRun, theta: Float32Array, x: Float32Array, e: number[]): Float32Array {
  return tf.tidy(() => {
    const grad = tf.grad((t: tf.Tensor) =>
      tf.sum(tf.mul(plainForward(run, t as tf.Tensor1D, tf.tensor2d(x, [1, x.length])), tf.tensor2d(e, [1, e.length]))),
    );
    return grad(tf.tensor1d(theta)).dataSync() as Float32Array;
  });
}

const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, k) => s + v * b[k], 0);

test('kernel: the tangent kernel at initialization equals dot products of per-example tf.grad gradients', async () => {
  const config: ExperimentConfig = {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 6, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 4, batchSize: 16, seed: 4 },
  };
  const info = await trainSample('iris.csv', config);
  const indexed = await indexedRun(info.dir);
  const { run } = indexed;
  const result = await kernelEvolutionOf(indexed, { sample: 12, checkpoints: 5 });
  const matrices = result.matrices;
  assert.ok(matrices);
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const T = run.path.steps;
  const classes = run.record.preprocessing.classes as string[];
  const row = (i: number) => run.data.trainX.slice(i * F, (i + 1) * F);
  for (const [name, weights, matrix] of [
    ['initial', run.path.weights.slice(0, P), matrices.initial],
    ['final', run.path.weights.slice(T * P, (T + 1) * P), matrices.final],
  ] as const) {
    let scale = 0;
    const expected: number[][] = result.sample.map((_, j) => {
      const e = classes.map((c) => (c === result.outputs[j].class ? 1 : 0));
      const gj = bruteGradient(run, weights, row(result.sample[j]), e);
      return result.sample.map((i) => {
        const v = dot(gj, bruteGradient(run, weights, row(i), e));
        scale = Math.max(scale, Math.abs(v));
        return v;
      });
    });
    expected.forEach((r, j) =>
      r.forEach((v, i) =>
        assert.ok(Math.abs(matrix[j][i] - v) <= 1e-4 * scale, `${name} K[${j}][${i}] = ${matrix[j][i]}, brute force ${v}`),
      ),
    );
  }
  // Checkpoints run from w_0 to w_T; alignments are cosines.
  assert.equal(result.alignmentCurve[0].step, 0);
  assert.equal(result.alignmentCurve[result.alignmentCurve.length - 1].step, T);
  for (const a of [result.alignment.initial, result.alignment.final, result.alignment.path]) assert.ok(a >= -1 && a <= 1);
  assert.equal(result.sameClass.length, 12); // fewer than the default 50 share rows: all of them
  for (const s of result.sameClass) assert.ok(s.shareAbs >= 0 && s.shareAbs <= 1);
});

test("kernel: the sample path kernel matches the explainer's K^p for the top contributions", async () => {
  const config: ExperimentConfig = {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 6, activation: 'tanh' }] },
    training: { optimizer: 'sgd', learningRate: 0.05, epochs: 4, batchSize: 16, seed: 4 },
  };
  const info = await trainSample('iris.csv', config);
  const indexed = await indexedRun(info.dir);
  const N = indexed.run.record.trainRows;
  const result = await kernelEvolutionOf(indexed, { sample: N, checkpoints: 3 });
  const j = 0;
  const { explanations } = await explainWithIndex(indexed, [{ split: 'train', row: result.sample[j] }], { top: 10 });
  let checked = 0;
  for (const c of explanations[0].contributions) {
    if (c.kernel === null) continue;
    const v = result.matrices?.path[j][result.sample.indexOf(c.index)] as number;
    assert.ok(Math.abs(v - c.kernel) <= 1e-3 * Math.abs(c.kernel) + 1e-6, `K^p row ${c.index}: ${v} vs ${c.kernel}`);
    checked++;
  }
  assert.ok(checked >= 5);
});

test('centered alignment: a kernel equal to the target kernel has alignment 1', () => {
  const labels = [0, 0, 1, 1, 2];
  const y = targetKernel(labels, false);
  assert.ok(Math.abs(centeredAlignment(y, y, labels.length) - 1) < 1e-12);
});
