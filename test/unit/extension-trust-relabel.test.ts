import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { cellSpans, csvCell } from '../../src/shared/csv/csvCells';
import { csvPatch, labelEdits } from '../../src/extension/trust/relabel';
import { experimentSchema } from '../../src/engine/data/experimentSchema';

// "Relabel as …" and "Copy as CSV Patch": one cell changes, the rest of the line stays byte for byte.

describe('cellSpans', () => {
  it('finds each cell with its quotes, undoing doubled quotes', () => {
    const line = 'a,"b, c","say ""hi""",,last\r';
    const cells = cellSpans(line, ',');
    assert.deepEqual(
      cells?.map((c) => c.value),
      ['a', 'b, c', 'say "hi"', '', 'last'],
    );
    assert.deepEqual(
      cells?.map((c) => line.slice(c.start, c.end)),
      ['a', '"b, c"', '"say ""hi"""', '', 'last'],
    );
    assert.deepEqual(
      cellSpans('1;2;x', ';')?.map((c) => c.value),
      ['1', '2', 'x'],
    );
  });
  it('says null for a quoted cell that runs onto the next line', () => {
    assert.equal(cellSpans('1,"two', ','), null);
  });
  it('quotes a written value only when CSV needs it', () => {
    assert.equal(csvCell('setosa', ','), 'setosa');
    assert.equal(csvCell('a,b', ','), '"a,b"');
    assert.equal(csvCell('a,b', ';'), 'a,b');
    assert.equal(csvCell('say "x"', ','), '"say ""x"""');
    assert.equal(csvCell(' padded', ','), '" padded"');
  });
});

/** The file after `git apply` of the patch in a scratch folder. */
function applied(name: string, text: string, patch: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-patch-'));
  try {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
    fs.writeFileSync(path.join(dir, 'relabel.patch'), patch);
    execFileSync('git', ['apply', 'relabel.patch'], { cwd: dir });
    return fs.readFileSync(path.join(dir, name), 'utf8');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const IRIS = 'sepal,petal,"species"\n5.1,1.4,setosa\n6.3,"4,9",versicolor\n5.9,5.1,virginica\n';

describe('labelEdits and csvPatch', () => {
  it('edits only the label cell, quoting the new label when needed', () => {
    const [edit] = labelEdits(IRIS, 'iris.csv', 'species', [{ line: 3, label: 'versicolor', suggested: 'vir,ginica' }]);
    assert.equal(edit.before, '6.3,"4,9",versicolor');
    assert.equal(edit.after, '6.3,"4,9","vir,ginica"');
  });
  it('refuses, naming file and line, a row whose label changed since the ranking, a missing column, a line past the end', () => {
    assert.throws(
      () => labelEdits(IRIS, 'iris.csv', 'species', [{ line: 2, label: 'virginica', suggested: 'x' }]),
      /iris\.csv:2 now holds "setosa"/,
    );
    assert.throws(
      () => labelEdits(IRIS, 'iris.csv', 'kind', [{ line: 2, label: 'setosa', suggested: 'x' }]),
      /iris\.csv has no column "kind"/,
    );
    assert.throws(
      () => labelEdits(IRIS, 'iris.csv', 'species', [{ line: 9, label: 'setosa', suggested: 'x' }]),
      /iris\.csv:9 is past the end/,
    );
    assert.throws(
      () => labelEdits('a,b\n"x\ny",1\n', 'two.csv', 'b', [{ line: 2, label: '1', suggested: '2' }]),
      /two\.csv:2: the row continues on the next line/,
    );
  });
  it('marks a last line without a line break on both sides of the change', () => {
    const text = 'a,b\n1,x\n2,y';
    const patch = csvPatch('t.csv', text, labelEdits(text, 't.csv', 'b', [{ line: 3, label: 'y', suggested: 'z' }]));
    assert.match(patch, /-2,y\n\\ No newline at end of file\n\+2,z\n\\ No newline at end of file\n$/);
    assert.equal(applied('t.csv', text, patch), 'a,b\n1,x\n2,z');
  });
  it('keeps the line ends of a CRLF file in its patch, so git apply takes it', () => {
    const text = IRIS.replace(/\n/g, '\r\n');
    const patch = csvPatch(
      'iris.csv',
      text,
      labelEdits(text, 'iris.csv', 'species', [{ line: 3, label: 'versicolor', suggested: 'setosa' }]),
    );
    assert.equal(applied('iris.csv', text, patch), text.replace('"4,9",versicolor', '"4,9",setosa'));
  });
  it('writes a patch that git apply accepts and that relabels exactly those rows', () => {
    const edits = labelEdits(IRIS, 'data/iris.csv', 'species', [
      { line: 4, label: 'virginica', suggested: 'versicolor' },
      { line: 2, label: 'setosa', suggested: 'virginica' },
    ]);
    const patch = csvPatch('data/iris.csv', IRIS, edits);
    assert.match(patch, /^--- a\/data\/iris\.csv\n\+\+\+ b\/data\/iris\.csv\n@@ -1,4 \+1,4 @@\n/);
    assert.equal(
      applied('data/iris.csv', IRIS, patch),
      'sepal,petal,"species"\n5.1,1.4,virginica\n6.3,"4,9",versicolor\n5.9,5.1,versicolor\n',
    );
  });
});

describe('the experiment file keeps ignored rows', () => {
  it('accepts suspects.ignore and refuses a malformed entry', () => {
    const base = { dataset: { train: 'iris.csv', target: 'species' } };
    assert.ok(experimentSchema.safeParse({ ...base, suspects: { ignore: [{ file: 'iris.csv', line: 21 }] } }).success);
    assert.equal(experimentSchema.safeParse({ ...base, suspects: { ignore: [{ file: 'iris.csv', line: 0 }] } }).success, false);
    assert.equal(experimentSchema.safeParse({ ...base, suspects: { ignored: [] } }).success, false);
  });
});
