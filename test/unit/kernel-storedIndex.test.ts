import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explainWithIndex, IndexedRun } from '../../src/engine/explain/explainService';
import { loadRun } from '../../src/engine/explain/shared/loadedRun';
import { buildPathIndex, loadPathIndex } from '../../src/engine/explain/pathIndex/pathIndex';
import { INDEX_DIR } from '../../src/engine/explain/pathIndex/pathIndexFiles';
import { readRunRecord } from '../../src/engine/run/runStore';
import { trainSample } from '../helpers/experiments';

// Issue 5: the index is built when training ends, as part of `train`; `explain` reads it and never rebuilds it.
test('training stores the path index; explanations read it and match a rebuilt index exactly', async () => {
  const info = await trainSample('penguins.csv', {
    dataset: { train: 'penguins.csv', target: 'species', test: { fraction: 0.2 } },
    model: {
      hidden: [
        { units: 13, activation: 'tanh' },
        { units: 6, activation: 'relu' },
      ],
    },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 3, batchSize: 16, seed: 4 },
  });
  const record = await readRunRecord(info.dir);
  assert.ok(record.pathIndex && record.pathIndex.bytes > 0, 'run.json records the stored index');
  const stored = fs.readdirSync(path.join(info.dir, INDEX_DIR)).sort();
  assert.deepEqual(stored, [
    'layer0_a.npy',
    'layer0_delta.npy',
    'layer1_a.npy',
    'layer1_delta.npy',
    'layer2_a.npy',
    'layer2_delta.npy',
    'step_scale.npy',
  ]);

  const run = await loadRun(info.dir);
  const read = loadPathIndex(run);
  const built = buildPathIndex(run);
  assert.equal(read.source, 'stored');
  assert.equal(built.source, 'built');
  // The stored factors are the ones the optimizer used (one step at a time); a rebuild from the recorded weights
  // evaluates all steps in one batched pass, equal up to float32 rounding.
  // Padding slots (no example) hold zeros in one and the untouched forward pass in the other; both have δ = 0.
  const used = (width: number) => (values: Float32Array) => values.filter((_, k) => run.path.batches[Math.floor(k / width)] >= 0);
  read.layers.forEach((layer, l) => {
    assertClose(used(layer.inputs)(layer.a), used(layer.inputs)(built.layers[l].a), `layer ${l} a`);
    assertClose(layer.delta, built.layers[l].delta, `layer ${l} δ`);
  });
  assert.deepEqual(read.stepScale, built.stepScale);

  const queries = [0, 1, 2].map((row) => ({ split: 'test' as const, row }));
  const fromStored = await explainWithIndex(new IndexedRun(run, 0), queries, { top: 5, parallel: false });
  assert.equal(fs.existsSync(path.join(info.dir, INDEX_DIR)), true);
  // A run written before the index was stored: the same numbers from an index built in memory.
  fs.rmSync(path.join(info.dir, INDEX_DIR), { recursive: true });
  const legacy = new IndexedRun(await loadRun(info.dir), 0);
  assert.equal(legacy.index.source, 'built');
  const fromBuilt = await explainWithIndex(legacy, queries, { top: 5, parallel: false });
  fromStored.raw.forEach((r, q) => assertClose(r.contributions, fromBuilt.raw[q].contributions, `row ${q}`));
});

/** Equal up to float32 rounding: every |a − b| within 1e-5 of the largest magnitude. */
function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, what);
  let largest = 0;
  let worst = 0;
  for (let k = 0; k < a.length; k++) {
    largest = Math.max(largest, Math.abs(a[k]), Math.abs(b[k]));
    worst = Math.max(worst, Math.abs(a[k] - b[k]));
  }
  assert.ok(worst <= 1e-5 * largest, `${what}: differs by ${worst} (largest ${largest})`);
}

test('a damaged stored index is reported with its file and rebuilt in memory, with the same numbers', async () => {
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 8, activation: 'tanh' }] },
    training: { optimizer: 'sgd', learningRate: 0.05, epochs: 2, batchSize: 16, seed: 2 },
  });
  const queries = [{ split: 'test' as const, row: 0 }];
  const intact = await explainWithIndex(new IndexedRun(await loadRun(info.dir), 0), queries, { top: 5 });
  const file = path.join(info.dir, INDEX_DIR, 'layer1_delta.npy');
  fs.truncateSync(file, fs.statSync(file).size - 8);
  const messages: string[] = [];
  const original = console.error;
  console.error = (message: string) => messages.push(message);
  let damaged: IndexedRun;
  try {
    damaged = new IndexedRun(await loadRun(info.dir), 0);
    assert.equal(damaged.index.source, 'built');
  } finally {
    console.error = original;
  }
  assert.equal(messages.length, 1);
  assert.match(messages[0], /layer1_delta\.npy: truncated; the path index is rebuilt in memory/);
  const rebuilt = await explainWithIndex(damaged, queries, { top: 5 });
  assertClose(rebuilt.raw[0].contributions, intact.raw[0].contributions, 'rebuilt');
});
