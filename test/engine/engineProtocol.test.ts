/**
 * The engine over its protocol, as the extension uses it: stdout purity, train-then-explain with
 * ordered progress, cancellation mid-training, and a `kill -9` mid-training handled by the client's
 * restart logic (EngineSupervisor driving the real process).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  EngineErrorCodes,
  type EngineInfo,
  type ExplainProgress,
  type ExplainResult,
  type NeuronExplanation,
  type RunInfo,
  type TrainProgress,
} from '../../src/protocol';
import { CancellationSource } from '../../src/extension/engine/cancellation';
import { EngineDiedError, EngineRequestError } from '../../src/extension/engine/engineErrors';
import { EngineSupervisor } from '../../src/extension/engine/engineSupervisor';
import type { EngineState } from '../../src/extension/engine/engineConnection';
import { ENGINE, IRIS_EXPERIMENT, RawEngine, delay, ensureEngineBuilt, makeWorkspace, runJsonFiles } from './engineHarness';
import { waitFor } from '../helpers/waitFor';

/** Enough steps that training is still running when the test cancels or kills it. */
const LONG_EXPERIMENT = { ...IRIS_EXPERIMENT, training: { ...IRIS_EXPERIMENT.training, epochs: 400, batchSize: 4 } };

let w: ReturnType<typeof makeWorkspace>;

before(() => {
  ensureEngineBuilt();
  w = makeWorkspace();
  fs.writeFileSync(path.join(w.ws, 'long.kernel.json'), JSON.stringify(LONG_EXPERIMENT, null, 2));
});

after(() => {
  fs.rmSync(w.root, { recursive: true, force: true });
});

test('stdout carries only protocol frames while the engine prints through every stdout writer', async () => {
  const engine = new RawEngine();
  try {
    const printing = ['engine/debugPrint', 'engine/info', 'engine/debugPrint', 'engine/info'].map((method) =>
      engine.call(method, method === 'engine/debugPrint' ? { text: 'NOISE {"jsonrpc":"2.0","id":1} Content-Length: 3' } : undefined),
    );
    const replies = await Promise.all(printing);
    for (const reply of replies) assert.equal(reply.error, undefined, JSON.stringify(reply.error));
    assert.equal((replies[1].result as EngineInfo).pid, engine.child.pid);
    // Initializing loads TensorFlow.js and the wasm module, which print on their own.
    await engine.ok('engine/initialize', { workspaceFolders: [w.ws] });
    await engine.ok('dataset/inspect', { file: path.join(w.ws, 'iris.csv') });
    const frames = engine.stdoutFrames();
    assert.ok(frames.length >= 6);
    assert.equal(engine.readErrors.length, 0);
    assert.ok(engine.stderr.includes('NOISE'), 'the printing went to stderr');
  } finally {
    await engine.shutdown();
  }
});

