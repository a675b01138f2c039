import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { useWasm } from '../helpers/experiments';
import { copySlice } from '../../src/engine/kernels/wasmSlice';

// kernels/wasmSlice.ts replaces the wasm backend's Slice (which copied its whole input first): every form of slice
// must give the cpu backend's values, bit for bit, for each dtype and rank.
const cases: { shape: number[]; begin: number[]; size: number[] }[] = [
  { shape: [7], begin: [2], size: [4] },
  { shape: [5, 9], begin: [1, 3], size: [3, -1] },
  { shape: [5, 9], begin: [0, 0], size: [2, 9] },
  { shape: [4, 3, 6], begin: [1, 0, 2], size: [2, 3, 3] },
  { shape: [3, 4, 5, 2], begin: [0, 1, 1, 0], size: [3, 2, 3, 1] },
  { shape: [2, 3, 2, 3, 2], begin: [1, 1, 0, 1, 1], size: [1, 2, 2, 2, 1] },
  { shape: [4, 5], begin: [1, 2], size: [0, 2] },
  // Whole inner axes: one run spans them (a few whole steps of [T, W, P], a partial axis before whole ones).
  { shape: [6, 3, 4], begin: [2, 0, 0], size: [3, -1, -1] },
  { shape: [3, 4, 5], begin: [1, 1, 0], size: [2, 2, 5] },
];

async function sliceOn(backend: string, values: number[], dtype: 'float32' | 'int32' | 'bool', c: (typeof cases)[number]) {
  await tf.setBackend(backend);
  return tf.tidy(() => Array.from(tf.slice(tf.tensor(values, c.shape, dtype), c.begin, c.size).dataSync()));
}

test('the wasm Slice kernel equals the cpu backend for every rank and dtype', async () => {
  await useWasm();
  for (const c of cases) {
    const n = c.shape.reduce((a, b) => a * b, 1);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const values = Array.from({ length: n }, (_, i) =>
        dtype === 'bool' ? i % 3 === 0 : dtype === 'int32' ? i * 7 - 11 : Math.sin(i) * 1e3,
      ) as number[];
      const onWasm = await sliceOn('wasm', values, dtype, c);
      const onCpu = await sliceOn('cpu', values, dtype, c);
      assert.deepEqual(onWasm, onCpu, `${dtype} ${JSON.stringify(c)}`);
      if (c.size.every((s) => s !== 0)) assert.ok(onWasm.length > 0);
    }
  }
  await tf.setBackend('wasm');
});

test('copySlice copies exactly the slice the cpu backend takes', async () => {
  await tf.setBackend('cpu');
  for (const c of cases) {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const values = Float32Array.from({ length: n }, (_, i) => i + 0.5);
    const [begin, size] = tf.slice_util.parseSliceParams(tf.tensor(values, c.shape), c.begin, c.size);
    const out = new Float32Array(size.reduce((a, b) => a * b, 1));
    copySlice(values, c.shape, begin, size, out);
    assert.deepEqual(Array.from(out), Array.from(tf.slice(tf.tensor(values, c.shape), c.begin, c.size).dataSync()), JSON.stringify(c));
  }
  await tf.setBackend('wasm');
});
