/**
 * The one set of CSV rules (src/shared/csv): the extension's records of an editor text and the engine's
 * table of the same file must agree on every field and every record's line, on the same fixtures.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parseCsvRecords, recordStartForLine } from '../../src/shared/csv/csvText';
import { delimiterOfText as detectDelimiter } from '../../src/shared/csv/csvDialect';
import { readCsvTable } from '../../src/engine/data/csvTable';
import { buildRowLookup, isRunRows } from '../../src/extension/experiments/model/rowLookup';

const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'kernel-lens-csv-'));
after(() => fs.rmSync(folder, { recursive: true, force: true }));

/** The engine's reading of `text` as a file: header, and each data record with its start line. */
async function engineReading(name: string, text: string): Promise<{ header: string[]; rows: [number, string[]][] }> {
  const file = path.join(folder, name);
  fs.writeFileSync(file, text);
  const table = await readCsvTable(file);
  return { header: table.header, rows: table.records.map((r, i): [number, string[]] => [table.lines[i], r]) };
}

/** The extension's reading of the same text. */
function extensionReading(text: string): { header: string[]; rows: [number, string[]][] } {
  const [header, ...rows] = parseCsvRecords(text);
  return { header: header.fields, rows: rows.map((r): [number, string[]] => [r.startLine, r.fields]) };
}

describe('CSV: the engine and the extension read the same records on the same lines', () => {
  const fixtures: Record<string, string> = {
    'quoted delimiter in the header': '"x,y";b\n1;2\n3;4\n',
    'CR line ends only': 'a,b\r1,2\r3,4\r',
    'CRLF with a quoted line break': 'a,b\r\n"1\r\nx",2\r\n3,4\r\n',
    'BOM and padded names': '\uFEFF a , b \n1,2\n',
    'tab delimiter, blank lines': 'a\tb\n\n1\t2\n\n3\t4\n',
    'semicolon with quotes': 'a;b\n"1;2";3\n"say ""hi""";4\n',
  };
  for (const [name, text] of Object.entries(fixtures)) {
    it(name, async () => {
      const engine = await engineReading(`${name.replace(/\W+/g, '-')}.csv`, text);
      assert.deepEqual(extensionReading(text), engine);
    });
  }

  it('a quoted delimiter in the header does not decide the delimiter', () => {
    assert.equal(detectDelimiter('"x,y";b\n1;2'), ';');
    assert.deepEqual(parseCsvRecords('"x,y";b\n1;2\n')[0].fields, ['x,y', 'b']);
  });
});

describe('extension: CSV records and the cursor line → run row mapping', () => {
  it('parses simple records with 1-based start and end lines', () => {
    const records = parseCsvRecords('a,b,c\n1,2,x\n3,4,y\n');
    assert.deepEqual(
      records.map((r) => [r.startLine, r.endLine, r.fields]),
      [
        [1, 1, ['a', 'b', 'c']],
        [2, 2, ['1', '2', 'x']],
        [3, 3, ['3', '4', 'y']],
      ],
    );
  });

  it('keeps quoted fields that span lines in one record, with escaped quotes', () => {
    const text = 'id,note,label\n1,"two\nlines",a\r\n2,"say ""hi""",b\n3,"x\n\ny",c';
    const records = parseCsvRecords(text);
    assert.deepEqual(
      records.map((r) => [r.startLine, r.endLine]),
      [
        [1, 1],
        [2, 3],
        [4, 4],
        [5, 7],
      ],
    );
    assert.equal(records[1].fields[1], 'two\nlines');
    assert.equal(records[2].fields[1], 'say "hi"');
    assert.equal(records[3].fields[2], 'c');
  });

  it('reads a file whose line ends are mixed (a CRLF file with lines edited elsewhere) one record per line', () => {
    const records = parseCsvRecords('a,b\r\n1,x\n2,y\r\n3,z\r4,w\r\n');
    assert.deepEqual(
      records.map((r) => [r.startLine, r.fields]),
      [
        [1, ['a', 'b']],
        [2, ['1', 'x']],
        [3, ['2', 'y']],
        [4, ['3', 'z']],
        [5, ['4', 'w']],
      ],
    );
  });

  it('skips blank lines and maps every line of a record to its start', () => {
    const records = parseCsvRecords('h1,h2\n\n1,"a\nb"\n\n2,c\n');
    assert.equal(recordStartForLine(records, 1), 1);
    assert.equal(recordStartForLine(records, 2), null, 'blank line');
    assert.equal(recordStartForLine(records, 3), 3);
    assert.equal(recordStartForLine(records, 4), 3, 'second line of a quoted field');
    assert.equal(recordStartForLine(records, 5), null);
    assert.equal(recordStartForLine(records, 6), 6);
    assert.equal(recordStartForLine(records, 99), null);
  });

  it('detects semicolon and tab delimiters from the header', () => {
    assert.equal(detectDelimiter('a;b;c\n1;2;3'), ';');
    assert.equal(detectDelimiter('a\tb\n1\t2'), '\t');
    assert.equal(detectDelimiter('a,b\n1,2'), ',');
    assert.deepEqual(parseCsvRecords('a;b\n"1;2";3\n')[1].fields, ['1;2', '3']);
  });

  it('finds the run row (split and index) that starts at a CSV line, across files', () => {
    const rows = {
      train: [
        { file: 'data/iris.csv', line: 2 },
        { file: 'data/iris.csv', line: 4 },
      ],
      test: [
        { file: 'data/iris.csv', line: 3 },
        { file: 'test.csv', line: 2 },
      ],
    };
    assert.ok(isRunRows(rows));
    const lookup = buildRowLookup(rows, '/ws/exp');
    assert.deepEqual(lookup.find('/ws/exp/data/iris.csv', 3), { split: 'test', row: 0 });
    assert.deepEqual(lookup.find('/ws/exp/data/../data/iris.csv', 4), { split: 'train', row: 1 });
    assert.deepEqual(lookup.find('/ws/exp/test.csv', 2), { split: 'test', row: 1 });
    assert.equal(lookup.find('/ws/exp/data/iris.csv', 1), undefined, 'the header is no row');
    assert.equal(lookup.find('/ws/other/iris.csv', 2), undefined);
    assert.deepEqual(lookup.source({ split: 'test', row: 1 }), { file: '/ws/exp/test.csv', line: 2 });
    assert.deepEqual(lookup.files.sort(), ['/ws/exp/data/iris.csv', '/ws/exp/test.csv']);
  });

  it('maps a cursor inside a multi-line record to the run row of its start line', () => {
    const text = 'note,label\n"multi\nline",a\nplain,b\n';
    const records = parseCsvRecords(text);
    const lookup = buildRowLookup({ train: [{ file: 'f.csv', line: 2 }], test: [{ file: 'f.csv', line: 4 }] }, '/w');
    const rowAt = (line: number) => {
      const start = recordStartForLine(records, line);
      return start === null ? undefined : lookup.find('/w/f.csv', start);
    };
    assert.deepEqual(rowAt(3), { split: 'train', row: 0 });
    assert.deepEqual(rowAt(4), { split: 'test', row: 0 });
    assert.equal(rowAt(1), undefined);
  });

  it('rejects malformed rows.json', () => {
    assert.equal(isRunRows({ train: [{ file: 1, line: 2 }], test: [] }), false);
    assert.equal(isRunRows({ train: [] }), false);
    assert.equal(isRunRows(null), false);
  });
});
