import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rowComparison, sameOutput } from '../../src/extension/experiments/compare/rowComparison';
import { COMPARED_PER_SIDE } from '../../src/protocol/limits';
import { explanationOf } from '../helpers/explanations';

test('the second run explains what the first explains: the same class, the margin, or the value', () => {
  assert.deepEqual(sameOutput(explanationOf(2, {})), { kind: 'class', class: 'a' });
  assert.deepEqual(sameOutput(explanationOf(2, {}, { output: { kind: 'margin', class: 'a', units: 'logit' } })), { kind: 'margin' });
  assert.deepEqual(sameOutput(explanationOf(2, {}, { output: { kind: 'value', class: null, units: 'target' } })), { kind: 'default' });
});

test('rows are matched by file and line, the largest change comes first, and a row one run does not train on comes last', () => {
  // Line 10 moves most (+0.5 → -0.25), line 13 not at all; line 11 is trained on by A only, line 12 by B only.
  const a = explanationOf(2, { 10: 0.5, 11: 0.2, 13: -0.1 });
  const b = explanationOf(2, { 10: -0.25, 12: 0.3, 13: -0.1 });
  // B numbers its training rows differently (another seed): the match must not use `index`.
  b.contributions.forEach((c, k) => (c.index = 100 + k));
  const comparison = rowComparison({ explanation: a, runDir: '/a', title: 'A run' }, { explanation: b, runDir: '/b', title: 'B run' });
  assert.deepEqual(
    comparison.changes.map((c) => c.source),
    ['train.csv:10', 'train.csv:13', 'train.csv:12', 'train.csv:11'],
  );
  const moved = comparison.changes[0];
  assert.equal(moved.a, 0.5);
  assert.equal(moved.b, -0.25);
  assert.equal(moved.rankA, 1);
  assert.equal(moved.rankB, 2);
  const onlyA = comparison.changes.find((c) => c.source === 'train.csv:11');
  assert.equal(onlyA?.b, null);
  assert.equal(onlyA?.rankB, null);
  assert.equal(comparison.row.source, 'train.csv:2');
  assert.deepEqual(
    comparison.runs.map((r) => r.title),
    ['A run', 'B run'],
  );
});

test("each run brings its strongest supporters and opposers, and a row among one's strongest is found lower in the other's list", () => {
  const many: Record<number, number> = {};
  for (let k = 0; k < 30; k++) many[100 + k] = 1 + k; // 30 supporters, the strongest at line 129
  const a = explanationOf(2, many);
  const b = explanationOf(2, { ...many, 100: 1000 }); // B's strongest is A's weakest
  const comparison = rowComparison({ explanation: a, runDir: '/a', title: 'A' }, { explanation: b, runDir: '/b', title: 'B' });
  assert.equal(comparison.changes.length, COMPARED_PER_SIDE + 1);
  const lifted = comparison.changes[0];
  assert.equal(lifted.source, 'train.csv:100');
  assert.equal(lifted.rankA, 30, 'found at the bottom of A’s list');
  assert.equal(lifted.rankB, 1);
});
