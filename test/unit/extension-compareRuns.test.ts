/** Compare Runs' state: which settings differ, the answering run, newest first; and its one message. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRunsState } from '../../src/extension/experiments/compare/compareRunsState';
import { isFromWebview } from '../../src/extension/webview/webviewMessages';
import { curve, runInfo } from '../helpers/runInfos';

test('the settings that differ are marked, the runs listed newest first with their titles and the answering run', () => {
  const a = runInfo('a', '2026-12-01T10:00:00Z', {}, { metrics: curve(20, 0.5) });
  const b = runInfo('b', '2026-12-01T11:00:00Z', { optimizer: 'sgd', learningRate: 0.1 }, { metrics: curve(20, 0.2) });
  const c = runInfo('c', '2026-12-01T12:00:00Z', { seed: 2 }, { status: 'failed', metrics: [], pathLayout: 'checkpoints', checkpoints: 7 });
  const state = compareRunsState('iris', [a, b, c]);
  assert.deepEqual(
    state.parameters.map((p) => [p.name, p.differs]),
    [
      ['Optimizer', true],
      ['Learning rate', true],
      ['Epochs', false],
      ['Batch', false],
      ['Seed', true],
      ['Path', true],
    ],
  );
  assert.deepEqual(
    state.runs.map((r) => r.runDir),
    ['/runs/c', '/runs/b', '/runs/a'],
  );
  assert.deepEqual(
    state.runs.map((r) => r.title),
    ['adam · lr 0.01 · seed 2', 'sgd · lr 0.1 · seed 1', 'adam · lr 0.01 · seed 1'],
  );
  assert.deepEqual(state.runs[0].parameters, {
    optimizer: 'adam',
    learningRate: '0.01',
    epochs: '20',
    batchSize: '32',
    seed: '2',
    layout: 'checkpoints (7)',
  });
  // The latest complete run answers (the failed one cannot).
  assert.deepEqual(
    state.runs.map((r) => r.answering),
    [false, true, false],
  );
  assert.equal(state.regression, false);
  assert.equal(compareRunsState('iris', []).runs.length, 0);
});

test('the view may only ask to open a run by its folder', () => {
  assert.ok(isFromWebview({ type: 'showRun', runDir: '/runs/a' }));
  assert.ok(!isFromWebview({ type: 'showRun', runDir: '' }));
  assert.ok(!isFromWebview({ type: 'showRun', runDir: 3 }));
});
