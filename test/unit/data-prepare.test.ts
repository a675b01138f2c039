import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { readExperiment } from '../../src/engine/data/experimentFile';
import { largestRemainder } from '../../src/engine/data/holdout';
import { encodeCsvRows, prepareData, prepareDataWithPreprocessing } from '../../src/engine/data/prepare';
import type { DataMatrix, PreparedData, ResolvedExperiment } from '../../src/engine/data/preparedData';
import { sortClasses } from '../../src/engine/data/targetEncoding';
import { sha256File } from '../../src/engine/data/fileDigest';
import { userError } from '../helpers/userError';

const fixtureDir = path.join(__dirname, '..', 'fixtures', 'data');
const fixture = (name: string): string => path.join(fixtureDir, name);

async function prepared(name: string, edit?: (e: ResolvedExperiment) => void): Promise<PreparedData> {
  const experiment = await readExperiment(fixture(name));
  edit?.(experiment);
  return prepareData(experiment);
}

function column(m: DataMatrix, features: number, j: number): number[] {
  return Array.from({ length: m.count }, (_, r) => m.x[r * features + j]);
}

function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { mean, std: Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length) };
}

function countBy(items: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(item, (counts.get(item) ?? 0) + 1);
  return counts;
}

test('iris: stratified holdout of ceil(0.2 × 150) = 30 rows, 10 per class, file order kept', async () => {
  const data = await prepared('iris.kernel.json');
  assert.equal(data.test.count, 30);
  assert.equal(data.train.count, 120);
  assert.deepEqual([...countBy(data.test.labels)].sort(), [
    ['setosa', 10],
    ['versicolor', 10],
    ['virginica', 10],
  ]);
  assert.deepEqual(data.preprocessing.classes, ['setosa', 'versicolor', 'virginica']);
  assert.equal(data.preprocessing.task, 'multiclass');
  assert.equal(data.outputCount, 3);
  for (const m of [data.train, data.test]) {
    const lines = m.rows.map((r) => r.line as number);
    assert.deepEqual(
      lines,
      [...lines].sort((a, b) => a - b),
      'file order',
    );
    for (const row of m.rows) assert.equal(row.file, '../../../samples/iris.csv');
    m.labels.forEach((label, i) => assert.equal(data.preprocessing.classes?.[m.y[i]], label));
  }
  const all = new Set([...data.train.rows, ...data.test.rows].map((r) => r.line));
  assert.equal(all.size, 150, 'disjoint splits covering every row');
  assert.ok(all.has(2) && all.has(151));
  // Raw cells match the line they claim to come from.
  const fileLines = readFileSync(path.join(__dirname, '..', '..', 'samples', 'iris.csv'), 'utf8').split(/\r?\n/);
  data.test.rows.forEach((row, i) => assert.equal(fileLines[(row.line as number) - 1], data.test.raw[i].join(',')));
});

test('the split is deterministic for a seed and changes with it', async () => {
  const lines = (d: PreparedData): number[] => d.test.rows.map((r) => r.line as number);
  const a = await prepared('iris.kernel.json');
  const b = await prepared('iris.kernel.json');
  assert.deepEqual(lines(a), lines(b));
  assert.deepEqual(Array.from(a.train.x), Array.from(b.train.x));
  const c = await prepared('iris.kernel.json', (e) => (e.training.seed = 2));
  assert.notDeepEqual(lines(a), lines(c));
  assert.equal(c.test.count, 30);
});

test('largest-remainder allocation', () => {
  assert.deepEqual(largestRemainder([50, 50, 50], 30), [10, 10, 10]);
  assert.deepEqual(largestRemainder([1, 1], 1), [1, 0], 'tie goes to the lower class');
  assert.deepEqual(largestRemainder([5, 3, 2], 3), [1, 1, 1], 'exact 1.5, 0.9, 0.6');
  assert.deepEqual(largestRemainder([7, 2, 1], 5), [4, 1, 0], 'exact 3.5, 1, 0.5: the tie goes to the lower class');
  const q = largestRemainder([152, 68, 124], 69);
  assert.equal(
    q.reduce((a, b) => a + b, 0),
    69,
  );
});

test('numeric inputs are standardized with the training split: mean 0, population std 1', async () => {
  for (const name of ['iris.kernel.json', 'diabetes.kernel.json']) {
    const data = await prepared(name);
    for (let j = 0; j < data.featureCount; j++) {
      const { mean, std } = meanStd(column(data.train, data.featureCount, j));
      assert.ok(Math.abs(mean) < 1e-5, `${name} feature ${j} mean ${mean}`);
      assert.ok(Math.abs(std - 1) < 1e-5, `${name} feature ${j} std ${std}`);
    }
  }
});

