/**
 * Run folders under attack or accident (issue 11): unfinished runs are never explained, two trainings never
 * share a folder, a live training cannot be deleted and notices its folder vanishing, outputs are atomic,
 * edited run files say which file was edited, and values too large to standardize are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import type { ExperimentConfig } from '../../src/protocol';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { loadRun } from '../../src/engine/explain/shared/loadedRun';
import { deleteRun, readRunInfo } from '../../src/engine/run/runStore';
import { writeFileAtomic } from '../../src/engine/run/atomicWrite';
import { LOCK_FILE } from '../../src/engine/run/runLock';
import { readExperiment } from '../../src/engine/data/experimentFile';
import { prepareData } from '../../src/engine/data/prepare';
import { tempWorkspace, useWasm, writeExperiment } from '../helpers/experiments';
import { denseNetworkSize, trainingMemory } from '../../src/engine/pipeline/trainingMemory';

const ENGINE = path.resolve(__dirname, '..', '..', 'dist', 'engine.js');

const IRIS: ExperimentConfig = {
  dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
  model: { hidden: [{ units: 8, activation: 'tanh' }] },
  training: { optimizer: 'adam', learningRate: 0.05, epochs: 3, batchSize: 16, seed: 1 },
};

async function irisRun(): Promise<string> {
  await useWasm();
  const info = await trainExperiment(writeExperiment(tempWorkspace(['iris.csv']), 'iris', IRIS));
  assert.equal(info.status, 'complete');
  return info.dir;
}

test('a .partial folder is never explained, even when its run.json says complete', async () => {
  const dir = await irisRun();
  const partial = `${dir}.partial`;
  fs.renameSync(dir, partial);
  assert.equal(JSON.parse(fs.readFileSync(path.join(partial, 'run.json'), 'utf8')).status, 'complete');
  await assert.rejects(loadRun(partial), /run is unfinished \(a \.partial folder/);
  // Through a link with another name too.
  fs.symlinkSync(partial, dir);
  await assert.rejects(loadRun(dir), /run is unfinished/);
  assert.equal((await readRunInfo(partial)).status, 'failed');
  const cli = spawnSync(process.execPath, [ENGINE, 'explain', partial, '--row', '0', '--backend', 'wasm'], { encoding: 'utf8' });
  assert.equal(cli.status, 1);
  assert.match(cli.stderr, /run is unfinished/);
});

test('two trainings of one --out: the second is refused and the first completes intact', async () => {
  await useWasm();
  const ws = tempWorkspace(['iris.csv']);
  const file = writeExperiment(ws, 'iris', IRIS);
  const out = path.join(ws, 'shared-out');
  const outcomes = await Promise.allSettled([trainExperiment(file, { out }), trainExperiment(file, { out })]);
  assert.deepEqual(outcomes.map((o) => o.status).sort(), ['fulfilled', 'rejected']);
  const refused = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
  assert.match(String(refused.reason), /another training \(pid \d+\) is writing this run/);
  const run = await loadRun(out);
  assert.equal(run.record.status, 'complete');
  assert.ok(!fs.existsSync(`${out}.partial`));
});

test('--out over a folder an interrupted training left: refused, and nothing in it is deleted', async () => {
  await useWasm();
  const ws = tempWorkspace(['iris.csv']);
  const out = path.join(ws, 'left-over');
  fs.mkdirSync(`${out}.partial`);
  fs.writeFileSync(path.join(`${out}.partial`, 'keep.txt'), 'mine');
  await assert.rejects(trainExperiment(writeExperiment(ws, 'iris', IRIS), { out }), /an interrupted training left this folder/);
  assert.equal(fs.readFileSync(path.join(`${out}.partial`, 'keep.txt'), 'utf8'), 'mine');
});

test('a live training cannot be deleted; once its process is gone it can', async () => {
  const ws = tempWorkspace([]);
  const partial = path.join(ws, '.kernel-lens', 'runs', 'x', 'run-1.partial');
  fs.mkdirSync(partial, { recursive: true });
  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  try {
    fs.writeFileSync(path.join(partial, LOCK_FILE), JSON.stringify({ pid: other.pid, token: 'x' }));
    await assert.rejects(deleteRun(partial), new RegExp(`refusing to delete a run that is training \\(pid ${other.pid}\\)`));
    assert.ok(fs.existsSync(partial));
  } finally {
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
  }
  await deleteRun(partial);
  assert.ok(!fs.existsSync(partial));
});

test('a training whose folder is deleted under it stops and publishes no run', async () => {
  await useWasm();
  const ws = tempWorkspace(['digits.csv']);
  const file = writeExperiment(ws, 'digits', {
    dataset: { train: 'digits.csv', target: 'digit', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 16, activation: 'tanh' }] },
    training: { optimizer: 'sgd', learningRate: 0.05, epochs: 400, batchSize: 32, seed: 1 },
  });
  const out = path.join(ws, 'doomed');
  let removed = false;
  const training = trainExperiment(file, {
    out,
    onProgress: (p) => {
      if (!removed && p.metrics && p.epoch >= 2) {
        removed = true;
        fs.rmSync(`${out}.partial`, { recursive: true, force: true });
      }
    },
  });
  await assert.rejects(training, /the run folder was deleted during training; nothing was saved/);
  assert.ok(!fs.existsSync(out), 'no run was published');
  assert.ok(!fs.existsSync(`${out}.partial`), 'the deleted folder is not recreated');
});

test('atomic writes: a failed write leaves the old file whole and no temporary file behind', async () => {
  const ws = tempWorkspace([]);
  const target = path.join(ws, 'out.jsonl');
  fs.writeFileSync(target, 'OLD\n');
  await writeFileAtomic(target, 'NEW\n');
  assert.equal(fs.readFileSync(target, 'utf8'), 'NEW\n');
  // A target that cannot be replaced (a non-empty folder) fails the rename: nothing else changes.
  const folder = path.join(ws, 'folder');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'inside'), 'x');
  await assert.rejects(writeFileAtomic(folder, 'NEW'));
  assert.equal(fs.readFileSync(path.join(folder, 'inside'), 'utf8'), 'x');
  assert.deepEqual(fs.readdirSync(ws).sort(), ['folder', 'out.jsonl']);
});

test('edited run files give "the run is damaged" naming the file, not a quietly different answer', async () => {
  const edits: [string, (dir: string) => void, RegExp][] = [
    [
      'reordered classes',
      (dir) => {
        const file = path.join(dir, 'run.json');
        const record = JSON.parse(fs.readFileSync(file, 'utf8'));
        record.preprocessing.classes.reverse();
        fs.writeFileSync(file, JSON.stringify(record, null, 2));
      },
      /run\.json: the run is damaged \(edited since training\)/,
    ],
    [
      'a changed activation',
      (dir) => {
        const file = path.join(dir, 'run.json');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"activation": "tanh"', '"activation": "relu"'));
      },
      /run\.json: the run is damaged \(edited since training\)/,
    ],
    [
      'edited batches.npy',
      (dir) => {
        const file = path.join(dir, 'path', 'batches.npy');
        const bytes = fs.readFileSync(file);
        bytes[bytes.length - 4] ^= 1;
        fs.writeFileSync(file, bytes);
      },
      /path\/batches\.npy: the run is damaged \(changed since training\)/,
    ],
    [
      'zeroed test_x.npy',
      (dir) => {
        const file = path.join(dir, 'data', 'test_x.npy');
        const bytes = fs.readFileSync(file);
        bytes.fill(0, 128);
        fs.writeFileSync(file, bytes);
      },
      /data\/test_x\.npy: the run is damaged \(changed since training\)/,
    ],
    [
      'a digest naming a file outside the run (the engine would read it)',
      (dir) => {
        const file = path.join(dir, 'run.json');
        const record = JSON.parse(fs.readFileSync(file, 'utf8'));
        record.digests['../../../../../../proc/self/fd/0'] = { size: 0, sha256: '0'.repeat(64) };
        fs.writeFileSync(file, JSON.stringify(record, null, 2));
      },
      /run\.json: run is damaged: run\.json: digests/,
    ],
    [
      'a file added to the run',
      (dir) => fs.writeFileSync(path.join(dir, 'path', 'checkpoints.npy'), 'x'),
      /path\/checkpoints\.npy: the run is damaged \(added since training\)/,
    ],
    [
      'the fingerprints removed',
      (dir) => {
        const file = path.join(dir, 'run.json');
        const record = JSON.parse(fs.readFileSync(file, 'utf8'));
        delete record.digests;
        delete record.recordSha256;
        fs.writeFileSync(file, JSON.stringify(record, null, 2));
      },
      /run\.json: run is damaged: run\.json: digests: a complete run records its files/,
    ],
    [
      'a field of the wrong type',
      (dir) => {
        const file = path.join(dir, 'run.json');
        fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/"steps": \d+/, '"steps": "many"'));
      },
      /run\.json: run is damaged: run\.json: steps: /,
    ],
  ];
  for (const [what, edit, expected] of edits) {
    const dir = await irisRun();
    await loadRun(dir);
    edit(dir);
    await assert.rejects(loadRun(dir), (error: Error) => {
      assert.equal(error.name, 'UserError', what);
      assert.match(error.message, expected, what);
      return true;
    });
  }
  // Label, annotation and pin stay editable.
  const dir = await irisRun();
  const file = path.join(dir, 'run.json');
  const record = JSON.parse(fs.readFileSync(file, 'utf8'));
  Object.assign(record, { label: 'mine', annotation: 'note', pinned: true });
  fs.writeFileSync(file, JSON.stringify(record, null, 2));
  assert.equal((await loadRun(dir)).record.label, 'mine');
});

test('values too large to standardize are refused naming the file, line and column', async () => {
  const ws = tempWorkspace([]);
  const rows = ['x,y'];
  for (let i = 0; i < 40; i++) rows.push(`${i === 7 ? '1e308' : i === 9 ? '-1e308' : i},${i % 2 ? 'a' : 'b'}`);
  rows[12] = '1.5e308,a';
  fs.writeFileSync(path.join(ws, 'big.csv'), rows.join('\n') + '\n');
  const file = writeExperiment(ws, 'big', {
    dataset: { train: 'big.csv', target: 'y', test: { fraction: 0.2 } },
    training: { epochs: 1, batchSize: 8 },
  });
  await assert.rejects(prepareData(await readExperiment(file)), (error: Error) => {
    assert.equal(error.name, 'UserError');
    assert.match(error.message, /big\.csv:13, column "x": values too large to standardize .* the largest is 1\.5e\+308/);
    return true;
  });
});

test('the training memory estimate matches what a run really stores', async () => {
  const dir = await irisRun();
  const record = JSON.parse(fs.readFileSync(path.join(dir, 'run.json'), 'utf8'));
  const size = (sub: string): number =>
    fs.readdirSync(path.join(dir, sub)).reduce((sum, name) => sum + fs.statSync(path.join(dir, sub, name)).size, 0);
  const estimate = trainingMemory({
    trainRows: record.trainRows,
    testRows: record.testRows,
    features: record.preprocessing.featureNames.length,
    network: denseNetworkSize(record.preprocessing.featureNames.length, [8], record.preprocessing.classes.length),
    epochs: 3,
    batchSize: 16,
    optimizer: 'adam',
    layout: { kind: 'full' },
  });
  assert.equal(estimate.parameters, record.parameters);
  assert.equal(estimate.steps, record.steps);
  // The .npy headers are the only difference (128 bytes a file).
  assert.ok(Math.abs(estimate.pathBytes - size('path')) <= 128 * 6, `path ${estimate.pathBytes} vs ${size('path')}`);
  assert.ok(Math.abs(estimate.indexBytes - size('index')) <= 128 * 6, `index ${estimate.indexBytes} vs ${size('index')}`);
});

test('the CLI refuses a training over its memory budget before creating anything', () => {
  const ws = tempWorkspace(['digits.csv']);
  const file = writeExperiment(ws, 'huge', {
    dataset: { train: 'digits.csv', target: 'digit', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 4096 }, { units: 4096 }] },
    training: { optimizer: 'adam', epochs: 10000 },
  });
  const result = spawnSync(
    process.execPath,
    [ENGINE, 'train', file, '--memory-budget-mb', '512', '--path-budget-mb', '1048576', '--backend', 'cpu'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(result.status, 1);
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('backend:'));
  assert.equal(lines.length, 1, result.stderr);
  assert.match(
    lines[0],
    /Training \(\d+ steps × \d+ parameters\) needs about \d+ MB, more than the memory budget of 512 MB \(--memory-budget-mb/,
  );
  assert.doesNotMatch(lines[0], /internal error/);
  assert.ok(
    !fs.existsSync(path.join(ws, '.kernel-lens', 'runs', 'huge')) ||
      fs.readdirSync(path.join(ws, '.kernel-lens', 'runs', 'huge')).length === 0,
  );
});

test('inspecting a large CSV holds bounded memory (streamed, distinct values capped)', () => {
  const ws = tempWorkspace([]);
  const file = path.join(ws, 'wide.csv');
  const fd = fs.openSync(file, 'w');
  fs.writeSync(fd, 'a,b,c,d,label\n');
  for (let chunk = 0; chunk < 40; chunk++) {
    const rows: string[] = [];
    for (let i = 0; i < 25_000; i++) {
      const n = chunk * 25_000 + i;
      rows.push(`${n * 1.000001},${n * 3.3},${n % 977},${Math.sqrt(n)},c${n}`);
    }
    fs.writeSync(fd, rows.join('\n') + '\n');
  }
  fs.closeSync(fd);
  assert.ok(fs.statSync(file).size > 40 * 1024 * 1024);
  // A 96 MB heap: holding the table (as inspection did) needs several times the file.
  const script = `require('${path.resolve(__dirname, '..', '..', 'src', 'engine', 'data', 'inspect.ts')}').inspectCsv(${JSON.stringify(file)}).then((s) => console.log(JSON.stringify({ rows: s.rows, types: s.columns.map((c) => c.type), distinct: s.columns.map((c) => c.distinct) })))`;
  const result = spawnSync(process.execPath, ['--max-old-space-size=96', '--import', 'tsx', '-e', script], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(result.status, 0, result.stderr.slice(-2000));
  const schema = JSON.parse(result.stdout.trim().split('\n').pop() as string);
  assert.equal(schema.rows, 1_000_000);
  assert.deepEqual(schema.types, ['numeric', 'numeric', 'numeric', 'numeric', 'categorical']);
  assert.equal(schema.distinct[2], 977);
  assert.equal(schema.distinct[4], 10_000, 'a floor once the cap is reached');
});

test('a run.json from an older or newer Kernel Lens says so; explain --all --limit writes the first N rows atomically', async () => {
  const dir = await irisRun();
  const file = path.join(dir, 'run.json');
  const original = fs.readFileSync(file, 'utf8');
  const record = JSON.parse(original);
  delete record.formatVersion;
  fs.writeFileSync(file, JSON.stringify(record));
  await assert.rejects(loadRun(dir), /run was written by an older Kernel Lens \(no formatVersion\); train the experiment again/);
  fs.writeFileSync(file, JSON.stringify({ ...record, formatVersion: 3 }));
  await assert.rejects(loadRun(dir), /written by a newer Kernel Lens \(formatVersion 3\)/);
  fs.writeFileSync(file, original);

  const out = path.join(tempWorkspace([]), 'first.jsonl');
  fs.writeFileSync(out, 'OLD\n');
  const cli = spawnSync(process.execPath, [ENGINE, 'explain', dir, '--all', '--limit', '5', '--out', out, '--backend', 'wasm'], {
    encoding: 'utf8',
  });
  assert.equal(cli.status, 0, cli.stderr);
  const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
  assert.equal(lines.length, 5);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).row),
    [0, 1, 2, 3, 4],
  );
  assert.deepEqual(
    fs.readdirSync(path.dirname(out)).filter((name) => name.endsWith('.tmp')),
    [],
    'no temporary file left',
  );
});

test('CLI flags: whole numbers as written, and explain --all --out only to a .jsonl file outside the runs', async () => {
  const dir = await irisRun();
  const run = (...args: string[]) => spawnSync(process.execPath, [ENGINE, ...args, '--backend', 'wasm'], { encoding: 'utf8' });
  for (const row of ['', '1e0', '0x1', ' 2', '1.0']) {
    const r = run('explain', dir, '--row', row);
    assert.equal(r.status, 1, `--row '${row}'`);
    assert.match(r.stderr, /--row must be an integer from 0 to/);
  }
  const csv = path.join(tempWorkspace([]), 'data.csv');
  fs.writeFileSync(csv, 'keep');
  assert.match(run('explain', dir, '--all', '--out', csv).stderr, /--out must name a \.jsonl file/);
  assert.equal(fs.readFileSync(csv, 'utf8'), 'keep');
  assert.match(run('explain', dir, '--all', '--out', path.join(dir, 'x.jsonl')).stderr, /must not be inside a \.kernel-lens folder/);
  assert.match(
    run('explain', dir, '--all', '--out', path.join(path.dirname(csv), 'none', 'x.jsonl')).stderr,
    /the folder of --out does not exist/,
  );
});
