import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempWorkspace, writeExperiment } from '../helpers/experiments';

const ROOT = path.resolve(__dirname, '..', '..');
const ENGINE = path.join(ROOT, 'dist', 'engine.js');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'data');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [ENGINE, ...args, '--backend', 'wasm'], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Every bad input gives a non-zero exit and one clear line on stderr (plus the backend line), never a stack trace. */
function assertOneClearLine(result: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(result.status, 0);
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('backend:'));
  assert.equal(lines.length, 1, `one line, got:\n${result.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at .+:\d+:\d+/, 'no stack trace');
}

test('train → explain round trip through the CLI, with the JSON shape of the issue', () => {
  const dir = tempWorkspace(['iris.csv']);
  const file = writeExperiment(dir, 'iris', {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 8, activation: 'tanh' }] },
    training: { optimizer: 'sgd', learningRate: 0.1, epochs: 5, batchSize: 16, seed: 1 },
  });
  const trained = cli('train', file);
  assert.equal(trained.status, 0, trained.stderr);
  const runDir = trained.stdout.trim().split('\n').pop() as string;
  assert.ok(path.isAbsolute(runDir) && fs.existsSync(path.join(runDir, 'run.json')));
  assert.match(trained.stderr, /epoch 5\/5/);
  const explained = cli('explain', runDir, '--row', '3', '--json', '--top', '4');
  assert.equal(explained.status, 0, explained.stderr);
  const e = JSON.parse(explained.stdout);
  for (const key of [
    'run',
    'split',
    'row',
    'file',
    'line',
    'label',
    'prediction',
    'output',
    'network',
    'bias',
    'kernelMachine',
    'residual',
    'backend',
    'contributions',
    'rest',
  ]) {
    assert.ok(key in e, `missing ${key}`);
  }
  assert.equal(e.split, 'test');
  assert.equal(e.row, 3);
  assert.equal(e.backend, 'wasm');
  assert.equal(e.contributions.length, 4);
  assert.equal(e.rest.count, 120 - 4);
  const sum = e.contributions.reduce((a: number, c: { contribution: number }) => a + c.contribution, 0) + e.rest.sum;
  assert.ok(Math.abs(e.bias + sum - e.kernelMachine) < 1e-9);
  assert.ok(e.residual.rel <= 1e-3);
  for (const c of e.contributions) {
    assert.equal(c.file, 'iris.csv');
    assert.ok(c.line >= 2 && c.kernel !== null);
  }
  const sorted = e.contributions.map((c: { contribution: number }) => Math.abs(c.contribution));
  assert.deepEqual(
    sorted,
    [...sorted].sort((a: number, b: number) => b - a),
  );
  // The table view names supporters, opposers and the units in words.
  const table = cli('explain', runDir, '--row', '3', '--margin', '--top', '3');
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /margin/);
  assert.match(table.stdout, /Supporters/);
  assert.match(table.stdout, /Opposers/);
  assert.match(table.stdout, /iris\.csv:\d+/);
  // A row of another CSV with the training columns.
  const input = cli('explain', runDir, '--input', path.join(dir, 'iris.csv'), '--row', '0', '--json', '--top', '1');
  assert.equal(input.status, 0, input.stderr);
  assert.equal(JSON.parse(input.stdout).split, 'input');
  const badClass = cli('explain', runDir, '--row', '0', '--class', 'dragon');
  assertOneClearLine(badClass, /unknown class "dragon"/);
  const badRow = cli('explain', runDir, '--row', '999');
  assertOneClearLine(badRow, /row 999 is out of range/);
});

const badExperiments: [string, RegExp][] = [
  ['missing-file.kernel.json', /missing-file\.kernel\.json|not found|no such file/i],
  ['invalid-json.kernel.json', /invalid-json\.kernel\.json:\d+.*invalid JSON/],
  ['unknown-key.kernel.json', /unknown-key\.kernel\.json.*unknown key/],
  ['unknown-target.kernel.json', /target|column/i],
  ['text-numeric.kernel.json', /text-numeric\.csv:\d+.*column/],
  ['one-class.kernel.json', /one class|single class|only one/i],
  ['few-rows.kernel.json', /batch size|fewer/i],
  ['bad-epochs.kernel.json', /training\.epochs/],
];

for (const [name, pattern] of badExperiments) {
  test(`bad input gives one clear line: ${name}`, () => {
    assertOneClearLine(cli('train', path.join(FIXTURES, name)), pattern);
  });
}

for (const [csv, pattern] of [
  ['ragged.csv', /ragged\.csv:\d+: \d+ fields, expected \d+/],
  ['empty.csv', /empty\.csv.*empty/i],
  ['header-only.csv', /header-only\.csv.*(no data|header only|only a header)/i],
  ['unclosed-quote.csv', /unclosed-quote\.csv:\d+/],
  ['no-such-file.csv', /no-such-file\.csv/],
] as const) {
  test(`inspect reports ${csv} clearly`, () => {
    assertOneClearLine(cli('inspect', path.join(FIXTURES, csv)), pattern);
  });
}

test('unknown commands and flags are one clear line', () => {
  assert.equal(cli('frobnicate').status, 2);
  assertOneClearLine(cli('explain', '/nonexistent-run', '--row', '0', '--bogus'), /bogus/);
  assertOneClearLine(cli('explain', '/nonexistent-run', '--row', '0'), /not a run directory/);
});
