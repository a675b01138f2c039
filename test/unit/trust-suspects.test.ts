import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../src/protocol';
import { indexedRun } from '../../src/engine/explain/explainService';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { plantFlips } from '../../src/engine/trust/plantedFlips';
import { auroc, rankByScore, recallAtFraction } from '../../src/engine/trust/rankingMetrics';
import { selfInfluenceScores } from '../../src/engine/trust/selfInfluence';
import { suspectsOf } from '../../src/engine/trust/suspects';
import { runCli } from '../../src/engine/cli/cli';
import { CancelledError } from '../../src/engine/errors';
import { pathLossesByForwardPasses } from '../helpers/pathLosses';
import { lossFromOutputGradient } from '../../src/engine/model/losses';
import { tempWorkspace, trainSample, useWasm, writeExperiment } from '../helpers/experiments';

test('ranking metrics: recall in the top fraction and AUROC with ties', () => {
  const scores = [0.9, 0.1, 0.8, 0.3, 0.3];
  const positives = new Set([0, 3]);
  assert.deepEqual(rankByScore(scores), [0, 2, 3, 4, 1]);
  assert.equal(recallAtFraction(rankByScore(scores), positives, 0.2), 0.5);
  assert.equal(recallAtFraction(rankByScore(scores), positives, 0.6), 1);
  // Pairs (pos, neg): (0.9 vs 0.1, 0.8, 0.3) = 3 wins; (0.3 vs 0.1) win, (0.3 vs 0.8) loss, (0.3 vs 0.3) half.
  assert.equal(auroc(scores, positives), 4.5 / 6);
});

/** Hypergeometric mean and standard deviation of a random ranking's recall in the top `cut` of N rows with K positives. */
function randomRecall(N: number, K: number, cut: number): { mean: number; sd: number } {
  const mean = cut / N;
  const varianceCount = (cut * K * (N - K) * (N - cut)) / (N * N * (N - 1));
  return { mean, sd: Math.sqrt(varianceCount) / K };
}

test('suspects: on iris with 10% flipped labels the ranking finds the flips far better than random', async () => {
  await useWasm();
  const dir = tempWorkspace(['iris.csv']);
  const config: ExperimentConfig = {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 16, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 30, batchSize: 16, seed: 3 },
  };
  const planted = await plantFlips(writeExperiment(dir, 'iris', config), path.join(dir, 'flipped'), { seed: 7, fraction: 0.1 });
  assert.equal(planted.flipped.size, Math.round(0.1 * planted.trainRows));
  const info = await trainExperiment(planted.experimentFile);
  const indexed = await indexedRun(info.dir);
  const result = await suspectsOf(indexed);
  assert.equal(result.rows.length, planted.trainRows);
  const ranking = result.rows.map((r) => r.index);
  const N = planted.trainRows;
  const K = planted.flipped.size;
  const cut = Math.ceil(0.2 * N);
  const recall = recallAtFraction(ranking, planted.flipped, 0.2);
  const chance = randomRecall(N, K, cut);
  // A margin of 4 standard deviations of a random ranking's recall (about 0.64 here).
  assert.ok(recall >= chance.mean + 4 * chance.sd, `top-20% recall ${recall} vs random ${chance.mean} ± ${chance.sd}`);
  const scores = new Float64Array(N);
  for (const r of result.rows) scores[r.index] = r.score;
  const area = auroc(scores, planted.flipped);
  // Under a random ranking the AUROC has sd sqrt((K + M + 1) / (12 K M)).
  const aurocSd = Math.sqrt((N + 1) / (12 * K * (N - K)));
  assert.ok(area >= 0.5 + 4 * aurocSd, `AUROC ${area} vs 0.5 ± ${aurocSd}`);
  // The alternatives also beat chance, and the list is sorted by score.
  for (const scoring of ['adam', 'path-loss', 'loss'] as const)
    assert.ok(auroc(await selfInfluenceScores(indexed, scoring), planted.flipped) > 0.5 + 4 * aurocSd, scoring);
  for (let r = 1; r < result.rows.length; r++) assert.ok(result.rows[r - 1].score >= result.rows[r].score);
});

