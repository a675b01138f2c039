import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExperimentConfig, RunInfo } from '../../src/protocol';
import {
  answeringRun,
  experimentDataFiles,
  experimentsReading,
  rememberedChoice,
} from '../../src/extension/experiments/model/runSelection';

function run(id: string, createdAt: string, extra: Partial<RunInfo> = {}): RunInfo {
  return {
    id,
    dir: `/ws/.kernel-lens/runs/e/${id}`,
    experimentFile: '/ws/e.kernel.json',
    name: id,
    status: 'complete',
    message: null,
    createdAt,
    finishedAt: createdAt,
    backend: 'cpu',
    task: 'multiclass',
    classes: ['a', 'b'],
    steps: 10,
    parameters: 10,
    trainRows: 8,
    testRows: 2,
    metrics: [],
    ...extra,
  };
}

describe('extension: which run answers', () => {
  it('prefers the pinned run, else the newest complete run', () => {
    const old = run('old', '2026-01-01T00:00:00Z');
    const mid = run('mid', '2026-02-01T00:00:00Z');
    const failed = run('new', '2026-03-01T00:00:00Z', { status: 'failed' });
    assert.equal(answeringRun([old, mid, failed])?.id, 'mid');
    assert.equal(answeringRun([old, { ...mid }, { ...old, id: 'pinned', pinned: true }])?.id, 'pinned');
    assert.equal(answeringRun([failed, run('r', '2026-04-01T00:00:00Z', { status: 'running' })]), undefined);
    assert.equal(answeringRun([]), undefined);
  });

  it('does not let a pinned run that did not complete answer', () => {
    const done = run('done', '2026-01-01T00:00:00Z');
    const pinnedFailed = run('pf', '2026-02-01T00:00:00Z', { status: 'failed', pinned: true });
    assert.equal(answeringRun([done, pinnedFailed])?.id, 'done');
  });
});

describe('extension: experiments reading a CSV', () => {
  const a: ExperimentConfig = { dataset: { train: 'data/iris.csv', target: 'species' } };
  const b: ExperimentConfig = { dataset: { train: 'train.csv', target: 'y', test: { file: 'data/iris.csv' } } };
  const c: ExperimentConfig = { dataset: { train: '../other.csv', target: 'y', test: { fraction: 0.3 } } };
  const experiments = [
    { file: '/ws/a.kernel.json', config: a },
    { file: '/ws/b.kernel.json', config: b },
    { file: '/ws/sub/c.kernel.json', config: c },
  ];

  it('resolves train and test files against the experiment folder', () => {
    assert.deepEqual(experimentDataFiles('/ws/b.kernel.json', b), ['/ws/train.csv', '/ws/data/iris.csv']);
    assert.deepEqual(experimentDataFiles('/ws/sub/c.kernel.json', c), ['/ws/other.csv']);
  });

  it('finds every experiment reading a file, as train or test', () => {
    assert.deepEqual(
      experimentsReading('/ws/data/iris.csv', experiments).map((e) => e.file),
      ['/ws/a.kernel.json', '/ws/b.kernel.json'],
    );
    assert.deepEqual(
      experimentsReading('/ws/other.csv', experiments).map((e) => e.file),
      ['/ws/sub/c.kernel.json'],
    );
    assert.deepEqual(experimentsReading('/ws/none.csv', experiments), []);
  });

  it('uses the remembered choice only while it is still a candidate', () => {
    const candidates = experimentsReading('/ws/data/iris.csv', experiments);
    assert.equal(rememberedChoice(candidates, '/ws/b.kernel.json')?.file, '/ws/b.kernel.json');
    assert.equal(rememberedChoice(candidates, '/ws/sub/c.kernel.json'), undefined);
    assert.equal(rememberedChoice(candidates, undefined), undefined);
  });
});
