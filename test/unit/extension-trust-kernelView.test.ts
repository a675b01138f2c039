import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KernelEvolution } from '../../src/protocol';
import {
  HEATMAP_ROWS,
  kernelViewState,
  labelOrderedSubsample,
  MAX_PAIRS,
  samplePairs,
  spread,
} from '../../src/extension/trust/kernelViewState';

function evolution(n: number): KernelEvolution {
  const labels = Array.from({ length: n }, (_, i) => ['c', 'a', 'b'][i % 3]);
  const matrix = (f: (i: number, j: number) => number): number[][] =>
    Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => f(i, j)));
  return {
    runDir: '/r',
    sample: Array.from({ length: n }, (_, i) => i * 2),
    labels,
    outputs: labels.map((c) => ({ kind: 'logit', class: c })),
    alignment: { initial: 0.6, final: 0.7, path: 0.71 },
    alignmentCurve: [{ step: 0, epoch: 0, alignment: 0.6 }],
    drift: { kernelDistance: 0.1, relativeChange: 1.2 },
    sameClass: [],
    meanSameClassShare: null,
    matrices: { initial: matrix((i, j) => i + j), final: matrix((i, j) => i * j), path: matrix((i, j) => 1000 * i + j) },
    ms: 5,
  };
}

describe('kernel view reduction', () => {
  it('spreads indices evenly and keeps all when few', () => {
    assert.deepEqual(spread(5, 10), [0, 1, 2, 3, 4]);
    assert.deepEqual(spread(10, 5), [0, 2, 4, 6, 8]);
  });

  it('takes every pair of a small sample and a bounded spread of a large one', () => {
    assert.deepEqual(samplePairs(3, 100), [
      [0, 1],
      [0, 2],
      [1, 2],
    ]);
    const many = samplePairs(200, MAX_PAIRS);
    assert.equal(many.length, MAX_PAIRS);
    assert.ok(many.every(([i, j]) => i < j && j < 200));
    assert.ok(
      many.some(([i]) => i > 150),
      'reaches the end of the sample',
    );
  });

  it('orders the heatmap subsample by label', () => {
    const labels = ['b', 'a', 'c', 'a', 'b', 'c'];
    const order = labelOrderedSubsample(labels, 10);
    assert.deepEqual(
      order.map((i) => labels[i]),
      ['a', 'a', 'b', 'b', 'c', 'c'],
    );
  });

  it('copies the summary, pairs the three kernels, and symmetrises the path kernel', () => {
    const k = evolution(60);
    const state = kernelViewState({ name: 'run-1', label: 'baseline', stale: true, task: 'multiclass' }, k);
    assert.equal(state.runName, 'baseline');
    assert.equal(state.stale, true);
    assert.equal(state.sampleSize, 60);
    assert.equal(state.pairCount, (60 * 59) / 2);
    assert.equal(state.pairs.length, Math.min(MAX_PAIRS, state.pairCount));
    const first = state.pairs[0];
    // Pair (0, 1): initial 0+1, final 0·1, path mean of 1 and 1000.
    assert.deepEqual(first, { initial: 1, final: 0, path: 500.5, sameLabel: false });
    assert.deepEqual(state.alignment, k.alignment);
    const heat = state.heatmap!;
    assert.equal(heat.labels.length, HEATMAP_ROWS);
    assert.deepEqual([...heat.labels].sort(), heat.labels, 'label ordered');
    assert.equal(heat.initial.length, HEATMAP_ROWS);
    assert.ok(heat.path.every((r) => r.length === HEATMAP_ROWS));
  });

  it('draws no pairs or heatmap without matrices', () => {
    const k = { ...evolution(10), matrices: undefined };
    const state = kernelViewState({ name: 'r', stale: false, task: 'multiclass' }, k);
    assert.deepEqual(state.pairs, []);
    assert.equal(state.heatmap, null);
  });
});