test('a loss from its output gradient: the loss itself for every task, and capped where float32 cannot resolve p', () => {
  const z = [0.3, -1.2, 2.5];
  const max = Math.max(...z);
  const sum = z.reduce((t, v) => t + Math.exp(v - max), 0);
  for (let y = 0; y < 3; y++) {
    const g = z.map((v, c) => Math.exp(v - max) / sum - (c === y ? 1 : 0));
    const loss = max + Math.log(sum) - z[y];
    assert.ok(Math.abs(lossFromOutputGradient('multiclass', [9, ...g], 1, 3, y) - loss) <= 1e-12 * loss, `class ${y}`);
  }
  for (const [logit, y] of [
    [1.7, 1],
    [1.7, 0],
    [-3, 1],
    [-3, 0],
  ]) {
    const g = 1 / (1 + Math.exp(-logit)) - y;
    const loss = Math.log1p(Math.exp(logit)) - y * logit;
    assert.ok(Math.abs(lossFromOutputGradient('binary', [g], 0, 1, y) - loss) <= 1e-12 * loss, `logit ${logit}, label ${y}`);
  }
  assert.equal(lossFromOutputGradient('regression', [0, 3, -1], 1, 2, 0), 1.5 ** 2 + 0.5 ** 2);
  // p_y = 0 as float32 stores it: the loss of p = 2⁻²⁴, not ∞.
  assert.equal(lossFromOutputGradient('multiclass', [0.5, -1, 0.5], 0, 3, 1), -Math.log(2 ** -24));
  assert.equal(lossFromOutputGradient('binary', [-1], 0, 1, 1), -Math.log(2 ** -24));
});

test('path-loss: each row’s mean loss at the weights of the steps that used it (multiclass, binary, regression)', async () => {
  await useWasm();
  const cases = [
    { file: 'iris.csv', target: 'species', task: 'multiclass' },
    { file: 'breast-cancer.csv', target: 'diagnosis', task: 'binary' },
    { file: 'diabetes.csv', target: 'progression', task: 'regression' },
  ] as const;
  for (const { file, target, task } of cases) {
    const info = await trainSample(file, {
      dataset: { train: file, target, test: { fraction: 0.2 } },
      model: { hidden: [{ units: 6, activation: 'tanh' }] },
      training: { optimizer: 'adam', learningRate: 0.02, epochs: 4, batchSize: 32, seed: 2 },
    });
    const indexed = await indexedRun(info.dir);
    const { run } = indexed;
    assert.equal(run.record.task, task);
    const scores = await selfInfluenceScores(indexed, 'path-loss');
    const { sums, visits } = pathLossesByForwardPasses(run);
    for (let i = 0; i < run.record.trainRows; i++) {
      assert.ok(visits[i] > 0, `row ${i} was trained on`);
      const expected = sums[i] / visits[i];
      assert.ok(Math.abs(scores[i] - expected) <= 1e-5 + 1e-4 * expected, `${file} row ${i}: ${scores[i]} vs ${expected}`);
    }
  }
});

test('suspects: a signal fired while the steps are scored ends the work with CancelledError', async () => {
  // 120 rows / 16 = 8 steps an epoch: 40 epochs are 320 steps, three chunks of the scoring loop.
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 8, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 40, batchSize: 16, seed: 1 },
  });
  const indexed = await indexedRun(info.dir);
  const whole = await suspectsOf(indexed, { signal: new AbortController().signal });
  assert.deepEqual(whole, await suspectsOf(indexed), 'an unfired signal changes nothing');
  for (const scoring of ['tracin', 'adam', 'path-loss', 'loss'] as const) {
    const before = new AbortController();
    before.abort();
    await assert.rejects(suspectsOf(indexed, { scoring, signal: before.signal }), CancelledError, `${scoring}: fired before the start`);
  }
  for (const scoring of ['tracin', 'adam'] as const) {
    // Queued now, so it runs at the first chunk's yield, before the second chunk starts.
    const during = new AbortController();
    setImmediate(() => during.abort());
    await assert.rejects(
      suspectsOf(indexed, { scoring, signal: during.signal }),
      CancelledError,
      `${scoring}: fired after the first chunk`,
    );
  }
});

test('suspects CLI: --json lists the first K rows with index, file, line, label, score', async () => {
  await useWasm();
  const dir = tempWorkspace(['iris.csv']);
  const file = writeExperiment(dir, 'iris', {
    dataset: { train: 'iris.csv', target: 'species' },
    training: { epochs: 3, batchSize: 16, seed: 1 },
  });
  const info = await trainExperiment(file);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const errWrite = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  let code: number;
  try {
    code = await runCli(['suspects', info.dir, '--top', '4', '--json', '--backend', 'wasm']);
  } finally {
    process.stdout.write = write;
    process.stderr.write = errWrite;
  }
  assert.equal(code, 0);
  const rows = JSON.parse(chunks.join('')) as { index: number; file: string; line: number; label: string; score: number }[];
  assert.equal(rows.length, 4);
  for (const row of rows) {
    assert.equal(row.file, 'iris.csv');
    assert.ok(Number.isInteger(row.index) && row.line >= 2 && typeof row.label === 'string' && Number.isFinite(row.score));
  }
  assert.ok(rows[0].score >= rows[3].score);
});
