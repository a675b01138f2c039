import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compileKernels, KERNEL_FOLDERS } from '../../scripts/build-wasm';
import { indexedRun } from '../../src/engine/explain/explainService';
import { trainSample } from '../helpers/experiments';
import { MatrixProduct } from '../../src/engine/simd/matrixProduct';
import { fusedContraction, SimdContraction } from '../../src/engine/explain/fast/wasm/simdContraction';

test('the committed SIMD kernel modules are compiled from their .wat sources', async () => {
  for (const folder of KERNEL_FOLDERS)
    assert.equal(fs.readFileSync(path.join(folder.dir, 'wasmModules.ts'), 'utf8'), await compileKernels(folder), folder.dir);
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
  let seed = 1;
  const drawn = Float32Array.from({ length: P }, () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5);
  // A query input with zeros: loadQuery zeroes the first layer's rows there (their U is zero at every step) and
  // the contraction skips them.
  const first = index.layers[0];
  const x = Float32Array.from({ length: first.inputs }, (_, j) => (j % 3 === 1 ? 0 : 0.5 + j));
  const u = drawn.slice();
  x.forEach((v, j) => {
    if (v === 0) u.fill(0, first.kernelOffset + j * first.outputs, first.kernelOffset + (j + 1) * first.outputs);
  });
  // The index's own kernel, and the plain and fused kernels (FMA where relaxed SIMD runs) on copies of its factors.
  const copies = [false, true].map((fused) => {
    const copy = new SimdContraction(run, false, fused);
    copy.factors.forEach((f, l) => {
      f.a.set(index.layers[l].a);
      f.delta.set(index.layers[l].delta);
    });
    return copy;
  });
  assert.equal(fusedContraction(), true, 'Node 20 and later run the fused contraction (relaxed SIMD)');
  const terms = [index.contraction, ...copies].map((simd) => {
    simd.u.set(drawn);
    simd.loadQuery(x, 0, first.inputs);
    assert.deepEqual(simd.u, u);
    return [0, 5, run.path.steps - 1].map((r) => simd.contract(r).slice());
  });
  [0, 5, run.path.steps - 1].forEach((r, step) => {
    const [plain, fused] = [terms[1][step], terms[2][step]];
    for (let b = 0; b < W; b++)
      assert.ok(Math.abs(fused[b] - plain[b]) <= 1e-6 * (Math.abs(plain[b]) + 1e-3), `fused vs plain at ${r}, ${b}`);
  });
  for (const [v, variant] of terms.entries())
    [0, 5, run.path.steps - 1].forEach((r, step) => {
      const got = variant[step];
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
        assert.ok(
          Math.abs(got[b] - expected) <= 1e-5 * (Math.abs(expected) + 1e-3),
          `kernel ${v} step ${r} row ${b}: ${got[b]} vs ${expected}`,
        );
      }
    });
});

test('the SIMD matrix product equals the plain triple loop, at any shape (odd rows, columns not a multiple of 16)', () => {
  const product = new MatrixProduct();
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
  for (const [R, K, N] of [
    [1, 1, 1],
    [3, 5, 17],
    [32, 256, 256],
    [33, 7, 10],
    [2, 64, 15],
  ]) {
    const a = Float32Array.from({ length: R * K }, random);
    const u = Float32Array.from({ length: K * N }, random);
    const v = product.rowsTimes((into) => into.set(a), u, R, K, N).slice();
    assert.equal(v.length, R * N);
    for (let r = 0; r < R; r++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        for (let k = 0; k < K; k++) sum += a[r * K + k] * u[k * N + n];
        assert.ok(Math.abs(v[r * N + n] - sum) <= 1e-5 * Math.sqrt(K), `${R}×${K}×${N} at (${r}, ${n}): ${v[r * N + n]} vs ${sum}`);
      }
    }
  }
});
