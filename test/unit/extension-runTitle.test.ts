import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answeringText, runTitle } from '../../src/extension/experiments/tree/runDisplay';
import { runInfo } from '../helpers/runInfos';

// Runs of one experiment never read alike in the tree: a label, else what differs, else their order.

const run = runInfo;

describe('runTitle', () => {
  it('names a run by the settings that differ from the other runs of its experiment', () => {
    const a = run('a', '2026-12-01T10:00:00Z');
    const b = run('b', '2026-12-01T11:00:00Z', { learningRate: 0.05 });
    const c = run('c', '2026-12-01T12:00:00Z', { optimizer: 'sgd', seed: 2 });
    const runs = [a, b, c];
    assert.equal(runTitle(a, runs), 'adam · lr 0.01 · seed 1');
    assert.equal(runTitle(b, runs), 'adam · lr 0.05 · seed 1');
    assert.equal(runTitle(c, runs), 'sgd · lr 0.01 · seed 2');
  });
  it('uses the label when there is one, the name alone for a single run, the order when nothing differs', () => {
    const a = run('a', '2026-12-01T10:00:00Z');
    const b = run('b', '2026-12-01T11:00:00Z');
    assert.equal(runTitle(run('x', '2026-12-01T10:00:00Z', {}, { label: 'baseline' }), [a, b]), 'baseline');
    assert.equal(runTitle(a, [a]), 'iris');
    assert.equal(runTitle(b, [b, a]), 'iris · run 2 of 2');
  });
  it('says why the answering run answers', () => {
    assert.equal(answeringText(run('a', '2026-12-01T10:00:00Z', {}, { pinned: true })), '★ pinned');
    assert.equal(answeringText(run('a', '2026-12-01T10:00:00Z')), '★ latest');
  });
});
