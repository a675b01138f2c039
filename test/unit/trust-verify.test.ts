import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExperimentConfig, OptimizerName } from '../../src/protocol';
import { indexedRun } from '../../src/engine/explain/explainService';
import { batchSchedule, batchRows, withoutRows } from '../../src/engine/train/batchSchedule';
import { retrainWithout } from '../../src/engine/trust/retrain';
import { verifyWithIndex } from '../../src/engine/trust/verify';
import { trainSample } from '../helpers/experiments';

test('withoutRows keeps the recorded order, drops removed rows and empty batches, keeps epochs', () => {
  const plan = batchSchedule(10, 4, 2, 5);
  const removed = new Set([0, 1, 2, 3, 4, 5, 6]);
  const filtered = withoutRows(plan, removed);
  const before = Array.from({ length: plan.steps }, (_, s) => batchRows(plan.batches, plan.width, s).filter((i) => !removed.has(i))).filter(
    (b) => b.length > 0,
  );
  const after = Array.from({ length: filtered.steps }, (_, s) => batchRows(filtered.batches, filtered.width, s));
  assert.deepEqual(after, before);
  assert.equal(filtered.epochOfStep?.length, filtered.steps);
  assert.ok(filtered.epochOfStep?.every((e, s) => s === 0 || e >= (filtered.epochOfStep as Int32Array)[s - 1]));
  // Nothing removed: the same batches.
  assert.deepEqual(Array.from(withoutRows(plan, new Set()).batches), Array.from(plan.batches));
});

const optimizers: { optimizer: OptimizerName; learningRate: number }[] = [
  { optimizer: 'adam', learningRate: 0.01 },
  { optimizer: 'momentum', learningRate: 0.02 },
  { optimizer: 'sgd', learningRate: 0.05 },
];

for (const o of optimizers) {
  test(`verify with k = 0 reproduces the original weights and output exactly (${o.optimizer})`, async () => {
    const config: ExperimentConfig = {
      dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
      model: { hidden: [{ units: 8, activation: 'tanh' }] },
      training: { optimizer: o.optimizer, learningRate: o.learningRate, epochs: 6, batchSize: 16, seed: 2 },
    };
    const info = await trainSample('iris.csv', config);
    const indexed = await indexedRun(info.dir);
    const { run } = indexed;
    const P = run.layout.parameterCount;
    const T = run.path.steps;
    const weights = await retrainWithout(run, new Set());
    assert.deepEqual(Array.from(weights), Array.from(run.path.weights.subarray(T * P, (T + 1) * P)));
    const result = await verifyWithIndex(indexed, { query: { split: 'test', row: 1 }, k: 0 });
    assert.equal(result.retrained, result.original);
    assert.equal(result.supporters.change, 0);
    assert.equal(result.random.length, 0);
  });
}

test('verify with k = 5 removes the strongest supporters and 3 random draws of 5 rows', async () => {
  const config: ExperimentConfig = {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 8, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 6, batchSize: 16, seed: 2 },
  };
  const info = await trainSample('iris.csv', config);
  const indexed = await indexedRun(info.dir);
  const result = await verifyWithIndex(indexed, { query: { split: 'test', row: 0 }, k: 5 });
  assert.equal(result.supporters.rows.length, 5);
  assert.ok(result.supporters.removedSum > 0);
  assert.equal(result.random.length, 3);
  for (const r of result.random) {
    assert.equal(r.rows.length, 5);
    assert.ok(result.supporters.removedSum >= r.removedSum, 'the supporters hold the largest contribution sum');
    assert.ok(Number.isFinite(r.change));
  }
  assert.equal(result.supporters.change, result.supporters.output - result.original);
});

test('verify draws its random rows per explained row: the same row draws the same rows again, another row others', async () => {
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 4, activation: 'tanh' }] },
    training: { optimizer: 'sgd', learningRate: 0.05, epochs: 2, batchSize: 16, seed: 2 },
  });
  const indexed = await indexedRun(info.dir);
  const draws = async (row: number) =>
    (await verifyWithIndex(indexed, { query: { split: 'test', row }, k: 5, randomDraws: 2 })).random.map((r) => r.rows);
  const first = await draws(0);
  assert.notDeepEqual(first[0], first[1], 'two draws of one row differ');
  assert.deepEqual(await draws(0), first, 'the same row draws the same rows');
  assert.notDeepEqual(await draws(1), first, 'another row draws other rows');
});
