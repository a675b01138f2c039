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

interface Case {
  name: string;
  method: string;
  params?: unknown;
  /** Expected error code, when one specific code is required. */
  code?: number;
}

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
  const outsideCode = EngineErrorCodes.outsideWorkspace;
  const invalid = EngineErrorCodes.invalidParams;
  const run = p('.kernel-lens', 'runs', 'iris', 'evil-run');
  const cases: Case[] = [
    // Unknown methods and hostile names.
    ...[
      'foo',
      '',
      'engine/Info',
      '__proto__',
      'constructor',
      'toString',
      'hasOwnProperty',
      'run/train/../../delete',
      'x'.repeat(10_000),
      'run/\u0000\u001b[31mred',
      '$/cancelRequest2',
      'engine/debugPrint2',
    ].map((method): Case => ({ name: `unknown method ${method.slice(0, 20)}`, method, params: {}, code: -32601 })),
    // Missing or wrongly typed params for every method.
    ...EVERY_METHOD.flatMap((method): Case[] => [
      { name: `${method} without params`, method, code: invalid },
      { name: `${method} with a string`, method, params: 'x', code: invalid },
      { name: `${method} with a number`, method, params: 7, code: invalid },
      { name: `${method} with null`, method, params: null, code: invalid },
      { name: `${method} by position`, method, params: [p('iris.csv')], code: invalid },
      { name: `${method} with an empty object`, method, params: {}, code: invalid },
      { name: `${method} with a prototype key`, method, params: JSON.parse('{"__proto__":{"polluted":true}}') as unknown, code: invalid },
    ]),
    { name: 'inspect file number', method: 'dataset/inspect', params: { file: 12 }, code: invalid },
    { name: 'inspect file array', method: 'dataset/inspect', params: { file: [p('iris.csv')] }, code: invalid },
    { name: 'inspect relative path', method: 'dataset/inspect', params: { file: 'iris.csv' }, code: invalid },
    { name: 'inspect empty path', method: 'dataset/inspect', params: { file: '' }, code: invalid },
    { name: 'inspect NUL path', method: 'dataset/inspect', params: { file: `${p('iris.csv')}\0/etc/passwd` }, code: invalid },
    { name: 'inspect 100k path', method: 'dataset/inspect', params: { file: '/' + 'x'.repeat(100_000) }, code: invalid },
    { name: 'inspect extra key', method: 'dataset/inspect', params: { file: p('iris.csv'), delete: true }, code: invalid },
    {
      name: 'inspect deep object',
      method: 'dataset/inspect',
      params: { file: JSON.parse('{"a":'.repeat(500) + '1' + '}'.repeat(500)) as unknown },
      code: invalid,
    },
    { name: 'inspect shell string', method: 'dataset/inspect', params: { file: '$(rm -rf /)' }, code: invalid },
    { name: 'inspect ANSI path', method: 'dataset/inspect', params: { file: p('\u001b[2J\nfake log line.csv') } },
    // Paths outside the workspace pointing at real files.
    { name: 'inspect /etc/passwd', method: 'dataset/inspect', params: { file: '/etc/passwd' }, code: outsideCode },
    { name: 'inspect outside file', method: 'dataset/inspect', params: { file: path.join(w.outside, 'secret.csv') }, code: outsideCode },
    { name: 'inspect .. traversal', method: 'dataset/inspect', params: { file: `${w.ws}/../outside/secret.csv` }, code: outsideCode },
    {
      name: 'inspect deep .. traversal',
      method: 'dataset/inspect',
      params: { file: `${w.ws}/${'../'.repeat(30)}etc/passwd` },
      code: outsideCode,
    },
    { name: 'inspect symlinked dir', method: 'dataset/inspect', params: { file: p('link-out', 'secret.csv') }, code: outsideCode },
    { name: 'inspect symlink to passwd', method: 'dataset/inspect', params: { file: p('link-passwd.csv') }, code: outsideCode },
    { name: 'inspect symlink to secret', method: 'dataset/inspect', params: { file: p('link-secret.csv') }, code: outsideCode },
    // `..` is resolved before links, so this names ws/outside/secret.csv (missing), never the real outside file.
    { name: 'inspect link/.. spelling', method: 'dataset/inspect', params: { file: `${w.ws}/link-out/../outside/secret.csv` } },
    { name: 'inspect workspace root prefix trick', method: 'dataset/inspect', params: { file: `${w.ws}-other/x.csv` }, code: outsideCode },
    {
      name: 'validate outside experiment',
      method: 'experiment/validate',
      params: { experimentFile: path.join(w.outside, 'outside.kernel.json') },
      code: outsideCode,
    },
    {
      name: 'validate dataset ../outside',
      method: 'experiment/validate',
      params: { experimentFile: p('evil-rel.kernel.json') },
      code: outsideCode,
    },
    {
      name: 'validate dataset /etc/passwd',
      method: 'experiment/validate',
      params: { experimentFile: p('evil-abs.kernel.json') },
      code: outsideCode,
    },
    {
      name: 'validate test file symlink',
      method: 'experiment/validate',
      params: { experimentFile: p('evil-test.kernel.json') },
      code: outsideCode,
    },
    {
      name: 'validate dataset via linked dir',
      method: 'experiment/validate',
      params: { experimentFile: p('evil-link.kernel.json') },
      code: outsideCode,
    },
    { name: 'train dataset ../outside', method: 'run/train', params: { experimentFile: p('evil-rel.kernel.json') }, code: outsideCode },
    { name: 'train dataset /etc/passwd', method: 'run/train', params: { experimentFile: p('evil-abs.kernel.json') }, code: outsideCode },
    { name: 'train test symlink', method: 'run/train', params: { experimentFile: p('evil-test.kernel.json') }, code: outsideCode },
    {
      name: 'train dataset via linked dir',
      method: 'run/train',
      params: { experimentFile: p('evil-link.kernel.json') },
      code: outsideCode,
    },
    {
      name: 'train outside experiment',
      method: 'run/train',
      params: { experimentFile: path.join(w.outside, 'outside.kernel.json') },
      code: outsideCode,
    },
    {
      name: 'train out= outside',
      method: 'run/train',
      params: { experimentFile: w.experimentFile, out: path.join(w.outside, 'new-run') },
      code: outsideCode,
    },
    {
      name: 'train out= /etc',
      method: 'run/train',
      params: { experimentFile: w.experimentFile, out: '/etc/kernel-lens-run' },
      code: outsideCode,
    },
    {
      name: 'train out= via symlink',
      method: 'run/train',
      params: { experimentFile: w.experimentFile, out: p('link-out', 'new-run') },
      code: outsideCode,
    },
    {
      name: 'train out= traversal',
      method: 'run/train',
      params: { experimentFile: w.experimentFile, out: `${w.ws}/../outside/new-run` },
      code: outsideCode,
    },
    { name: 'train broken experiment', method: 'run/train', params: { experimentFile: p('broken.kernel.json') } },
    { name: 'train absurd sizes', method: 'run/train', params: { experimentFile: p('huge.kernel.json') } },
    { name: 'train csv as experiment', method: 'run/train', params: { experimentFile: p('iris.csv') } },
    {
      name: 'list outside experiment',
      method: 'run/list',
      params: { experimentFile: path.join(w.outside, 'outside.kernel.json') },
      code: outsideCode,
    },
    { name: 'load outside run', method: 'run/load', params: { runDir: outsideRunDir() }, code: outsideCode },
    {
      name: 'load symlinked run',
      method: 'run/load',
      params: { runDir: p('.kernel-lens', 'runs', 'iris', 'linked-run') },
      code: outsideCode,
    },
    { name: 'load run pointing outside', method: 'run/load', params: { runDir: run }, code: outsideCode },
    { name: 'update outside run', method: 'run/update', params: { runDir: outsideRunDir(), label: 'pwned' }, code: outsideCode },
    {
      name: 'update symlinked run',
      method: 'run/update',
      params: { runDir: p('.kernel-lens', 'runs', 'iris', 'linked-run'), annotation: 'x' },
      code: outsideCode,
    },
    { name: 'update run pointing outside', method: 'run/update', params: { runDir: run, pinned: true }, code: outsideCode },
    { name: 'update label too long', method: 'run/update', params: { runDir: run, label: 'x'.repeat(1000) }, code: invalid },
    { name: 'update pinned not bool', method: 'run/update', params: { runDir: run, pinned: 'yes' }, code: invalid },
    { name: 'delete outside run', method: 'run/delete', params: { runDir: outsideRunDir() }, code: outsideCode },
    {
      name: 'delete outside partial',
      method: 'run/delete',
      params: { runDir: path.join(w.outside, '.kernel-lens', 'runs', 'x', 'run-2.partial') },
      code: outsideCode,
    },
    {
      name: 'delete symlinked run',
      method: 'run/delete',
      params: { runDir: p('.kernel-lens', 'runs', 'iris', 'linked-run') },
      code: outsideCode,
    },
    {
      name: 'delete via symlinked .kernel-lens',
      method: 'run/delete',
      params: { runDir: p('sub-kl', 'runs', 'x', 'run-1') },
      code: outsideCode,
    },
    {
      name: 'delete traversal',
      method: 'run/delete',
      params: { runDir: `${w.ws}/.kernel-lens/runs/iris/../../../../outside/.kernel-lens/runs/x/run-1` },
      code: outsideCode,
    },
    { name: 'delete /', method: 'run/delete', params: { runDir: '/' }, code: outsideCode },
    { name: 'delete /etc', method: 'run/delete', params: { runDir: '/etc' }, code: outsideCode },
    { name: 'delete outside root', method: 'run/delete', params: { runDir: w.outside }, code: outsideCode },
    { name: 'delete workspace root', method: 'run/delete', params: { runDir: w.ws } },
    { name: 'delete non-run folder', method: 'run/delete', params: { runDir: p('data-folder') } },
    { name: 'delete a file', method: 'run/delete', params: { runDir: p('iris.csv') } },
    { name: 'delete .kernel-lens itself', method: 'run/delete', params: { runDir: p('.kernel-lens') } },
    { name: 'delete missing run', method: 'run/delete', params: { runDir: p('.kernel-lens', 'runs', 'iris', 'nope') } },
    {
      name: 'explain outside run',
      method: 'explain/rows',
      params: { runDir: outsideRunDir(), queries: [{ split: 'train', row: 0 }] },
      code: outsideCode,
    },
    {
      name: 'explain run pointing outside',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }] },
      code: outsideCode,
    },
    {
      name: 'explain input outside',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'input', row: 0, input: '/etc/passwd' }] },
      code: outsideCode,
    },
    {
      name: 'trace outside run',
      method: 'explain/trace',
      params: { runDir: outsideRunDir(), query: { split: 'train', row: 0 }, indices: [0] },
      code: outsideCode,
    },
    // Missing files.
    { name: 'inspect missing file', method: 'dataset/inspect', params: { file: p('missing.csv') }, code: EngineErrorCodes.badInput },
    {
      name: 'validate missing file',
      method: 'experiment/validate',
      params: { experimentFile: p('missing.kernel.json') },
      code: EngineErrorCodes.badInput,
    },
    {
      name: 'train missing file',
      method: 'run/train',
      params: { experimentFile: p('missing.kernel.json') },
      code: EngineErrorCodes.badInput,
    },
    {
      name: 'list missing experiment',
      method: 'run/list',
      params: { experimentFile: p('missing.kernel.json') },
      code: EngineErrorCodes.badInput,
    },
    {
      name: 'load missing run',
      method: 'run/load',
      params: { runDir: p('.kernel-lens', 'runs', 'iris', 'missing') },
      code: EngineErrorCodes.badInput,
    },
    {
      name: 'explain missing run',
      method: 'explain/rows',
      params: { runDir: p('missing-run'), queries: [{ split: 'train', row: 0 }] },
      code: EngineErrorCodes.badInput,
    },
    { name: 'load a folder that is not a run', method: 'run/load', params: { runDir: p('data-folder') } },
    // Huge, negative, fractional and NaN-like numbers; oversized arrays.
    ...(
      [
        ['row -1', { split: 'train', row: -1 }],
        ['row 1e20', { split: 'train', row: 1e20 }],
        ['row 1.5', { split: 'train', row: 1.5 }],
        ['row "NaN"', { split: 'train', row: 'NaN' }],
        ['row null', { split: 'train', row: null }],
        ['split bogus', { split: 'validation', row: 0 }],
        ['input split without file', { split: 'input', row: 0 }],
        ['query extra key', { split: 'train', row: 0, evil: 1 }],
      ] as const
    ).map(([name, query]): Case => ({
      name: `explain ${name}`,
      method: 'explain/rows',
      params: { runDir: run, queries: [query] },
      code: invalid,
    })),
    { name: 'explain no queries', method: 'explain/rows', params: { runDir: run, queries: [] }, code: invalid },
    {
      name: 'explain 5000 queries',
      method: 'explain/rows',
      params: { runDir: run, queries: Array.from({ length: 5000 }, (_, row) => ({ split: 'train', row })) },
      code: invalid,
    },
    {
      name: 'explain top 0',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }], top: 0 },
      code: invalid,
    },
    {
      name: 'explain top 1e9',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }], top: 1e9 },
      code: invalid,
    },
    {
      name: 'explain nodes 1000',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }], quadratureNodes: 1000 },
      code: invalid,
    },
    {
      name: 'explain tolerance -1',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }], tolerance: -1 },
      code: invalid,
    },
    {
      name: 'explain tolerance 0',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }], tolerance: 0 },
      code: invalid,
    },
    {
      name: 'explain full "yes"',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }], full: 'yes' },
      code: invalid,
    },
    {
      name: 'explain output bogus',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }], output: { kind: 'all' } },
      code: invalid,
    },
    {
      name: 'explain class empty',
      method: 'explain/rows',
      params: { runDir: run, queries: [{ split: 'train', row: 0 }], output: { kind: 'class', class: '' } },
      code: invalid,
    },
    {
      name: 'trace no indices',
      method: 'explain/trace',
      params: { runDir: run, query: { split: 'train', row: 0 }, indices: [] },
      code: invalid,
    },
    {
      name: 'trace 10000 indices',
      method: 'explain/trace',
      params: { runDir: run, query: { split: 'train', row: 0 }, indices: Array.from({ length: 10_000 }, (_, i) => i) },
      code: invalid,
    },
    {
      name: 'trace negative index',
      method: 'explain/trace',
      params: { runDir: run, query: { split: 'train', row: 0 }, indices: [-5] },
      code: invalid,
    },
    {
      name: 'trace index 1e300',
      method: 'explain/trace',
      params: { runDir: run, query: { split: 'train', row: 0 }, indices: [1e300] },
      code: invalid,
    },
    { name: 'debug sleep negative', method: 'engine/debugSleep', params: { ms: -1 }, code: invalid },
    { name: 'debug sleep huge', method: 'engine/debugSleep', params: { ms: 1e12 }, code: invalid },
  ];

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
    const reply = await budgetEngine.call('run/train', { experimentFile: file });
    assert.equal(reply.error?.code, EngineErrorCodes.memoryBudget, JSON.stringify(reply));
    assert.match(
      reply.error?.message ?? '',
      /Training \(\d+ steps × \d+ parameters\) needs about \d+ MB, more than the memory budget of 256 MB/,
    );
    assert.ok(!fs.existsSync(path.join(w.ws, '.kernel-lens', 'runs', 'digits-wide')), 'no run folder was created');
  } finally {
    await budgetEngine.shutdown();
  }
});
