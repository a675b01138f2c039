/**
 * The hostile-request battery's cases (test/engine/malformedRequests.test.ts): every one must be answered
 * with a JSON-RPC error, and the code where one specific code is required.
 */
import * as path from 'node:path';
import { EngineErrorCodes } from '../../src/protocol';

export interface Case {
  name: string;
  method: string;
  params?: unknown;
  /** Expected error code, when one specific code is required. */
  code?: number;
}

/** `w` is the battery's workspace (and the folder outside it), `p` a path inside the workspace. */
export function malformedCases(
  w: { ws: string; outside: string; experimentFile: string },
  p: (...parts: string[]) => string,
  everyMethod: readonly string[],
): Case[] {
  const outsideRunDir = (): string => path.join(w.outside, '.kernel-lens', 'runs', 'x', 'run-1');
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
    ...everyMethod.flatMap((method): Case[] => [
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
  return cases;
}
