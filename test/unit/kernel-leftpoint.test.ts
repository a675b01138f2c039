import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { trainSample } from '../helpers/experiments';

// path-kernel.md §6: dropping the quadrature (left endpoint only, TracIn's first-order form) leaves a
// visibly larger residual than the exact form — the quadrature matters.
test('left-point only leaves a larger residual than the exact form', async () => {
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 16, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.05, epochs: 10, batchSize: 16, seed: 2 },
  });
  const indexed = await indexedRun(info.dir);
  const queries = Array.from({ length: 10 }, (_, row) => ({ split: 'test' as const, row }));
  const exact = await explainWithIndex(indexed, queries, { top: 3 });
  const left = await explainWithIndex(indexed, queries, { top: 3, leftPointOnly: true });
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const exactRel = median(exact.explanations.map((e) => e.residual.rel));
  const leftRel = median(left.explanations.map((e) => e.residual.rel));
  assert.ok(exactRel < 1e-4, `exact median rel ${exactRel}`);
  assert.ok(leftRel > 100 * exactRel, `left-point median rel ${leftRel} vs exact ${exactRel}`);
  // Both decompose the same network output from the same bias.
  exact.explanations.forEach((e, k) => {
    assert.equal(e.network, left.explanations[k].network);
    assert.equal(e.bias, left.explanations[k].bias);
  });
});
