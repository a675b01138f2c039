import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useWasm } from '../helpers/experiments';
import { pool, poolArgMax, poolBackward } from '../../src/engine/model/pooling';
import type { PoolLayout } from '../../src/engine/model/parameterLayout';

// kernels/maxPool.ts pools, finds arg-maxes and routes gradients by plain loops: they must equal the TensorFlow.js
// formulation (model/pooling.ts with form 'tensorflow': transposes, max, argMax, one-hot) bit for bit, ties and
// cropped edges included, on both backends the kernels serve, and with one input repeated over many weight points.
const pools: PoolLayout[] = [
  { kind: 'maxPool2d', size: 2, input: { height: 4, width: 4, channels: 3 }, output: { height: 2, width: 2, channels: 3 } },
  { kind: 'maxPool2d', size: 2, input: { height: 5, width: 7, channels: 2 }, output: { height: 2, width: 3, channels: 2 } },
  { kind: 'maxPool2d', size: 3, input: { height: 6, width: 6, channels: 1 }, output: { height: 2, width: 2, channels: 1 } },
];

const size = (m: { height: number; width: number; channels: number }) => m.height * m.width * m.channels;

test('the max-pool kernels equal the TensorFlow.js formulation bit for bit, ties and cropped edges included', async () => {
  await useWasm();
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    pools.forEach((p, k) => {
      const [G, R] = [2, 3];
      // Small integers: many windows hold their maximum twice.
      const h = tf.tensor3d(
        Float32Array.from({ length: G * R * size(p.input) }, (_, i) => ((i * 7 + k) % 5) - 2),
        [G, R, size(p.input)],
      );
      const delta = tf.tensor3d(
        Float32Array.from({ length: G * R * size(p.output) }, (_, i) => (i === 5 ? -Infinity : Math.sin(i + 1))),
        [G, R, size(p.output)],
      );
      const shared = tf.slice(h, [0, 0, 0], [1, -1, -1]) as tf.Tensor3D;
      const pairs: [string, () => tf.Tensor, () => tf.Tensor][] = [
        ['pool', () => pool(p, h), () => pool(p, h, 'tensorflow')],
        ['arg-max', () => poolArgMax(p, h), () => tf.cast(poolArgMax(p, h, 'tensorflow'), 'float32')],
        ['backward', () => poolBackward(p, h, delta), () => poolBackward(p, h, delta, 'tensorflow')],
        ['backward, one input at G points', () => poolBackward(p, shared, delta), () => poolBackward(p, shared, delta, 'tensorflow')],
      ];
      for (const [what, ours, theirs] of pairs) {
        const [a, b] = [ours(), theirs()];
        assert.deepEqual(a.shape, b.shape, `${backend} ${what} ${k}`);
        // Strict: −0 (0 · a negative δ in the one-hot form) and NaN (0 · an infinite δ) must match too.
        assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()), `${backend} ${what} ${k}`);
        assert.ok(
          a.dataSync().some((v) => v !== 0),
          `${backend} ${what} ${k} is not all zero`,
        );
        tf.dispose([a, b]);
      }
      tf.dispose([h, delta, shared]);
    });
  }
  await tf.setBackend('wasm');
});

test('tf.grad runs through the max-pool kernel and gives its backward routing', async () => {
  await useWasm();
  const p = pools[1];
  const h = tf.tensor3d(
    Float32Array.from({ length: 2 * size(p.input) }, (_, i) => Math.sin(i * 0.37)),
    [1, 2, size(p.input)],
  );
  const delta = tf.tensor3d(
    Float32Array.from({ length: 2 * size(p.output) }, (_, i) => i - 3),
    [1, 2, size(p.output)],
  );
  const viaGrad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(pool(p, x as tf.Tensor3D), delta)))(h);
  const expected = poolBackward(p, h, delta, 'tensorflow').dataSync();
  assert.deepEqual(
    Array.from(viaGrad.dataSync(), (v) => v + 0),
    Array.from(expected, (v) => v + 0),
  );
  assert.ok(expected.some((v) => v !== 0));
});
