import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { decodeNpy, encodeNpy, readFloat32Npy, readInt32Npy } from '../../src/engine/run/npy';
import { listRuns, readRunInfo } from '../../src/engine/run/runStore';
import { loadRun } from '../../src/engine/explain/shared/loadedRun';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { confusionCounts } from '../../src/engine/train/trainLoop';
import { tempWorkspace, useWasm, writeExperiment } from '../helpers/experiments';
import type { ExperimentConfig } from '../../src/protocol';

const ROOT = path.resolve(__dirname, '..', '..');
const config: ExperimentConfig = {
  dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
  model: { hidden: [{ units: 8, activation: 'tanh' }] },
  training: { optimizer: 'adam', learningRate: 0.01, epochs: 5, batchSize: 16, seed: 7 },
};

test('.npy files round-trip and carry a NumPy v1.0 header', () => {
  const data = Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 3);
  const buffer = encodeNpy({ dtype: 'float32', shape: [3, 4], data });
  assert.deepEqual([...buffer.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  assert.equal((10 + buffer.readUInt16LE(8)) % 64, 0, 'header padded to 64 bytes');
  assert.match(buffer.toString('latin1', 10, 80), /'descr': '<f4', 'fortran_order': False, 'shape': \(3, 4\)/);
  const back = decodeNpy(buffer);
  assert.deepEqual(back.shape, [3, 4]);
  assert.deepEqual([...back.data], [...data]);
  const ints = decodeNpy(encodeNpy({ dtype: 'int32', shape: [5], data: Int32Array.of(-1, 0, 1, 2, 3) }));
  assert.equal(ints.dtype, 'int32');
  assert.deepEqual([...ints.data], [-1, 0, 1, 2, 3]);
});

test('the same experiment and seed give identical weights; the path files read back to the same numbers', async () => {
  await useWasm();
  const dir = tempWorkspace(['iris.csv']);
  const file = writeExperiment(dir, 'iris', config);
  const a = await trainExperiment(file);
  const b = await trainExperiment(file);
  assert.notEqual(a.dir, b.dir);
  const wa = await readFloat32Npy(path.join(a.dir, 'path', 'weights.npy'));
  const wb = await readFloat32Npy(path.join(b.dir, 'path', 'weights.npy'));
  assert.deepEqual(wa.shape, [a.steps + 1, a.parameters]);
  assert.ok(Buffer.from(wa.data.buffer).equals(Buffer.from(wb.data.buffer)), 'bitwise identical weights');
  const batches = await readInt32Npy(path.join(a.dir, 'path', 'batches.npy'));
  assert.deepEqual(batches.shape, [a.steps, 16]);
  const v = await readFloat32Npy(path.join(a.dir, 'path', 'adam_v.npy'));
  assert.deepEqual(v.shape, [a.steps, a.parameters]);
  assert.ok(v.data.some((x) => x > 0));
  // A different seed gives a different path.
  const other = writeExperiment(dir, 'iris-seed8', { ...config, training: { ...config.training, seed: 8 } });
  const c = await trainExperiment(other);
  const wc = await readFloat32Npy(path.join(c.dir, 'path', 'weights.npy'));
  assert.ok(!Buffer.from(wa.data.buffer).equals(Buffer.from(wc.data.buffer)));
  const record = JSON.parse(fs.readFileSync(path.join(a.dir, 'run.json'), 'utf8'));
  assert.equal(record.status, 'complete');
  assert.equal(record.optimizer.name, 'adam');
  assert.equal(record.optimizer.epsilon, 1e-7);
  assert.equal(record.layout[0].name, 'dense_0/kernel');
  assert.deepEqual(record.layout[0].shape, [4, 8]);
  assert.equal(record.files[0].file, 'iris.csv');
  assert.match(record.files[0].sha256, /^[0-9a-f]{64}$/);
  const rows = JSON.parse(fs.readFileSync(path.join(a.dir, 'data', 'rows.json'), 'utf8'));
  assert.equal(rows.train.length, 120);
  assert.equal(rows.test.length, 30);
  assert.ok(rows.train.every((r: { line: number }) => r.line >= 2));
});

test('a training killed mid-run never leaves a run that reads as complete', async () => {
  const dir = tempWorkspace(['digits.csv']);
  const file = writeExperiment(dir, 'digits', {
    dataset: { train: 'digits.csv', target: 'digit', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 64, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 400, batchSize: 32, seed: 1 },
  });
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'engine.js'), 'train', file, '--backend', 'wasm'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (/epoch 2\//.test(stderr)) resolve();
    });
    child.on('exit', () => reject(new Error(`training ended before it could be killed: ${stderr}`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.on('exit', resolve));
  const runs = await listRuns(file);
  assert.equal(runs.length, 1);
  assert.ok(runs[0].dir.endsWith('.partial'), 'the run stays in its .partial folder');
  assert.notEqual(runs[0].status, 'complete');
  assert.equal(runs[0].status, 'failed');
  assert.match(runs[0].message ?? '', /interrupted/);
  assert.equal((await readRunInfo(runs[0].dir)).status, 'failed');
});

test('a damaged recorded path is reported as one line naming the file, not as an internal error', async () => {
  await useWasm();
  const dir = tempWorkspace(['iris.csv']);
  const info = await trainExperiment(writeExperiment(dir, 'iris', config));
  const weights = path.join(info.dir, 'path', 'weights.npy');
  fs.truncateSync(weights, fs.statSync(weights).size - 100);
  await assert.rejects(loadRun(info.dir), (error: Error) => {
    assert.equal(error.name, 'UserError');
    assert.equal(error.message, `${weights}: the run is damaged (truncated); train the experiment again`);
    return true;
  });
});

test('classification runs record each epoch’s test confusion matrix; it agrees with the test accuracy and the explained predictions', async () => {
  await useWasm();
  const dir = tempWorkspace(['iris.csv']);
  const info = await trainExperiment(writeExperiment(dir, 'iris-confusion', config));
  assert.equal(info.metrics.length, config.training?.epochs);
  const classes = info.classes as string[];
  for (const m of info.metrics) {
    const counts = m.testConfusion as number[][];
    assert.equal(counts.length, classes.length);
    counts.forEach((row) => assert.equal(row.length, classes.length));
    const total = counts.flat().reduce((a, b) => a + b, 0);
    const diagonal = counts.reduce((s, row, k) => s + row[k], 0);
    assert.equal(total, info.testRows);
    assert.ok(
      Math.abs(diagonal / total - (m.testAccuracy as number)) < 1e-6,
      `epoch ${m.epoch}: ${diagonal}/${total} vs ${m.testAccuracy}`,
    );
  }
  // The last epoch's rows per true class are the test split's label counts, from the run's own data.
  const run = await loadRun(info.dir);
  const perClass = new Array<number>(classes.length).fill(0);
  for (const y of run.data.testY) perClass[y]++;
  assert.deepEqual(
    (info.metrics.at(-1)?.testConfusion as number[][]).map((row) => row.reduce((a, b) => a + b, 0)),
    perClass,
  );
});

test('confusion counts: true class by row, predicted by column', () => {
  assert.deepEqual(confusionCounts([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3), [
    [1, 1, 0],
    [0, 1, 0],
    [1, 0, 2],
  ]);
});
