import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readCsvTable, readCsvHeader } from '../../src/engine/data/csvTable';
import { UserError } from '../../src/engine/errors';

const fixture = (name: string): string => path.join(__dirname, '..', 'fixtures', 'data', name);

/** Asserts the promise rejects with a UserError whose message names the file and matches `pattern`. */
async function rejectsUser(promise: Promise<unknown>, file: string, pattern: RegExp): Promise<UserError> {
  const error = await promise.then(
    () => assert.fail('expected a UserError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UserError, `not a UserError: ${String(error)}`);
  assert.ok(error.message.includes(file), `message does not name ${file}: ${error.message}`);
  assert.match(error.message, pattern);
  assert.ok(!error.message.includes('\n'), 'one line');
  return error;
}

test('semicolon delimiter, quoted delimiter and doubled quotes', async () => {
  const table = await readCsvTable(fixture('semicolon.csv'));
  assert.equal(table.delimiter, ';');
  assert.deepEqual(table.header, ['name', 'size', 'label']);
  assert.deepEqual(table.records[0], ['a;b', '1,5', 'x']);
  assert.equal(table.records[2][0], 'd "q"');
  assert.deepEqual(table.lines, [2, 3, 4]);
});

test('tab delimiter wins over a comma inside quotes', async () => {
  const table = await readCsvTable(fixture('tab.csv'));
  assert.equal(table.delimiter, '\t');
  assert.deepEqual(table.records[0], ['1', '2,5', 'a']);
});

test('a quoted multi-line field reports the line where its record starts; empty lines are skipped', async () => {
  const table = await readCsvTable(fixture('quoted-newline.csv'));
  assert.equal(table.records.length, 4);
  assert.equal(table.records[1][1], 'line one\nline two, with comma\nline three');
  assert.deepEqual(table.lines, [2, 3, 6, 8]);
  assert.deepEqual(table.records[3], ['4', 'last', '40']);
});

test('UTF-8 BOM and CRLF, with a CRLF inside a quoted field', async () => {
  const table = await readCsvTable(fixture('bom-crlf.csv'));
  assert.deepEqual(table.header, ['a', 'b', 'c']);
  assert.equal(table.records[1][1], 'multi\r\nline');
  assert.deepEqual(table.lines, [2, 3, 5]);
  assert.deepEqual(table.records[2], ['5', '6', 'p']);
});

test('header only read', async () => {
  const { header, delimiter } = await readCsvHeader(fixture('semicolon.csv'));
  assert.deepEqual(header, ['name', 'size', 'label']);
  assert.equal(delimiter, ';');
});

test('ragged row names its line and field counts', async () => {
  await rejectsUser(readCsvTable(fixture('ragged.csv')), 'ragged.csv', /:17: 5 fields, expected 4$/);
});

test('unclosed quote names the line where the record starts', async () => {
  await rejectsUser(readCsvTable(fixture('unclosed-quote.csv')), 'unclosed-quote.csv', /:3: unparsable CSV/);
});

test('empty file, header only, missing file, bad header names', async () => {
  await rejectsUser(readCsvTable(fixture('empty.csv')), 'empty.csv', /empty file/);
  await rejectsUser(readCsvTable(fixture('header-only.csv')), 'header-only.csv', /:1: header only/);
  await rejectsUser(readCsvTable(fixture('no-such.csv')), 'no-such.csv', /file not found/);
  await rejectsUser(readCsvTable(fixture('duplicate-header.csv')), 'duplicate-header.csv', /:1: duplicate column name "a"/);
  await rejectsUser(readCsvTable(fixture('empty-header.csv')), 'empty-header.csv', /:1: empty column name/);
});

test('every sample parses with one record per data line', async () => {
  for (const name of ['iris', 'breast-cancer', 'digits', 'diabetes', 'penguins']) {
    const table = await readCsvTable(path.join(__dirname, '..', '..', 'samples', `${name}.csv`));
    assert.equal(table.delimiter, ',');
    assert.ok(table.records.length > 100, name);
    assert.deepEqual(
      table.lines,
      table.records.map((_, i) => i + 2),
      name,
    );
  }
});
