/**
 * A battery of malformed, hostile and out-of-workspace requests against the real engine process:
 * each gets a JSON-RPC error, nothing outside the workspace is read, written or deleted, and the
 * engine still answers afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { EngineErrorCodes, type RunInfo } from '../../src/protocol';
import { RawEngine, ensureEngineBuilt, makeWorkspace, snapshot, type RpcReply } from './engineHarness';
import { malformedCases } from './malformedCases';

const SECRET = 'SECRET-SENTINEL-7f3a';
let w: ReturnType<typeof makeWorkspace>;
let engine: RawEngine;
let outsideBefore: Map<string, string>;
const outsideRunDir = (): string => path.join(w.outside, '.kernel-lens', 'runs', 'x', 'run-1');

before(() => {
  ensureEngineBuilt();
  w = makeWorkspace();
  const { ws, outside } = w;
  fs.writeFileSync(path.join(outside, 'secret.csv'), `a,b\n1,${SECRET}\n`);
  fs.writeFileSync(path.join(outside, 'outside.kernel.json'), JSON.stringify({ dataset: { train: 'secret.csv', target: 'b' } }));
  fs.mkdirSync(outsideRunDir(), { recursive: true });
  fs.writeFileSync(
    path.join(outsideRunDir(), 'run.json'),
    JSON.stringify({ experimentFile: '../../../../outside.kernel.json', secret: SECRET }),
  );
  fs.mkdirSync(path.join(outside, '.kernel-lens', 'runs', 'x', 'run-2.partial'), { recursive: true });
  fs.writeFileSync(path.join(outside, '.kernel-lens', 'runs', 'x', 'run-2.partial', 'data.bin'), SECRET);
  // Symbolic links inside the workspace that lead outside.
  fs.symlinkSync(outside, path.join(ws, 'link-out'));
  fs.symlinkSync('/etc/passwd', path.join(ws, 'link-passwd.csv'));
  fs.symlinkSync(path.join(outside, 'secret.csv'), path.join(ws, 'link-secret.csv'));
  fs.mkdirSync(path.join(ws, '.kernel-lens', 'runs', 'iris'), { recursive: true });
  fs.symlinkSync(outsideRunDir(), path.join(ws, '.kernel-lens', 'runs', 'iris', 'linked-run'));
  fs.symlinkSync(path.join(outside, '.kernel-lens'), path.join(ws, 'sub-kl'));
  // Experiments inside the workspace whose datasets (or run folders) lie outside.
  fs.writeFileSync(path.join(ws, 'evil-rel.kernel.json'), JSON.stringify({ dataset: { train: '../outside/secret.csv', target: 'b' } }));
  fs.writeFileSync(path.join(ws, 'evil-abs.kernel.json'), JSON.stringify({ dataset: { train: '/etc/passwd', target: 'root' } }));
  fs.writeFileSync(
    path.join(ws, 'evil-test.kernel.json'),
    JSON.stringify({ dataset: { train: 'iris.csv', target: 'species', test: { file: 'link-secret.csv' } } }),
  );
  fs.writeFileSync(path.join(ws, 'evil-link.kernel.json'), JSON.stringify({ dataset: { train: 'link-out/secret.csv', target: 'b' } }));
  fs.writeFileSync(
    path.join(ws, 'huge.kernel.json'),
    JSON.stringify({ dataset: { train: 'iris.csv', target: 'species' }, model: { hidden: [{ units: 1e9 }] }, training: { epochs: 1e12 } }),
  );
  fs.writeFileSync(path.join(ws, 'broken.kernel.json'), '{ "dataset": ');
  // A run inside the workspace whose run.json points at an experiment outside.
  const evilRun = path.join(ws, '.kernel-lens', 'runs', 'iris', 'evil-run');
  fs.mkdirSync(evilRun, { recursive: true });
  fs.writeFileSync(
    path.join(evilRun, 'run.json'),
    JSON.stringify({ experimentFile: '../../../../../outside/outside.kernel.json', files: [{ file: 'secret.csv', sha256: 'x', size: 1 }] }),
  );
  // A folder inside the workspace that is not a run (must never be deleted).
  fs.mkdirSync(path.join(ws, 'data-folder'));
  fs.writeFileSync(path.join(ws, 'data-folder', 'keep.txt'), 'keep');
  outsideBefore = snapshot(outside);
  engine = new RawEngine();
});

after(async () => {
  await engine.shutdown();
  fs.rmSync(w.root, { recursive: true, force: true });
});

function p(...parts: string[]): string {
  return path.join(w.ws, ...parts);
}

function assertIsError(name: string, reply: RpcReply, code?: number): void {
  assert.ok(reply.error, `${name}: expected an error, got ${JSON.stringify(reply.result)?.slice(0, 200)}`);
  assert.equal(typeof reply.error.message, 'string', name);
  assert.ok(reply.error.message.length > 0 && reply.error.message.length < 2000, `${name}: readable message`);
  if (code !== undefined) assert.equal(reply.error.code, code, `${name}: ${reply.error.message}`);
  assert.ok(!reply.error.message.includes(SECRET), `${name}: leaked outside content`);
  assert.ok(!/root:x?:0:0/.test(reply.error.message), `${name}: leaked /etc/passwd`);
}

const EVERY_METHOD = [
  'dataset/inspect',
  'experiment/validate',
  'run/train',
  'run/list',
  'run/load',
  'run/update',
  'run/delete',
  'explain/rows',
  'explain/trace',
];

test('before engine/initialize only engine/info is served', async () => {
  const info = await engine.ok<{ initialized: boolean }>('engine/info');
  assert.equal(info.initialized, false);
  const valid: Record<string, unknown> = {
    'dataset/inspect': { file: p('iris.csv') },
    'experiment/validate': { experimentFile: w.experimentFile },
    'run/train': { experimentFile: w.experimentFile },
    'run/list': { experimentFile: w.experimentFile },
    'run/load': { runDir: p('.kernel-lens') },
    'run/update': { runDir: p('.kernel-lens'), label: 'x' },
    'run/delete': { runDir: p('.kernel-lens', 'runs', 'iris', 'linked-run') },
    'explain/rows': { runDir: p('x'), queries: [{ split: 'train', row: 0 }] },
    'explain/trace': { runDir: p('x'), query: { split: 'train', row: 0 }, indices: [0] },
  };
  for (const method of EVERY_METHOD) assertIsError(method, await engine.call(method, valid[method]), EngineErrorCodes.notInitialized);
  // Bad initialize requests.
  const badInits: unknown[] = [
    undefined,
    null,
    'ws',
    [w.ws],
    {},
    { workspaceFolders: w.ws },
    { workspaceFolders: [] },
    { workspaceFolders: ['relative/folder'] },
    { workspaceFolders: [42] },
    { workspaceFolders: [`${w.ws}\0`] },
    { workspaceFolders: ['/' + 'a'.repeat(5000)] },
    { workspaceFolders: [path.join(w.root, 'does-not-exist')] },
    { workspaceFolders: [w.ws], memoryBudgetMb: -1 },
    { workspaceFolders: [w.ws], memoryBudgetMb: 1e300 },
    { workspaceFolders: [w.ws], memoryBudgetMb: 'NaN' },
    { workspaceFolders: [w.ws], memoryBudgetMb: 100.5 },
    { workspaceFolders: [w.ws], backend: 'gpu' },
    { workspaceFolders: [w.ws], extra: true },
    { workspaceFolders: Array.from({ length: 100 }, () => w.ws) },
  ];
  for (const [i, params] of badInits.entries()) assertIsError(`initialize #${i}`, await engine.call('engine/initialize', params));
  const ready = await engine.ok<{ initialized: boolean }>('engine/initialize', { workspaceFolders: [w.ws] });
  assert.equal(ready.initialized, true);
  assertIsError('initialize twice', await engine.call('engine/initialize', { workspaceFolders: [w.outside] }));
});

test('at least 100 malformed requests each get a JSON-RPC error and nothing outside changes', async () => {
  const cases = malformedCases(w, p, EVERY_METHOD);
  const run = p('.kernel-lens', 'runs', 'iris', 'evil-run');
  const invalid = EngineErrorCodes.invalidParams;

  let errors = 0;
  for (const c of cases) {
    assertIsError(c.name, await engine.call(c.method, c.params), c.code);
    errors++;
  }
  // JSON the writer cannot produce: 1e400 parses as Infinity, -0, very deep nesting.
  const raw: [string, string][] = [
    [
      'row 1e400',
      `{"jsonrpc":"2.0","id":90001,"method":"explain/rows","params":{"runDir":${JSON.stringify(run)},"queries":[{"split":"train","row":1e400}]}}`,
    ],
    [
      'top -1e400',
      `{"jsonrpc":"2.0","id":90002,"method":"explain/rows","params":{"runDir":${JSON.stringify(run)},"queries":[{"split":"train","row":0}],"top":-1e400}}`,
    ],
    [
      'deep params',
      `{"jsonrpc":"2.0","id":90003,"method":"dataset/inspect","params":{"file":${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}}}`,
    ],
    ['deep array', `{"jsonrpc":"2.0","id":90004,"method":"run/list","params":${'['.repeat(20_000)}${']'.repeat(20_000)}}`],
  ];
  for (const [i, [name, body]] of raw.entries()) {
    assertIsError(name, await engine.sendRawText(90001 + i, body), invalid);
    errors++;
  }
  assert.ok(errors >= 100, `only ${errors} malformed requests`);

  // Still serving, nothing outside changed, the outside run folders still exist, the non-run folder too.
  const info = await engine.ok<{ initialized: boolean }>('engine/info');
  assert.equal(info.initialized, true);
  assert.deepEqual(snapshot(w.outside), outsideBefore);
  assert.ok(fs.existsSync(path.join(outsideRunDir(), 'run.json')));
  assert.ok(fs.existsSync(path.join(w.ws, 'data-folder', 'keep.txt')));
  assert.ok(fs.existsSync('/etc/passwd'));
  assert.ok(!fs.existsSync(path.join(w.outside, 'new-run')) && !fs.existsSync('/etc/kernel-lens-run'));
  assert.equal(engine.readErrors.length, 0);
  // Every request was logged on stderr with its time.
  assert.match(engine.stderr, /dataset\/inspect \d+ ms error -32010/);
});

test('memory budget: a dataset over the budget is refused naming the limit and the setting', async () => {
  const big = new RawEngine(['--memory-budget-mb', '64']);
  try {
    await big.ok('engine/initialize', { workspaceFolders: [w.ws], memoryBudgetMb: 64 });
    const rows = ['a,b,c,d,label'];
    const line = '1.2345678,2.3456789,3.4567891,4.5678912,yes';
    for (let i = 0; i < 250_000; i++) rows.push(line);
    fs.writeFileSync(path.join(w.ws, 'big.csv'), rows.join('\n'));
    fs.writeFileSync(path.join(w.ws, 'big.kernel.json'), JSON.stringify({ dataset: { train: 'big.csv', target: 'label' } }));
    for (const method of ['run/train', 'experiment/validate']) {
      const reply = await big.call(method, { experimentFile: path.join(w.ws, 'big.kernel.json') });
      assertIsError(`budget ${method}`, reply, EngineErrorCodes.memoryBudget);
      assert.match(reply.error!.message, /64 MB/);
      assert.match(reply.error!.message, /kernelLens\.memoryBudgetMb/);
    }
    assert.ok(!fs.existsSync(path.join(w.ws, '.kernel-lens', 'runs', 'big')), 'no run folder was created');
    await big.ok('engine/info');
  } finally {
    await big.shutdown();
  }
});

test('run/list never follows a linked run folder or hashes a file outside the workspace, a device or a pipe', async () => {
  const linkedEngine = new RawEngine();
  try {
    await linkedEngine.ok('engine/initialize', { workspaceFolders: [w.ws] });
    // A real, complete run inside the workspace, and a copy of it outside linked into the runs folder.
    const inside = await linkedEngine.ok<RunInfo>('run/train', { experimentFile: w.experimentFile });
    assert.equal(inside.status, 'complete');
    const outsideCopy = path.join(w.outside, 'copied-run');
    fs.cpSync(inside.dir, outsideCopy, { recursive: true });
    const outsideRecord = path.join(outsideCopy, 'run.json');
    const record = JSON.parse(fs.readFileSync(outsideRecord, 'utf8'));
    record.experimentFile = path.relative(outsideCopy, w.experimentFile);
    record.id = 'copied-run';
    fs.writeFileSync(outsideRecord, JSON.stringify(record, null, 2));
    fs.symlinkSync(outsideCopy, path.join(path.dirname(inside.dir), 'linked-full'));
    const before = fs.readFileSync(outsideRecord, 'utf8');

    const listed = await linkedEngine.ok<RunInfo[]>('run/list', { experimentFile: w.experimentFile });
    assert.ok(listed.length >= 1);
    for (const run of listed) assert.ok(run.dir.startsWith(w.ws + path.sep), `listed only runs inside the workspace: ${run.dir}`);
    // Pinning a run inside unpins the others: the linked one outside must not be rewritten.
    record.pinned = true;
    fs.writeFileSync(outsideRecord, JSON.stringify(record, null, 2));
    const pinnedBefore = fs.readFileSync(outsideRecord, 'utf8');
    await linkedEngine.ok('run/update', { runDir: inside.dir, pinned: true });
    assert.equal(fs.readFileSync(outsideRecord, 'utf8'), pinnedBefore, 'the outside run.json is untouched');
    assert.notEqual(before, '');

    // Recorded dataset files that must never be read: outside (with its true digest: no yes/no oracle), a device, a pipe.
    const secret = path.join(w.outside, 'secret.csv');
    const secretDigest = createHash('sha256').update(fs.readFileSync(secret)).digest('hex');
    const fifo = path.join(w.ws, 'pipe.csv');
    execFileSync('mkfifo', [fifo]);
    const insideRecord = path.join(inside.dir, 'run.json');
    const tampered = JSON.parse(fs.readFileSync(insideRecord, 'utf8'));
    for (const [file, size, sha256] of [
      [path.relative(w.ws, secret), fs.statSync(secret).size, secretDigest],
      ['/dev/zero', 0, '0'.repeat(64)],
      ['pipe.csv', 0, '0'.repeat(64)],
    ] as const) {
      tampered.files = [{ file, size, sha256 }];
      fs.writeFileSync(insideRecord, JSON.stringify(tampered, null, 2));
      const [run] = (await linkedEngine.ok<RunInfo[]>('run/list', { experimentFile: w.experimentFile })).filter(
        (r) => r.dir === inside.dir,
      );
      assert.equal(run.stale, true, `${file} reads as changed, unread`);
    }
  } finally {
    await linkedEngine.shutdown();
  }
});

test('memory budget: a training whose weights fit but whose Adam moments and index do not is refused before any folder exists', async () => {
  const budgetEngine = new RawEngine();
  try {
    fs.copyFileSync(path.join(__dirname, '..', '..', 'samples', 'digits.csv'), path.join(w.ws, 'digits.csv'));
    const file = path.join(w.ws, 'digits-wide.kernel.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        dataset: { train: 'digits.csv', target: 'digit', test: { fraction: 0.2 } },
        model: { hidden: [{ units: 256 }] },
        training: { optimizer: 'adam', epochs: 50 },
      }),
    );
    await budgetEngine.ok('engine/initialize', { workspaceFolders: [w.ws], memoryBudgetMb: 256 });
    // A run-folder budget large enough for the full path (under the default 256 MiB it would store checkpoints and fit).
    const reply = await budgetEngine.call('run/train', { experimentFile: file, pathBudgetMb: 100_000 });
    assert.equal(reply.error?.code, EngineErrorCodes.memoryBudget, JSON.stringify(reply).slice(0, 2000));
    assert.match(
      reply.error?.message ?? '',
      /Training \(\d+ steps × \d+ parameters\) needs about \d+ MB, more than the memory budget of 256 MB/,
    );
    assert.ok(!fs.existsSync(path.join(w.ws, '.kernel-lens', 'runs', 'digits-wide')), 'no run folder was created');
    // Under the default run-folder budget the same training stores checkpoints instead, and fits.
    const checkpointed = await budgetEngine.ok<RunInfo>('run/train', { experimentFile: file });
    assert.equal(checkpointed.status, 'complete');
    assert.equal(JSON.parse(fs.readFileSync(path.join(checkpointed.dir, 'run.json'), 'utf8')).pathLayout, 'checkpoints');
  } finally {
    await budgetEngine.shutdown();
  }
});
