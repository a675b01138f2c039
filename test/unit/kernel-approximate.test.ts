import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { pathStride } from '../../src/engine/pipeline/pathLayoutChoice';
import { readRunInfo } from '../../src/engine/run/runStore';
import { tempWorkspace, useWasm, writeExperiment } from '../helpers/experiments';

test('the checkpoint stride follows the path-storage budget', () => {
  assert.equal(pathStride(900, 4810, true, undefined), 1);
  assert.equal(pathStride(900, 4810, true, 1024), 1);
  // (901·4810 + 900·4810)·4 bytes ≈ 33 MB: 4 MB keeps every 9th checkpoint.
  assert.equal(pathStride(900, 4810, true, 4), 9);
  assert.equal(pathStride(900, 4810, false, 4), 5);
});

for (const optimizer of ['sgd', 'adam'] as const)
  test(`a ${optimizer} run over its path budget keeps every k-th checkpoint and explains approximately, with its residual`, async () => {
    await useWasm();
    const dir = tempWorkspace(['iris.csv']);
    const file = writeExperiment(dir, 'iris', {
      dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
      model: { hidden: [{ units: 64, activation: 'tanh' }] },
      training: {
        optimizer,
        learningRate: optimizer === 'sgd' ? 0.05 : 0.01,
        epochs: optimizer === 'sgd' ? 120 : 40,
        batchSize: 16,
        seed: 1,
      },
    });
    const exact = await trainExperiment(file);
    const approx = await trainExperiment(file, { pathLayout: { budgetMb: 1, approximate: true } });
    assert.equal(exact.approximate, false);
    assert.equal(approx.approximate, true);
    assert.equal((await readRunInfo(approx.dir)).approximate, true);
    const checkpoints = fs.readFileSync(path.join(approx.dir, 'path', 'checkpoints.npy'));
    assert.ok(checkpoints.length > 0);
    assert.ok(!fs.existsSync(path.join(exact.dir, 'path', 'checkpoints.npy')));
    const vFile = path.join(approx.dir, 'path', 'adam_v.npy');
    const weightsBytes =
      fs.statSync(path.join(approx.dir, 'path', 'weights.npy')).size + (fs.existsSync(vFile) ? fs.statSync(vFile).size : 0);
    assert.ok(weightsBytes <= 1.05 * 1024 * 1024, `path files ${weightsBytes} bytes within the 1 MB budget`);
    // Same trained network, same bias: the path identity still telescopes exactly along the kept checkpoints.
    const queries = Array.from({ length: 6 }, (_, row) => ({ split: 'test' as const, row }));
    const e = await explainWithIndex(await indexedRun(exact.dir), queries, { top: 3, parallel: false });
    const a = await explainWithIndex(await indexedRun(approx.dir), queries, { top: 3, parallel: false });
    a.explanations.forEach((ex, k) => {
      assert.equal(ex.approximate, true);
      assert.equal(e.explanations[k].approximate, undefined);
      assert.ok(Math.abs(ex.network - e.explanations[k].network) < 1e-4);
      assert.ok(Math.abs(ex.bias - e.explanations[k].bias) < 1e-9);
      assert.ok(Number.isFinite(ex.residual.rel));
      // The approximation shows in the residual, which is larger than the exact one.
      assert.ok(ex.residual.rel > e.explanations[k].residual.rel);
    });
    // The approximate contributions still point the same way as the exact ones.
    let agree = 0;
    a.raw.forEach((r, k) => {
      const exactTop = e.raw[k].contributions;
      let dot = 0;
      let na = 0;
      let nb = 0;
      r.contributions.forEach((c, i) => {
        dot += c * exactTop[i];
        na += c * c;
        nb += exactTop[i] * exactTop[i];
      });
      process.stdout.write(
        `# ${optimizer} row ${k}: cosine(approximate, exact) = ${(dot / Math.sqrt(na * nb)).toFixed(3)}, rel residual ${a.explanations[k].residual.rel.toExponential(2)}\n`,
      );
      if (dot / Math.sqrt(na * nb) > 0.9) agree++;
    });
    assert.ok(agree >= 5, `approximate contributions align with the exact ones (cosine > 0.9) on ${agree} of 6 rows`);
  });
