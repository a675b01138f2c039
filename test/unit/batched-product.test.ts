import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useWasm } from '../helpers/experiments';
import { batchedMatMul } from '../../src/engine/kernels/batchedProduct';

// kernels/batchedProduct.ts runs the query side's products by our SIMD kernel: for every transpose, broadcast batch
// and shape class (narrow and wide outputs, odd rows, dot products of rows, the swapped form of a transposed a), on both backends it
// serves, it must give TensorFlow.js's products to float32 rounding.
const cases: { a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }[] = [
  { a: [3, 5, 7], b: [3, 7, 4], transposeA: false, transposeB: false },
  { a: [1, 33, 9], b: [6, 9, 16], transposeA: false, transposeB: false },
  { a: [4, 17, 40], b: [1, 40, 35], transposeA: false, transposeB: false },
  { a: [5, 64, 16], b: [5, 72, 16], transposeA: false, transposeB: true },
  { a: [2, 3, 11], b: [2, 5, 11], transposeA: false, transposeB: true },
  // A few columns with b transposed: dot products of rows (eight k at a time, then the tail).
  { a: [4, 32, 37], b: [4, 1, 37], transposeA: false, transposeB: true },
  { a: [3, 5, 16], b: [1, 3, 16], transposeA: false, transposeB: true },
  { a: [1, 7, 5], b: [2, 4, 5], transposeA: false, transposeB: true },
  // a transposed: N ≤ M takes the swapped form, N > M the direct one.
  { a: [6, 48, 72], b: [6, 48, 16], transposeA: true, transposeB: false },
  { a: [3, 20, 5], b: [3, 20, 19], transposeA: true, transposeB: false },
  { a: [2, 9, 7], b: [2, 6, 9], transposeA: true, transposeB: true },
];

test('batchedMatMul equals tf.matMul for every transpose and broadcast, on wasm and cpu', async () => {
  await useWasm();
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    cases.forEach((c, k) => {
      const size = (shape: number[]) => shape.reduce((x, y) => x * y, 1);
      const a = tf.tensor3d(
        Float32Array.from({ length: size(c.a) }, (_, i) => Math.sin(i * 0.7 + k)),
        c.a as [number, number, number],
      );
      const b = tf.tensor3d(
        Float32Array.from({ length: size(c.b) }, (_, i) => Math.cos(i * 0.3 - k)),
        c.b as [number, number, number],
      );
      const expected = tf.matMul(a, b, c.transposeA, c.transposeB);
      const actual = batchedMatMul(a, b, c.transposeA, c.transposeB);
      assert.deepEqual(actual.shape, expected.shape, `${backend} case ${k}`);
      const want = expected.dataSync();
      const got = actual.dataSync();
      const K = c.transposeA ? c.a[1] : c.a[2];
      for (let i = 0; i < want.length; i++)
        assert.ok(Math.abs(got[i] - want[i]) <= 4e-7 * K, `${backend} case ${k} entry ${i}: ${got[i]} vs ${want[i]}`);
      tf.dispose([a, b, expected, actual]);
    });
  }
  await tf.setBackend('wasm');
});

test('batchedMatMul refuses shapes that do not multiply', async () => {
  await useWasm();
  assert.throws(() => batchedMatMul(tf.zeros([2, 3, 4]) as tf.Tensor3D, tf.zeros([2, 5, 6]) as tf.Tensor3D), /do not multiply/);
  assert.throws(() => batchedMatMul(tf.zeros([2, 3, 4]) as tf.Tensor3D, tf.zeros([3, 4, 6]) as tf.Tensor3D), /do not multiply/);
});
