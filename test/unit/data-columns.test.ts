import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { inferColumnType, isMissing, parseNumber } from '../../src/engine/data/columnTypes';
import { inspectCsv } from '../../src/engine/data/inspect';

const fixture = (name: string): string => path.join(__dirname, '..', 'fixtures', 'data', name);
const sample = (name: string): string => path.join(__dirname, '..', '..', 'samples', name);

test('missing tokens and plain numbers', () => {
  for (const cell of ['', ' ', 'NA', 'NaN', '?', ' NA ']) assert.ok(isMissing(cell), JSON.stringify(cell));
  for (const cell of ['0', 'na', 'none', '-']) assert.ok(!isMissing(cell), cell);
  assert.equal(parseNumber(' 1.5 '), 1.5);
  assert.equal(parseNumber('-2e3'), -2000);
  assert.equal(parseNumber('.5'), 0.5);
  for (const cell of ['0x10', 'Infinity', '1,5', '', 'abc', '1e999']) assert.equal(parseNumber(cell), null, cell);
});

test('numeric, numeric with bad values (>= 90%), categorical, overrides', () => {
  assert.deepEqual(inferColumnType(['1', 'NA', '2.5']), { type: 'numeric', firstBad: null });
  const nine = ['1', '2', '3', '4', '5', '6', '7', '8', '9', 'x'];
  assert.deepEqual(inferColumnType(nine), { type: 'numeric', firstBad: 9 });
  assert.equal(inferColumnType(['1', 'a', 'b']).type, 'categorical');
  assert.equal(inferColumnType(['1', '2'], 'categorical').type, 'categorical');
  assert.deepEqual(inferColumnType(['1', 'a', 'b'], 'numeric'), { type: 'numeric', firstBad: 1 });
});

test('inspect penguins: types, missing counts, stats, suggested target', async () => {
  const schema = await inspectCsv(sample('penguins.csv'));
  assert.equal(schema.rows, 344);
  assert.equal(schema.suggestedTarget, 'year');
  const byName = new Map(schema.columns.map((c) => [c.name, c]));
  assert.equal(byName.get('species')?.type, 'categorical');
  assert.deepEqual([...(byName.get('species')?.categories ?? [])].sort(), ['Adelie', 'Chinstrap', 'Gentoo']);
  assert.equal(byName.get('island')?.distinct, 3);
  const bill = byName.get('bill_length_mm');
  assert.equal(bill?.type, 'numeric');
  assert.ok((bill?.missing ?? 0) > 0, 'penguins has NA bill lengths');
  assert.ok(bill?.min !== undefined && bill.max !== undefined && bill.mean !== undefined);
  assert.ok(bill.min < bill.mean && bill.mean < bill.max);
  assert.ok((byName.get('sex')?.missing ?? 0) > (bill?.missing ?? 0));
});

test('inspect reports the first bad value of a numeric column instead of throwing', async () => {
  const schema = await inspectCsv(fixture('text-numeric.csv'));
  const y = schema.columns.find((c) => c.name === 'y');
  assert.equal(y?.type, 'numeric');
  // Row i = 12 of the fixture is on line 14 (header is line 1).
  assert.deepEqual(y?.badValue, { line: 14, value: 'oops' });
  assert.equal(schema.suggestedTarget, 'label');
});
