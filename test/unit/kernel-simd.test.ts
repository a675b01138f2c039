import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileKernels } from '../../scripts/build-wasm';
import { indexedRun } from '../../src/engine/explain/explainService';
import { trainSample } from '../helpers/experiments';

test('the committed SIMD kernel module is compiled from its .wat sources', async () => {
  const committed = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'engine', 'explain', 'fast', 'wasm', 'wasmModules.ts'), 'utf8');
  assert.equal(committed, await compileKernels());
});

test('the SIMD contraction equals the per-example gradient dotted with U, computed directly', async () => {
  const info = await trainSample('penguins.csv', {
    dataset: { train: 'penguins.csv', target: 'species', test: { fraction: 0.2 } },
    model: {
      hidden: [
        { units: 13, activation: 'tanh' },
        { units: 6, activation: 'relu' },
      ],
    },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 2, batchSize: 16, seed: 4 },
  });
  const { run, index } = await indexedRun(info.dir);
  const P = run.layout.parameterCount;
  const W = run.path.batchWidth;
  const simd = index.contraction;
  let seed = 1;
  const u = Float32Array.from({ length: P }, () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5);
  simd.u.set(u);
  for (const r of [0, 5, run.path.steps - 1]) {
    const got = simd.contract(r);
    for (let b = 0; b < W; b++) {
      // G_b = a_b ⊗ δ_b per layer (kernel), δ_b (bias), written out in full.
      let expected = 0;
      for (const layer of index.layers) {
        const a = layer.a.subarray((r * W + b) * layer.inputs, (r * W + b + 1) * layer.inputs);
        const d = layer.delta.subarray((r * W + b) * layer.outputs, (r * W + b + 1) * layer.outputs);
        for (let j = 0; j < layer.inputs; j++)
          for (let m = 0; m < layer.outputs; m++) expected += a[j] * d[m] * u[layer.kernelOffset + j * layer.outputs + m];
        for (let m = 0; m < layer.outputs; m++) expected += d[m] * u[layer.biasOffset + m];
      }
      assert.ok(Math.abs(got[b] - expected) <= 1e-5 * (Math.abs(expected) + 1e-3), `step ${r} row ${b}: ${got[b]} vs ${expected}`);
    }
  }
});