test('a checkpointed run over the protocol: train with checkpointEvery, explain with replay progress, suspects', async () => {
  const engine = new RawEngine();
  try {
    await engine.ok('engine/initialize', { workspaceFolders: [w.ws] });
    const run = await engine.ok<RunInfo>('run/train', { experimentFile: w.experimentFile, checkpointEvery: 6 });
    assert.equal(run.pathLayout, 'checkpoints');
    assert.ok((run.checkpoints ?? 0) > 3, `${run.checkpoints} checkpoints`);
    const explained = await engine.ok<ExplainResult>('explain/rows', {
      runDir: run.dir,
      queries: [{ split: 'test', row: 0 }],
      top: 5,
      progressToken: 'replay-1',
    });
    const e = explained.explanations[0];
    assert.ok(e.residual.rel <= 1e-3, `residual ${e.residual.rel}`);
    assert.equal(e.timing?.replay?.segments, run.checkpoints! - 1);
    assert.ok(
      e.contributions.every((c) => c.kernel !== null && Number.isFinite(c.kernel)),
      'the rows shown carry their path kernel',
    );
    const progress = engine.notifications.filter((n) => n.method === 'explain/progress').map((n) => n.params as ExplainProgress);
    assert.equal(progress.length, run.checkpoints! - 1, 'one progress event per replayed segment');
    assert.ok(progress.every((p, k) => p.token === 'replay-1' && p.segment === k + 1 && p.segments === run.checkpoints! - 1));
    const suspects = await engine.ok<{ rows: unknown[] }>('trust/suspects', { runDir: run.dir, top: 3 });
    assert.equal(suspects.rows.length, 3);
    // "Explain Neuron…" over the protocol, on the replayed path: the listed layers, and one unit's exact decomposition.
    assert.ok(run.weightLayers && run.weightLayers.length > 0 && run.weightLayers[0].layer === 0, JSON.stringify(run.weightLayers));
    const neuron = await engine.ok<NeuronExplanation>('explain/neuron', { runDir: run.dir, layer: 0, unit: 1, top: 4 });
    assert.equal(neuron.contributions.length, 4);
    assert.ok(neuron.residual.rel <= 1e-4, `neuron residual ${neuron.residual.rel}`);
    assert.ok(neuron.contributions.every((c) => Array.isArray(c.vector) && c.vector.length === neuron.shape.reduce((a, b) => a * b, 1)));
    const badUnit = await engine.call('explain/neuron', { runDir: run.dir, layer: 0, unit: run.weightLayers[0].units });
    assert.equal(badUnit.error?.code, EngineErrorCodes.badInput, JSON.stringify(badUnit.error));
    assert.match(badUnit.error?.message ?? '', /out of range: layer 0 has \d+ units/);
    const refused = await engine.call('run/train', { experimentFile: w.experimentFile, checkpointEvery: 0 });
    assert.equal(refused.error?.code, EngineErrorCodes.invalidParams, JSON.stringify(refused.error));
  } finally {
    await engine.shutdown();
  }
});

test('two experiments of one folder training at once: each progress event carries its own request token', async () => {
  const engine = new RawEngine();
  try {
    await engine.ok('engine/initialize', { workspaceFolders: [w.ws] });
    const second = path.join(w.ws, 'iris-b.kernel.json');
    fs.copyFileSync(w.experimentFile, second);
    const [a, b] = await Promise.all([
      engine.ok<RunInfo>('run/train', { experimentFile: w.experimentFile, progressToken: 'A' }),
      engine.ok<RunInfo>('run/train', { experimentFile: second, progressToken: 'B' }),
    ]);
    const progress = engine.notifications.filter((n) => n.method === 'run/progress').map((n) => n.params as TrainProgress);
    for (const [token, run] of [
      ['A', a],
      ['B', b],
    ] as const) {
      const mine = progress.filter((p) => p.token === token);
      assert.ok(mine.length > 5, `progress for ${token}`);
      assert.ok(
        mine.every((p) => p.runDir === run.dir),
        `every ${token} event names its own run`,
      );
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i].step >= mine[i - 1].step, `${token} steps only go up`);
    }
    assert.equal(progress.filter((p) => p.token !== 'A' && p.token !== 'B').length, 0);
  } finally {
    await engine.shutdown();
  }
});

