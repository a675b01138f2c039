/** The client's pure parts: crash-restart policy, training queue, debouncer, launch settings, install failures, flags, path guard. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CrashRestartPolicy } from '../../src/extension/engine/crashPolicy';
import { CancellationSource } from '../../src/extension/engine/cancellation';
import { buildStartConfig, normalizeSettings } from '../../src/extension/engine/engineLaunchConfig';
import { formatDiagnostics } from '../../src/extension/engine/diagnostics';
import { classifyInstallFailure, installNativeBackend } from '../../src/extension/engine/nativeInstall';
import { LatestOnly, TrainingQueue } from '../../src/extension/engine/requestQueue';
import { sessionForProgress } from '../../src/extension/training/progressRouting';
import { parseEngineFlags } from '../../src/engine/server/engineFlags';
import { WorkspaceGuard } from '../../src/engine/server/workspaceGuard';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { waitFor } from '../helpers/waitFor';

test('crash policy: restart until 5 crashes within 3 minutes, then give up; old crashes expire; reset', () => {
  const policy = new CrashRestartPolicy();
  const t0 = 1_000_000;
  for (let i = 0; i < 4; i++) assert.equal(policy.recordCrash(t0 + i * 1000).restart, true);
  assert.deepEqual(policy.recordCrash(t0 + 5000), { restart: false, recentCrashes: 5 });
  const spread = new CrashRestartPolicy();
  for (let i = 0; i < 10; i++) assert.equal(spread.recordCrash(t0 + i * 60_000).restart, true, `crash ${i}`);
  policy.reset();
  assert.equal(policy.recordCrash(t0 + 6000).recentCrashes, 1);
});

test('training queue: one training per experiment at a time, later ones wait (none dropped), failures do not block', async () => {
  const queue = new TrainingQueue();
  const log: string[] = [];
  let running = 0;
  const job =
    (name: string, fail = false) =>
    async (): Promise<string> => {
      running++;
      assert.equal(running, 1, 'never two at once for one experiment');
      log.push(`start ${name}`);
      // A turn of the event loop, so that queued jobs could overlap if the queue let them.
      await yieldToEventLoop();
      log.push(`end ${name}`);
      running--;
      if (fail) throw new Error(name);
      return name;
    };
  const a = queue.run('exp', job('a'));
  const b = queue.run('exp', job('b', true));
  const c = queue.run('exp', job('c'));
  assert.equal(queue.pending('exp'), 3);
  const other = queue.run('other', async () => 'other');
  assert.equal(await a, 'a');
  await assert.rejects(b, /b/);
  assert.equal(await c, 'c');
  assert.equal(await other, 'other');
  assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  await yieldToEventLoop();
  assert.equal(queue.pending('exp'), 0);
});

test('debouncer: only the newest call runs; a superseded or outer-cancelled call settles at once', async (t) => {
  // The 30 ms debounce runs on a mocked clock: the test moves time, so a loaded machine cannot reorder it.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const latest = new LatestOnly(30);
  const ran: number[] = [];
  const work = (n: number) => async (): Promise<number> => {
    ran.push(n);
    return n;
  };
  const first = latest.run(work(1));
  const second = latest.run(work(2));
  assert.deepEqual(await first, { superseded: true });
  t.mock.timers.tick(29);
  assert.deepEqual(ran, [], 'nothing runs before the debounce delay');
  t.mock.timers.tick(1);
  assert.deepEqual(await second, { superseded: false, value: 2 });
  assert.deepEqual(ran, [2]);

  // Running work sees its token cancelled when a newer call arrives.
  let sawCancel = false;
  let slowStarted = false;
  const slow = latest.run(async (token) => {
    slowStarted = true;
    await new Promise<void>((resolve) => token.onCancellationRequested(() => resolve()));
    sawCancel = token.isCancellationRequested;
    return 0;
  });
  t.mock.timers.tick(30);
  assert.equal(slowStarted, true, 'the slow call runs after the delay');
  const newer = latest.run(work(3));
  assert.deepEqual(await slow, { superseded: true });
  t.mock.timers.tick(30);
  assert.deepEqual(await newer, { superseded: false, value: 3 });
  assert.equal(sawCancel, true);

  const outer = new CancellationSource();
  const hover = latest.run(work(4), outer.token);
  outer.cancel();
  assert.deepEqual(await hover, { superseded: true });
  const failing = latest.run(async () => Promise.reject(new Error('boom')));
  t.mock.timers.tick(30);
  await assert.rejects(failing, /boom/);
});

test('launch settings: editor runtime by default, configured Node.js with native modules, clamped budget', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-launch-'));
  try {
    const ctx = {
      enginePath: '/ext/dist/engine.js',
      workspaceFolders: ['/ws'],
      nativeModulesDir: dir,
      execPath: '/editor/electron',
      env: { PATH: '/bin' },
    };
    const editor = buildStartConfig({ backend: 'bogus', nodePath: '', memoryBudgetMb: 10 }, ctx);
    assert.equal(editor.launch.command, '/editor/electron');
    assert.equal(editor.launch.env.ELECTRON_RUN_AS_NODE, '1');
    assert.deepEqual(editor.launch.args, ['/ext/dist/engine.js', '--stdio', '--backend', 'auto', '--memory-budget-mb', '64']);
    assert.deepEqual(editor.initialize, { workspaceFolders: ['/ws'], backend: 'auto', memoryBudgetMb: 64, nativeModulesDir: undefined });

    fs.mkdirSync(path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'), '{}');
    const node = buildStartConfig({ backend: 'tensorflow', nodePath: ' /usr/bin/node ', memoryBudgetMb: 4096 }, ctx);
    assert.equal(node.launch.command, '/usr/bin/node');
    assert.equal(node.launch.env.ELECTRON_RUN_AS_NODE, undefined);
    assert.ok(node.launch.args.includes('--native-modules'));
    assert.equal(node.initialize.nativeModulesDir, dir);
    // The editor's runtime never gets the native modules (other ABI).
    assert.equal(buildStartConfig({ backend: 'auto', nodePath: '', memoryBudgetMb: 2048 }, ctx).initialize.nativeModulesDir, undefined);
    assert.equal(normalizeSettings({ backend: 'wasm', nodePath: 3, memoryBudgetMb: Number.NaN }).memoryBudgetMb, 2048);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('native install failures read plainly', async () => {
  assert.equal(classifyInstallFailure('npm ERR! code ENOTFOUND\nnpm ERR! getaddrinfo ENOTFOUND registry.npmjs.org').reason, 'offline');
  assert.equal(
    classifyInstallFailure('was compiled against a different Node.js version using NODE_MODULE_VERSION 115').reason,
    'abi-mismatch',
  );
  const other = classifyInstallFailure('npm ERR! code E403\nnpm ERR! 403 Forbidden');
  assert.equal(other.reason, 'failed');
  assert.match(other.message, /403 Forbidden/);
  const noNode = await installNativeBackend({ nodePath: '/no/such/node', targetDir: os.tmpdir() });
  assert.equal(noNode.ok, false);
  assert.equal(!noNode.ok && noNode.reason, 'no-node');
  // A Node.js without npm beside it.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-nonpm-'));
  try {
    const fakeNode = path.join(dir, 'bin', 'node');
    fs.mkdirSync(path.dirname(fakeNode));
    fs.symlinkSync(process.execPath, fakeNode);
    const noNpm = await installNativeBackend({ nodePath: fakeNode, targetDir: path.join(dir, 'native') });
    assert.equal(!noNpm.ok && noNpm.reason, 'no-npm');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('diagnostics text names versions, backend, Node.js and the last log lines', () => {
  const text = formatDiagnostics({
    extensionVersion: '0.1.0',
    editorVersion: 'Code 1.99.3',
    platform: 'linux x64',
    state: 'ready',
    info: {
      version: '0.1.0',
      backend: 'wasm',
      backendsAvailable: ['wasm', 'cpu'],
      backendNote: 'native backend not available',
      node: 'v20.20.2',
      pid: 42,
      initialized: true,
    },
    settings: { backend: 'auto', nodePath: '', memoryBudgetMb: 2048 },
    nativeInstalled: false,
    logLines: ['line 1', 'line 2'],
  });
  for (const part of ['0.1.0', 'Code 1.99.3', 'wasm', 'v20.20.2', 'native backend not available', "(editor's runtime)", 'line 2'])
    assert.ok(text.includes(part), part);
});

test('engine flags parse and reject bad values', () => {
  assert.deepEqual(parseEngineFlags(['--stdio', '--backend=cpu', '--memory-budget-mb', '512', '--native-modules', '/x', 'extra']), {
    stdio: true,
    backend: 'cpu',
    memoryBudgetMb: 512,
    nativeModulesDir: '/x',
    rest: ['extra'],
  });
  assert.throws(() => parseEngineFlags(['--backend', 'gpu']), /--backend/);
  assert.throws(() => parseEngineFlags(['--memory-budget-mb', '-5']), /--memory-budget-mb/);
  assert.throws(() => parseEngineFlags(['--memory-budget-mb']), /needs a value/);
});

test('workspace guard: realpaths, not-yet-created files, symlinks, run folders', async () => {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kl-guard-')));
  try {
    const ws = path.join(root, 'ws');
    fs.mkdirSync(path.join(ws, '.kernel-lens', 'runs', 'e', 'r1'), { recursive: true });
    fs.mkdirSync(path.join(root, 'out'));
    fs.symlinkSync(path.join(root, 'out'), path.join(ws, 'out-link'));
    fs.symlinkSync(ws, path.join(root, 'ws-link'));
    const { guard, skipped } = await WorkspaceGuard.create([path.join(root, 'ws-link'), path.join(root, 'missing')]);
    assert.deepEqual(guard.roots, [ws]);
    assert.equal(skipped.length, 1);
    assert.equal(
      await guard.resolve(path.join(ws, 'new', 'deep', 'file.csv'), { mustExist: false, what: 'file' }),
      path.join(ws, 'new', 'deep', 'file.csv'),
    );
    await assert.rejects(guard.resolve(path.join(ws, 'out-link', 'new.csv'), { mustExist: false, what: 'file' }), /outside the workspace/);
    await assert.rejects(guard.resolve(path.join(ws, 'nope.csv'), { mustExist: true, what: 'dataset' }), /dataset not found/);
    assert.equal(guard.isUnderRunsFolder(path.join(ws, '.kernel-lens', 'runs', 'e', 'r1')), true);
    assert.equal(guard.isUnderRunsFolder(path.join(ws, '.kernel-lens')), false);
    assert.equal(guard.isUnderRunsFolder(ws), false);
    assert.equal(guard.isUnderRunsFolder(path.join(root, 'out')), false);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('supervisor gives up after 5 crashes in a row and says so; requests fail clearly, none hangs', async () => {
  const { EngineSupervisor } = await import('../../src/extension/engine/engineSupervisor');
  const gaveUp: string[] = [];
  const supervisor = new EngineSupervisor({
    // A "engine" that dies at once: every start is a crash.
    config: () => ({
      launch: { command: process.execPath, args: ['-e', 'process.exit(3)'], env: process.env },
      initialize: { workspaceFolders: [os.tmpdir()] },
    }),
    hooks: { onGaveUp: (message) => gaveUp.push(message) },
    restartDelayMs: 10,
  });
  await assert.rejects(supervisor.request('engine/info', undefined), /exited with code 3/);
  await waitFor(() => gaveUp.length > 0, { what: 'the supervisor to give up', timeoutMs: 20_000 });
  assert.equal(gaveUp.length, 1);
  assert.match(gaveUp[0], /crashed 5 times/);
  assert.equal(supervisor.state, 'crashed');
  await assert.rejects(supervisor.request('engine/info', undefined), /Restart Engine/);
  await supervisor.stop();
});

test('training progress goes to the session whose request it answers, not to any session of the same folder', () => {
  const sessions = [
    { token: 'a', runDir: undefined, name: 'first' },
    { token: 'b', runDir: undefined, name: 'second' },
  ];
  const event = (token: string | undefined) => ({
    runDir: '/ws/.kernel-lens/runs/x/1',
    token,
    step: 1,
    totalSteps: 2,
    epoch: 1,
    epochs: 1,
    loss: 0,
  });
  assert.equal(sessionForProgress(sessions, event('b'))?.name, 'second');
  assert.equal(sessionForProgress(sessions, event('a'))?.name, 'first');
  assert.equal(sessionForProgress(sessions, event('c')), undefined);
  assert.equal(sessionForProgress(sessions, event(undefined)), undefined, 'no guessing from the folder');
});
