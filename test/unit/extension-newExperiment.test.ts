/** New Experiment's reading of a CSV: pixel grids offered as images, and how a target would be learnt. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ColumnSchema } from '../../src/protocol';
import { inspectCsv } from '../../src/engine/data/inspect';
import { validateExperimentFile } from '../../src/engine/data/experimentFile';
import { pixelGrid } from '../../src/extension/experiments/model/pixelGrid';
import { targetDescription } from '../../src/extension/experiments/model/targetKind';
import { defaultExperiment, pixelCsvExperiment } from '../../src/extension/experiments/model/defaultExperiments';

const SAMPLES = path.resolve(__dirname, '..', '..', 'samples');
const numeric = (name: string, index = 0): ColumnSchema => ({
  name,
  index,
  type: 'numeric',
  missing: 0,
  distinct: 2,
  integer: true,
  min: 0,
  max: 1,
});

test('the bundled pixel CSVs are found as 8×8 and 14×14 grids; iris and breast-cancer are not', async () => {
  const digits = await inspectCsv(path.join(SAMPLES, 'digits.csv'));
  assert.deepEqual({ ...pixelGrid(digits.columns, 'digit'), columns: undefined }, { width: 8, height: 8, columns: undefined });
  assert.equal(pixelGrid(digits.columns, 'digit')?.columns.length, 64);
  const fashion = await inspectCsv(path.join(SAMPLES, 'fashion14.csv'));
  assert.deepEqual([pixelGrid(fashion.columns, 'item')?.width, pixelGrid(fashion.columns, 'item')?.height], [14, 14]);
  for (const [file, target] of [
    ['iris.csv', 'species'],
    ['breast-cancer.csv', 'diagnosis'],
  ]) {
    const schema = await inspectCsv(path.join(SAMPLES, file));
    assert.equal(pixelGrid(schema.columns, target), null, file);
  }
});

test('a pixel grid needs a whole grid of row/column names, or a square count of numbered columns', () => {
  const grid = (names: string[]) =>
    pixelGrid(
      names.map((n, i) => numeric(n, i)),
      'label',
    );
  const rc = Array.from({ length: 16 }, (_, k) => `px_${Math.floor(k / 4)}_${k % 4}`);
  assert.deepEqual(grid([...rc, 'label'])?.width, 4);
  assert.equal(grid(rc.slice(1)), null, 'a missing pixel');
  const wide = Array.from({ length: 24 }, (_, k) => `pixel_${Math.floor(k / 6)}_${k % 6}`);
  assert.deepEqual([grid(wide)?.width, grid(wide)?.height], [6, 4], 'rows and columns from the names');
  const numbered = Array.from({ length: 25 }, (_, k) => `p${k + 1}`);
  assert.deepEqual([grid(['id', ...numbered])?.width, grid(numbered)?.columns.length], [5, 25]);
  assert.equal(grid(Array.from({ length: 24 }, (_, k) => `p${k}`)), null, 'not a square');
  assert.equal(grid(Array.from({ length: 9 }, (_, k) => `p${k}`)), null, 'too small to be an image');
  assert.equal(grid(['p0', 'p1', 'p2', 'p5', ...Array.from({ length: 12 }, (_, k) => `p${k + 6}`)]), null, 'not numbered in a run');
});

test('a pixel CSV experiment reads the pixels as images (other columns ignored) and validates', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-newexp-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const header = ['id', ...Array.from({ length: 16 }, (_, k) => `pixel_${Math.floor(k / 4)}_${k % 4}`), 'digit'];
  const rows = Array.from({ length: 40 }, (_, r) => [
    String(r),
    ...Array.from({ length: 16 }, (_, k) => String((r * 7 + k) % 17)),
    String(r % 3),
  ]);
  fs.writeFileSync(path.join(dir, 'tiny.csv'), [header, ...rows].map((r) => r.join(',')).join('\n') + '\n');
  const schema = await inspectCsv(path.join(dir, 'tiny.csv'));
  const grid = pixelGrid(schema.columns, 'digit');
  assert.ok(grid);
  const config = pixelCsvExperiment(defaultExperiment('tiny.csv', 'digit', schema), grid, schema);
  assert.deepEqual(config.dataset.image, { width: 4, height: 4 });
  assert.deepEqual(config.dataset.ignore, ['id']);
  assert.equal(config.model?.layers?.[0]?.type, 'conv2d');
  const file = path.join(dir, 'tiny.kernel.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const validation = await validateExperimentFile(file);
  assert.deepEqual(validation.errors, []);
});

test('the target is described as it will be learnt: classes for text and few whole numbers, else a number', async () => {
  const digits = await inspectCsv(path.join(SAMPLES, 'digits.csv'));
  const digit = digits.columns.find((c) => c.name === 'digit') as ColumnSchema;
  assert.equal(targetDescription(digit), 'whole numbers, 0 to 9: 10 values, learnt as 10 classes');
  const diabetes = await inspectCsv(path.join(SAMPLES, 'diabetes.csv'));
  const progression = diabetes.columns[diabetes.columns.length - 1];
  assert.match(targetDescription(progression), /learnt as a number \(regression\)$/);
  const iris = await inspectCsv(path.join(SAMPLES, 'iris.csv'));
  assert.equal(targetDescription(iris.columns.find((c) => c.name === 'species') as ColumnSchema), 'categorical, 3 classes');
});