test('train then explain over the protocol, with progress in order', async () => {
  const engine = new RawEngine();
  try {
    await engine.ok('engine/initialize', { workspaceFolders: [w.ws] });
    const validation = await engine.ok<{ ok: boolean }>('experiment/validate', { experimentFile: w.experimentFile });
    assert.equal(validation.ok, true);
    const run = await engine.ok<RunInfo>('run/train', { experimentFile: w.experimentFile });
    assert.equal(run.status, 'complete');
    assert.equal(run.metrics.length, 5);

    const progress = engine.notifications.filter((n) => n.method === 'run/progress').map((n) => n.params as TrainProgress);
    assert.ok(progress.length > 5, 'progress notifications arrived');
    for (let i = 1; i < progress.length; i++) {
      assert.ok(progress[i].step >= progress[i - 1].step, `step order at ${i}`);
      assert.ok(progress[i].epoch >= progress[i - 1].epoch, `epoch order at ${i}`);
    }
    assert.equal(progress.at(-1)?.step, progress.at(-1)?.totalSteps);
    const epochEnds = progress.filter((p) => p.metrics).map((p) => p.metrics!.epoch);
    assert.deepEqual(epochEnds, [1, 2, 3, 4, 5]);
    assert.ok(progress.every((p) => Number.isFinite(p.loss)));

    const listed = await engine.ok<RunInfo[]>('run/list', { experimentFile: w.experimentFile });
    assert.ok(listed.some((r) => r.id === run.id && r.status === 'complete'));
    const loaded = await engine.ok<RunInfo>('run/load', { runDir: run.dir });
    assert.equal(loaded.id, run.id);

    const explained = await engine.ok<ExplainResult>('explain/rows', {
      runDir: run.dir,
      queries: [
        { split: 'test', row: 0 },
        { split: 'train', row: 3 },
      ],
      top: 5,
    });
    assert.equal(explained.explanations.length, 2);
    for (const e of explained.explanations) {
      assert.equal(e.contributions.length, 5);
      assert.ok(e.rest && e.rest.count > 0, 'top K plus rest');
      assert.ok(
        Math.abs(e.network - e.kernelMachine) <= Math.max(1e-2, Math.abs(e.network) * 1e-2),
        'the kernel machine reproduces the network',
      );
    }
    const updated = await engine.ok<RunInfo>('run/update', { runDir: run.dir, label: 'baseline', pinned: true });
    assert.equal(updated.label, 'baseline');
    await engine.ok('run/delete', { runDir: run.dir });
    assert.ok(!fs.existsSync(run.dir));
  } finally {
    await engine.shutdown();
  }
});

test('cancel mid-training: the run is cancelled and the engine keeps serving', async () => {
  const engine = new RawEngine();
  try {
    await engine.ok('engine/initialize', { workspaceFolders: [w.ws] });
    const { id, reply } = engine.send('run/train', { experimentFile: path.join(w.ws, 'long.kernel.json') });
    await waitFor(() => engine.notifications.filter((n) => n.method === 'run/progress').length >= 20, { what: 'training progress' });
    // Requests are read and answered while training runs (before the training's own answer, not by a clock).
    let trainingAnswered = false;
    void reply.then(() => (trainingAnswered = true));
    const info = await engine.ok<EngineInfo>('engine/info');
    assert.equal(info.initialized, true);
    assert.equal(trainingAnswered, false, 'engine/info answered during training');
    engine.cancel(id);
    // A cancelled training answers with its run, status `cancelled` (the client learns where it is).
    const result = await reply;
    assert.equal(result.error, undefined, JSON.stringify(result.error));
    assert.equal((result.result as RunInfo).status, 'cancelled');
    const last = engine.notifications.filter((n) => n.method === 'run/progress').at(-1)!.params as TrainProgress;
    assert.ok(last.step < last.totalSteps, 'stopped before the end');

    const runs = await engine.ok<RunInfo[]>('run/list', { experimentFile: path.join(w.ws, 'long.kernel.json') });
    assert.equal(runs.length, 1);
    assert.equal(runs[0].status, 'cancelled');
    const record = JSON.parse(fs.readFileSync(path.join(runs[0].dir, 'run.json'), 'utf8')) as { status: string };
    assert.equal(record.status, 'cancelled');
    await engine.ok('engine/info');
    await engine.ok('run/delete', { runDir: runs[0].dir });
  } finally {
    await engine.shutdown();
  }
});

