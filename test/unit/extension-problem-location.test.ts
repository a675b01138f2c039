import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closestNames, csvCellSpan, jsonFieldSpan } from '../../src/extension/training/problemLocation';
import { errorLocationOf } from '../../src/extension/engine/engineErrors';
import { toResponseError } from '../../src/engine/server/requestError';
import { UserError } from '../../src/engine/errors';

// Data and experiment errors become diagnostics: where they sit, and what a misspelt column most likely meant.

describe('jsonFieldSpan', () => {
  const text = '{\n  "dataset": {\n    "target": "Specie",\n    "columns": { "petal": "numeric" },\n    "ignore": ["a", "b"]\n  }\n}\n';
  it('spans the value at a path, and the key under dataset.columns', () => {
    const target = jsonFieldSpan(text, ['dataset', 'target']);
    assert.deepEqual(target, { line: 2, start: 14, end: 22 });
    assert.equal(text.split('\n')[2].slice(14, 22), '"Specie"');
    const column = jsonFieldSpan(text, ['dataset', 'columns', 'petal']);
    assert.equal(text.split('\n')[3].slice(column?.start, column?.end), '"petal"');
    const ignored = jsonFieldSpan(text, ['dataset', 'ignore', 1]);
    assert.equal(text.split('\n')[4].slice(ignored?.start, ignored?.end), '"b"');
  });
  it('is null for a path the file no longer has', () => {
    assert.equal(jsonFieldSpan(text, ['dataset', 'test']), null);
  });
});

describe('csvCellSpan', () => {
  it('spans the named cell of the line, quotes included, else the whole line', () => {
    const text = 'a,"b c",d\r\n1,"x, y",3\r\n';
    const span = csvCellSpan(text, 2, 'b c');
    assert.deepEqual(span, { line: 1, start: 2, end: 8 });
    assert.equal(csvCellSpan(text, 2, 'nope').end, Number.MAX_SAFE_INTEGER);
    assert.equal(csvCellSpan(text, 2, undefined).start, 0);
  });
});

describe('closestNames', () => {
  it('ranks by edits, ignoring case, then by file order', () => {
    assert.deepEqual(closestNames('Specie', ['sepal_length_cm', 'petal_width_cm', 'species'], 1), ['species']);
    assert.deepEqual(closestNames('PETAL', ['sepal', 'petal']), ['petal', 'sepal']);
    assert.deepEqual(closestNames('x', ['a', 'b', 'c', 'd'], 2), ['a', 'b']);
  });
});

describe('error locations across the process boundary', () => {
  it('the engine sends where a user error is as the error data, and the extension reads it back checked', () => {
    const error = new UserError('dataset.target: column "Specie" not found', {
      file: 'iris.kernel.json',
      field: ['dataset', 'target'],
      choices: ['species'],
    });
    const response = toResponseError(error, 'run/train');
    const location = errorLocationOf(response.data);
    assert.ok(location);
    assert.ok(location.file.endsWith('iris.kernel.json') && location.file.startsWith('/'), 'absolute file');
    assert.deepEqual(location.field, ['dataset', 'target']);
    assert.deepEqual(location.choices, ['species']);
    assert.equal(errorLocationOf({ file: 3 }), null);
    assert.deepEqual(errorLocationOf({ file: '/x.csv', line: -2, column: 5, field: [{}] }), {
      file: '/x.csv',
      line: undefined,
      column: undefined,
      field: undefined,
      choices: undefined,
    });
  });
});
