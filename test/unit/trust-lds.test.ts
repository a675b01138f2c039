import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import type { LdsEvaluation } from '../../src/protocol';
import { LDS_METHODS } from '../../src/protocol/limits';
import { explainWithIndex, forgetRun, indexedRun } from '../../src/engine/explain/explainService';
import { loadRun } from '../../src/engine/explain/shared/loadedRun';
import { gradientSimilarity } from '../../src/engine/trust/gradientSimilarity';
import { ldsFile, linearDatamodelingScore, rowLdsAgreement } from '../../src/engine/trust/lds';
import { spearman } from '../../src/engine/trust/rankingMetrics';
import { verifyWithIndex } from '../../src/engine/trust/verify';
import { trainSample, useWasm } from '../helpers/experiments';
import * as tf from '@tensorflow/tfjs-core';

// trust/lds.ts: the linear datamodeling score of path-kernel contributions, TracIn and gradient similarity.
const ROOT = path.resolve(__dirname, '..', '..');

test('spearman is 1 for any increasing relation, −1 for a decreasing one, averages ties, NaN when constant', () => {
  assert.equal(spearman([1, 2, 3, 4], [10, 20, 300, 4000]), 1);
  assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  // Ranks [1, 2.5, 2.5, 4] against [1, 2, 3, 4]: Pearson 0.9487.
  assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 0.9486833) < 1e-6);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
});

test('gradient similarity equals −∇f_e(x)·∇ℓ_i(w_T) from tf.grad', async () => {
  await useWasm();
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 5, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.02, epochs: 3, batchSize: 16, seed: 3 },
  });
  const run = await loadRun(info.dir);
  const F = run.data.featureCount;
  const P = run.layout.parameterCount;
  const wT = run.path.weights.subarray(run.path.steps * P, (run.path.steps + 1) * P);
  const x = run.data.testX.subarray(0, 2 * F);
  const e = Float32Array.of(1, 0, -1, 0, 1, 0);
  const got = await gradientSimilarity(run, x, e, 2);
  const gradientOf = (scalar: (w: tf.Tensor2D) => tf.Scalar): Float32Array =>
    tf.tidy(() =>
      Float32Array.from(
        tf
          .grad((w) => scalar(w as tf.Tensor2D))(tf.tensor2d(wT, [1, P]))
          .dataSync(),
      ),
    );
  const outputAt = (w: tf.Tensor2D, row: Float32Array) => run.network.forward(w, tf.tensor3d(row, [1, 1, F])).output;
  for (const q of [0, 1]) {
    const gq = gradientOf((w) => tf.sum(tf.mul(outputAt(w, x.subarray(q * F, (q + 1) * F)), tf.tensor1d(e.subarray(q * 3, q * 3 + 3)))));
    for (const i of [0, 7, 50]) {
      const label = run.data.trainY[i];
      const gi = gradientOf((w) => {
        const z = tf.reshape(outputAt(w, run.data.trainX.subarray(i * F, (i + 1) * F)), [3]);
        return tf.sub(tf.logSumExp(z), tf.sum(tf.mul(z, tf.oneHot(label, 3)))) as tf.Scalar;
      });
      let expected = 0;
      for (let p = 0; p < P; p++) expected -= gq[p] * gi[p];
      assert.ok(Math.abs(got[q][i] - expected) <= 1e-4 * (1 + Math.abs(expected)), `query ${q} row ${i}: ${got[q][i]} vs ${expected}`);
    }
  }
});

test('lds scores each method per test row, keeps the file outside the digests, and verify shows the row', async () => {
  await useWasm();
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 6, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.02, epochs: 6, batchSize: 16, seed: 4 },
  });
  const steps: number[] = [];
  const evaluation = await linearDatamodelingScore(info.dir, { subsets: 5, rows: 6, onProgress: (done) => steps.push(done) });
  assert.deepEqual(steps, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(evaluation.rows, [0, 1, 2, 3, 4, 5]);
  assert.equal(evaluation.reproduced, true, 'retraining on every row reproduces the run on the same backend');
  for (const m of LDS_METHODS) {
    const s = evaluation.methods[m];
    assert.equal(s.perRow.length, 6);
    for (const v of s.perRow) assert.ok(v === null || (v >= -1 && v <= 1), `${m}: ${v}`);
    assert.ok(s.mean !== null && s.mean > 0, `${m} predicts retraining better than chance (${s.mean})`);
  }
  // The stored file is the result, and adding it does not make the run "damaged".
  const stored = JSON.parse(fs.readFileSync(ldsFile(info.dir), 'utf8')) as LdsEvaluation;
  assert.deepEqual(stored.methods.pathKernel.perRow, evaluation.methods.pathKernel.perRow);
  forgetRun(info.dir);
  const indexed = await indexedRun(info.dir);
  const result = await verifyWithIndex(indexed, { query: { split: 'test', row: 2 }, k: 3, randomDraws: 1 });
  assert.deepEqual(result.lds?.row, {
    pathKernel: evaluation.methods.pathKernel.perRow[2],
    tracin: evaluation.methods.tracin.perRow[2],
    gradientSimilarity: evaluation.methods.gradientSimilarity.perRow[2],
  });
  assert.equal(result.lds?.mean.pathKernel, evaluation.methods.pathKernel.mean);
  // A training row and a test row it did not score have no agreement.
  assert.equal(await rowLdsAgreement(info.dir, { split: 'train', row: 2 }), null);
  assert.equal(await rowLdsAgreement(info.dir, { split: 'test', row: 20 }), null);
  // The path kernel's subset prediction with nothing removed is the network itself: its contributions sum to it.
  const { raw } = await explainWithIndex(indexed, [{ split: 'test', row: 0 }], { output: { kind: 'margin' } });
  assert.ok(Math.abs(raw[0].bias + raw[0].contributions.reduce((s, c) => s + c, 0) - raw[0].network) < 1e-3 * Math.abs(raw[0].network));
  // An edited file is named, never read as a different evaluation.
  fs.writeFileSync(ldsFile(info.dir), JSON.stringify({ ...stored, rows: [0, 1] }));
  await assert.rejects(rowLdsAgreement(info.dir, { split: 'test', row: 0 }), (e: Error) =>
    e.message.includes('LDS evaluation cannot be read'),
  );
});

test('npm run eval:lds -- --quick prints each method’s mean LDS for iris with the anchors', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'eval-lds.ts'), '--quick'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.stdout.write(out);
  assert.match(out, /^iris \(10 test rows, 6 retrainings on halves, test accuracy [01]\.\d{3}, \d+ s\)$/m);
  for (const method of ['path kernel \\(exact\\)', 'TracIn \\(first order\\)', 'gradient similarity \\(final weights\\)'])
    assert.match(out, new RegExp(`^  ${method}\\s+-?[01]\\.\\d{3} ± [01]\\.\\d{3}  median -?[01]\\.\\d{3}$`, 'm'));
  assert.match(out, /^anchors: TRAK ≈ 0\.45/m);
});