test('kill -9 mid-training: the client restarts the engine and no run reads as complete', async () => {
  const states: EngineState[] = [];
  const progress: TrainProgress[] = [];
  const crashes: string[] = [];
  const supervisor = new EngineSupervisor({
    config: () => ({
      launch: { command: process.execPath, args: [ENGINE, '--stdio'], env: { ...process.env } },
      initialize: { workspaceFolders: [w.ws] },
    }),
    hooks: { onState: (s) => states.push(s), onProgress: (p) => progress.push(p), onCrash: (m) => crashes.push(m) },
    restartDelayMs: 100,
  });
  try {
    const experimentFile = path.join(w.ws, 'long.kernel.json');
    const training = supervisor.request<RunInfo>('run/train', { experimentFile });
    await waitFor(() => progress.length >= 20, { what: 'training progress' });
    assert.equal(supervisor.state, 'busy');
    const firstPid = supervisor.pid!;
    process.kill(firstPid, 'SIGKILL');

    await assert.rejects(training, (error: unknown) => {
      assert.ok(error instanceof EngineDiedError);
      assert.match(error.message, /engine was killed \(SIGKILL\) while handling run\/train/);
      return true;
    });
    assert.equal(crashes.length, 1);
    await waitFor(() => supervisor.state === 'ready' && supervisor.pid !== undefined && supervisor.pid !== firstPid, { what: 'restart' });
    const info = await supervisor.request<EngineInfo>('engine/info', undefined);
    assert.notEqual(info.pid, firstPid);
    assert.deepEqual(states.slice(0, 4), ['starting', 'ready', 'busy', 'crashed']);

    // On disk: the interrupted run is a `.partial` folder whose record says `running`; nothing is `complete`.
    const runsDir = path.join(w.ws, '.kernel-lens', 'runs', 'long');
    const partials = fs.readdirSync(runsDir).filter((name) => name.endsWith('.partial'));
    assert.equal(partials.length, 1);
    for (const file of runJsonFiles(runsDir)) {
      const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { status: string };
      assert.notEqual(record.status, 'complete', file);
    }
    const listed = await supervisor.request<RunInfo[]>('run/list', { experimentFile });
    assert.ok(listed.every((r) => r.status !== 'complete'));
    // The interrupted run can be deleted through the engine (it is a `.partial` run folder).
    await supervisor.request('run/delete', { runDir: path.join(runsDir, partials[0]) });
    assert.ok(!fs.existsSync(path.join(runsDir, partials[0])));
  } finally {
    await supervisor.stop();
  }
  assert.equal(supervisor.state, 'stopped');
});

test('client cancellation token sends $/cancelRequest; requests after stop start the engine again', async () => {
  const supervisor = new EngineSupervisor({
    config: () => ({
      launch: { command: process.execPath, args: [ENGINE, '--stdio'], env: { ...process.env, KERNEL_LENS_ENGINE_DEBUG: '1' } },
      initialize: { workspaceFolders: [w.ws] },
    }),
  });
  try {
    const source = new CancellationSource();
    const sleeping = supervisor.request('engine/debugSleep', { ms: 20_000 }, source.token);
    await delay(300);
    source.cancel();
    // Prompt: the 20 s sleep ends as cancelled long before it could have finished.
    const outcome = await Promise.race([
      sleeping.then(
        () => 'slept',
        (error: unknown) => error,
      ),
      delay(15_000).then(() => 'still sleeping'),
    ]);
    assert.ok(
      outcome instanceof EngineRequestError && outcome.code === EngineErrorCodes.cancelled,
      `the engine confirmed the cancellation: ${String(outcome)}`,
    );
    await supervisor.stop();
    assert.equal(supervisor.state, 'stopped');
    const info = await supervisor.request<EngineInfo>('engine/info', undefined);
    assert.equal(info.initialized, true);
  } finally {
    await supervisor.stop();
  }
});

test('the engine exits when its client closes stdin, and refuses bad command-line flags', async () => {
  const engine = new RawEngine();
  await engine.ok('engine/info');
  engine.child.stdin!.end();
  const exit = await engine.exited;
  assert.equal(exit.code, 0);
  const bad = new RawEngine(['--backend', 'gpu']);
  const badExit = await bad.exited;
  assert.equal(badExit.code, 2);
  assert.match(bad.stderr, /--backend must be one of/);
});