test('diabetes: regression with the target standardized on the training split', async () => {
  const data = await prepared('diabetes.kernel.json');
  assert.equal(data.preprocessing.task, 'regression');
  assert.equal(data.preprocessing.classes, null);
  assert.equal(data.outputCount, 1);
  assert.equal(data.test.count, Math.ceil(0.25 * 442));
  assert.ok(data.train.y instanceof Float32Array);
  const scale = meanStd(data.train.labels.map(Number));
  assert.ok(Math.abs((data.preprocessing.targetScale?.mean ?? 0) - scale.mean) < 1e-9);
  assert.ok(Math.abs((data.preprocessing.targetScale?.std ?? 0) - scale.std) < 1e-9);
  const y = meanStd(Array.from(data.train.y));
  assert.ok(Math.abs(y.mean) < 1e-5 && Math.abs(y.std - 1) < 1e-5);
});

test('penguins: target in the first column, one-hot categories from the training split, imputation', async () => {
  const data = await prepared('penguins.kernel.json');
  const pre = data.preprocessing;
  assert.equal(pre.target, 'species');
  assert.deepEqual(pre.classes, ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.ok(pre.featureNames.includes('bill_length_mm'));
  assert.deepEqual(
    pre.featureNames.filter((f) => f.startsWith('island=')),
    ['island=Biscoe', 'island=Dream', 'island=Torgersen'],
  );
  assert.deepEqual(
    pre.featureNames.filter((f) => f.startsWith('sex=')),
    ['sex=female', 'sex=male'],
  );
  assert.equal(pre.featureNames.length, data.featureCount);

  const header = pre.header;
  const sexCol = header.indexOf('sex');
  const billCol = header.indexOf('bill_length_mm');
  const trainSex = data.train.raw.map((r) => r[sexCol]).filter((v) => v !== 'NA');
  const counts = countBy(trainSex);
  const mostFrequent = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
  const sexEncoding = pre.columns.find((c) => c.name === 'sex');
  assert.equal(sexEncoding?.type === 'categorical' && sexEncoding.impute, mostFrequent);

  const f = data.featureCount;
  const female = pre.featureNames.indexOf('sex=female');
  const bill = pre.featureNames.indexOf('bill_length_mm');
  let imputedSex = 0;
  let imputedBill = 0;
  for (let r = 0; r < data.train.count; r++) {
    const oneHot = [data.train.x[r * f + female], data.train.x[r * f + female + 1]];
    assert.equal(oneHot[0] + oneHot[1], 1, 'one category set');
    if (data.train.raw[r][sexCol] === 'NA') {
      imputedSex++;
      assert.equal(oneHot[mostFrequent === 'female' ? 0 : 1], 1);
    }
    if (data.train.raw[r][billCol] === 'NA') {
      imputedBill++;
      assert.ok(Math.abs(data.train.x[r * f + bill]) < 1e-6, 'imputed mean encodes as 0');
    }
  }
  assert.ok(imputedSex > 0 && imputedBill > 0, 'the fixture exercises imputation');
  const billStats = meanStd(
    data.train.raw
      .map((r) => r[billCol])
      .filter((v) => v !== 'NA')
      .map(Number),
  );
  const billEncoding = pre.columns.find((c) => c.name === 'bill_length_mm');
  assert.ok(
    billEncoding?.type === 'numeric' &&
      Math.abs(billEncoding.mean - billStats.mean) < 1e-9 &&
      Math.abs(billEncoding.std - billStats.std) < 1e-9,
  );
});

test('binary and integer-class tasks; numeric class labels sort numerically', async () => {
  const samples = path.join(__dirname, '..', '..', 'samples');
  const cancer = await prepared('iris.kernel.json', (e) => {
    e.dir = samples;
    e.dataset.train = 'breast-cancer.csv';
    e.dataset.target = 'diagnosis';
  });
  assert.equal(cancer.preprocessing.task, 'binary');
  assert.equal(cancer.preprocessing.positiveClass, cancer.preprocessing.classes?.[1]);
  assert.equal(cancer.outputCount, 1);
  const digits = await prepared('iris.kernel.json', (e) => {
    e.dir = samples;
    e.dataset.train = 'digits.csv';
    e.dataset.target = 'digit';
  });
  assert.equal(digits.preprocessing.task, 'multiclass');
  assert.deepEqual(digits.preprocessing.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.equal(digits.featureCount, 64);
  assert.deepEqual(sortClasses(['10', '2', '1']), ['1', '2', '10']);
  assert.deepEqual(sortClasses(['b', 'B', 'a']), ['B', 'a', 'b']);
  const regression = await prepared('iris.kernel.json', (e) => {
    e.dataset.target = 'petal_length_cm';
  });
  assert.equal(regression.preprocessing.task, 'regression');
  assert.ok(regression.preprocessing.featureNames.includes('species=setosa'));
  const overridden = await prepared('iris.kernel.json', (e) => {
    e.dataset.target = 'petal_length_cm';
    e.dataset.task = 'multiclass';
  });
  assert.equal(overridden.preprocessing.task, 'multiclass');
});

test('ignore and column type overrides', async () => {
  const data = await prepared('penguins.kernel.json', (e) => {
    e.dataset.ignore = ['island'];
    e.dataset.columns = { year: 'categorical' };
  });
  assert.ok(!data.preprocessing.featureNames.some((f) => f.startsWith('island')));
  assert.deepEqual(
    data.preprocessing.featureNames.filter((f) => f.startsWith('year')),
    ['year=2007', 'year=2008', 'year=2009'],
  );
});

test('missing-value policies', async () => {
  // missing.csv: 7 records; the one on line 7 has no label; lines 3-6 miss an input.
  const impute = await prepared('missing-impute.kernel.json');
  assert.equal(impute.train.count + impute.test.count, 6);
  const drop = await prepared('missing-drop.kernel.json');
  assert.deepEqual([...drop.train.rows, ...drop.test.rows].map((r) => r.line).sort(), [2, 8]);
  const error = await userError(prepared('missing-error.kernel.json'));
  assert.match(error.message, /missing\.csv:3, column "num": missing value/);
});

test('a second test file: columns matched by name, unseen category encodes as zeros, missing input imputed', async () => {
  const data = await prepared('test-file.kernel.json');
  assert.equal(data.train.count, 4);
  assert.equal(data.test.count, 2);
  assert.deepEqual(data.test.rows, [
    { file: 'test-small.csv', line: 2 },
    { file: 'test-small.csv', line: 3 },
  ]);
  assert.deepEqual(data.preprocessing.featureNames, ['x', 'color=blue', 'color=red']);
  const x = Array.from(data.test.x);
  const scale = meanStd([1, 2, 3, 4]);
  assert.ok(Math.abs(x[0] - (5 - scale.mean) / scale.std) < 1e-6);
  assert.deepEqual(x.slice(1, 3), [0, 0], 'green is unseen');
  assert.ok(Math.abs(x[3]) < 1e-6, 'missing x imputed with the training mean');
  assert.deepEqual(x.slice(4, 6), [0, 1]);
  assert.deepEqual(
    data.files.map((f) => f.file),
    ['train-small.csv', 'test-small.csv'],
  );
  for (const record of data.files) {
    const abs = fixture(record.file);
    assert.equal(record.size, statSync(abs).size);
    assert.equal(record.sha256, createHash('sha256').update(readFileSync(abs)).digest('hex'));
  }
  assert.equal(await sha256File(fixture('train-small.csv')), data.files[0].sha256);
});

test('encodeCsvRows encodes any CSV with the input columns; frozen preprocessing reproduces the matrices', async () => {
  const data = await prepared('test-file.kernel.json');
  const inputs = await encodeCsvRows(fixture('inputs.csv'), data.preprocessing, fixtureDir);
  assert.equal(inputs.count, 2);
  assert.deepEqual(inputs.labels, ['', '']);
  assert.deepEqual(Array.from(inputs.y), [-1, -1]);
  assert.deepEqual(inputs.rows, [
    { file: 'inputs.csv', line: 2 },
    { file: 'inputs.csv', line: 3 },
  ]);
  assert.deepEqual(Array.from(inputs.x.slice(1, 3)), [1, 0]);
  assert.deepEqual(Array.from(inputs.x.slice(4, 6)), [0, 0], 'purple is unseen');
  assert.deepEqual(inputs.raw[1], ['9', 'purple', ''], 'raw cells in the training header order');
  const again = await encodeCsvRows(fixture('test-small.csv'), data.preprocessing, fixtureDir);
  assert.deepEqual(Array.from(again.x), Array.from(data.test.x));
  assert.deepEqual(Array.from(again.y), Array.from(data.test.y));
  const noColor = await userError(encodeCsvRows(fixture('one-class.csv'), data.preprocessing, fixtureDir));
  assert.match(noColor.message, /one-class\.csv:1: column "color" used by the model is missing/);

  const iris = await readExperiment(fixture('iris.kernel.json'));
  const first = await prepareData(iris);
  const frozen = await prepareDataWithPreprocessing(iris, first.preprocessing);
  assert.deepEqual(frozen.preprocessing, first.preprocessing);
  assert.deepEqual(Array.from(frozen.train.x), Array.from(first.train.x));
  assert.deepEqual(frozen.test.rows, first.test.rows);
});

test('bad inputs name the file and line, column or key', async () => {
  const cases: [string, RegExp][] = [
    [
      'unknown-target.kernel.json',
      /unknown-target\.kernel\.json: dataset\.target: column "Species" not found in .*iris\.csv; columns: .*species/,
    ],
    ['missing-file.kernel.json', /no-such-file\.csv: file not found/],
    ['few-rows.kernel.json', /few-rows\.kernel\.json: only 2 training rows, fewer than training\.batchSize \(32\)/],
    ['one-class.kernel.json', /one-class\.csv, column "label": the target has one class/],
    ['text-numeric.kernel.json', /text-numeric\.csv:14, column "y": text in a numeric column: "oops"/],
    [
      'wrong-test-columns.kernel.json',
      /test-wrong-columns\.csv:1: the test file must have the columns of .*train-small\.csv: missing color/,
    ],
  ];
  for (const [name, pattern] of cases) {
    const error = await userError(prepared(name));
    assert.match(error.message, pattern, name);
  }
  const typo = await userError(prepared('iris.kernel.json', (e) => (e.dataset.ignore = ['sepal'])));
  assert.match(typo.message, /dataset\.ignore\.0: column "sepal" not found/);
});
