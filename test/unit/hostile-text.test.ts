/**
 * Dataset text in messages (issue 11): a cell holding a command link, or a megabyte of text, reaches a
 * notification or the CLI's stderr as one bounded line with the link disarmed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { notificationText, quoteCell } from '../../src/shared/safeText';
import { readExperiment } from '../../src/engine/data/experimentFile';
import { prepareData } from '../../src/engine/data/prepare';
import { tempWorkspace, writeExperiment } from '../helpers/experiments';

const LINK = '[Open a terminal](command:workbench.action.terminal.new)';
const ENGINE = path.resolve(__dirname, '..', '..', 'dist', 'engine.js');

test('notification text: one line, bounded, no markdown link left', () => {
  const text = notificationText(`failed: ${LINK}\nsecond line \u202e${'x'.repeat(5000)}`);
  assert.doesNotMatch(text, /\]\(command:/);
  assert.doesNotMatch(text, /[\n\u202e]/);
  assert.ok([...text].length <= 600);
  assert.ok(text.includes('[Open a terminal] (command:workbench.action.terminal.new)'), 'the text stays readable');
});

test('a quoted cell is escaped and cut, saying how long it was', () => {
  assert.equal(quoteCell(' a"b '), '"a\\"b"');
  const long = quoteCell('y'.repeat(1_000_000));
  assert.ok(long.length < 100);
  assert.match(long, /…" \(1000000 characters\)$/);
  assert.doesNotMatch(quoteCell(LINK), /\]\(/);
});

function hostileWorkspace(cell: string): string {
  const ws = tempWorkspace([]);
  const rows = ['x,y'];
  for (let i = 0; i < 30; i++) rows.push(`${i === 4 ? `"${cell}"` : i},${i % 2 ? 'a' : 'b'}`);
  fs.writeFileSync(path.join(ws, 'hostile.csv'), rows.join('\n') + '\n');
  return writeExperiment(ws, 'hostile', {
    dataset: { train: 'hostile.csv', target: 'y', test: { fraction: 0.2 }, columns: { x: 'numeric' } },
    training: { epochs: 1, batchSize: 8 },
  });
}

test('a hostile numeric cell gives a bounded message naming the file, line and column, with the link disarmed', async () => {
  const huge = `${LINK}${'z'.repeat(1_000_000)}`;
  await assert.rejects(prepareData(await readExperiment(hostileWorkspace(huge))), (error: Error) => {
    assert.equal(error.name, 'UserError');
    assert.match(error.message, /hostile\.csv:6, column "x": text in a numeric column: "\[Open a terminal\] \(command:/);
    assert.ok(error.message.length < 400, `bounded (${error.message.length} characters)`);
    assert.match(error.message, /\(1000056 characters\)/);
    return true;
  });
});

test('the CLI prints that message as one bounded line', () => {
  const file = hostileWorkspace(`${LINK}${'z'.repeat(1_000_000)}`);
  const result = spawnSync(process.execPath, [ENGINE, 'train', file, '--backend', 'cpu'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(result.status, 1);
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('backend:'));
  assert.equal(lines.length, 1, result.stderr.slice(0, 500));
  assert.ok(lines[0].length < 500);
  assert.doesNotMatch(lines[0], /\]\(command:/);
});

test('CLI tables print dataset labels as plain bounded text (no terminal escapes, no forged lines)', async () => {
  const ws = tempWorkspace([]);
  const rows = ['x,y'];
  const evil = `\u001b[31mEVIL\u001b]0;pwned\u0007 fake\nrank 1 FORGED ${'w'.repeat(500)}`;
  for (let i = 0; i < 40; i++) rows.push(`${i},"${i % 3 === 0 ? evil : i % 3 === 1 ? 'a' : 'b'}"`);
  fs.writeFileSync(path.join(ws, 'evil.csv'), rows.join('\n') + '\n');
  const file = writeExperiment(ws, 'evil', {
    dataset: { train: 'evil.csv', target: 'y', test: { fraction: 0.2 } },
    training: { epochs: 2, batchSize: 8 },
  });
  const trained = spawnSync(process.execPath, [ENGINE, 'train', file, '--backend', 'wasm'], { encoding: 'utf8' });
  assert.equal(trained.status, 0, trained.stderr);
  const runDir = trained.stdout.trim().split('\n').pop() as string;
  for (const args of [
    ['explain', runDir, '--row', '0'],
    ['suspects', runDir],
  ]) {
    const out = spawnSync(process.execPath, [ENGINE, ...args, '--backend', 'wasm'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    // eslint-disable-next-line no-control-regex
    assert.doesNotMatch(out.stdout, /\u001b|\u0007/, `${args[0]}: no escape sequences`);
    assert.doesNotMatch(out.stdout, /^rank 1 FORGED/m, `${args[0]}: no forged line`);
    assert.ok(
      out.stdout.split('\n').every((line) => line.length < 600),
      `${args[0]}: bounded lines`,
    );
  }
});
