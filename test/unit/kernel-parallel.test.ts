import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { stopWorkers } from '../../src/engine/explain/parallel/workerPool';
import { trainSample } from '../helpers/experiments';

after(() => stopWorkers());

test('a batch split across worker threads gives exactly the single-thread numbers, in order', async () => {
  const info = await trainSample('breast-cancer.csv', {
    dataset: { train: 'breast-cancer.csv', target: 'diagnosis', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 8, activation: 'relu' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 3, batchSize: 32, seed: 5 },
  });
  const indexed = await indexedRun(info.dir);
  const queries = Array.from({ length: 20 }, (_, row) => ({ split: 'test' as const, row: row * 3 }));
  const parallel = await explainWithIndex(indexed, queries, { top: 5 });
  const single = await explainWithIndex(indexed, queries, { top: 5, parallel: false });
  assert.deepEqual(
    parallel.explanations.map((e) => e.row),
    queries.map((q) => q.row),
  );
  parallel.raw.forEach((r, q) => {
    assert.deepEqual(Array.from(r.contributions), Array.from(single.raw[q].contributions));
    assert.equal(r.bias, single.raw[q].bias);
  });
  // A cancelled batch stops promptly with a cancellation, and the pool still works afterwards.
  const controller = new AbortController();
  const cancelled = explainWithIndex(indexed, queries, { top: 5, signal: controller.signal });
  controller.abort();
  await assert.rejects(cancelled, /cancel/i);
  const again = await explainWithIndex(indexed, queries.slice(0, 8), { top: 5 });
  assert.equal(again.explanations.length, 8);
});
