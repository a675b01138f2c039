import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnSlotAt } from '../../src/extension/experiments/completion/columnSlot';

/** The slot at the `|` of the text, with the marker removed. */
function slotAt(marked: string): ReturnType<typeof columnSlotAt> & { text: string } {
  const offset = marked.indexOf('|');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  return { ...columnSlotAt(text, offset), text } as ReturnType<typeof columnSlotAt> & { text: string };
}

test('the target value is a column slot, the string typed so far (quotes included) is what a completion replaces', () => {
  const slot = slotAt('{ "dataset": { "train": "iris.csv", "target": "spe|c" } }');
  assert.equal(slot.kind, 'value');
  assert.equal(slot.text.slice(slot.start, slot.end), '"spec"');
});

test('an empty target value, an ignore item and a columns key are column slots', () => {
  const empty = slotAt('{ "dataset": { "target": | } }');
  assert.equal(empty.kind, 'value');
  assert.equal(empty.start, empty.end);
  const ignored = slotAt('{ "dataset": { "ignore": ["a", "|"] } }');
  assert.equal(ignored.kind, 'value');
  assert.equal(ignored.text.slice(ignored.start, ignored.end), '""');
  const key = slotAt('{ "dataset": { "columns": { "ye|" } } }');
  assert.equal(key.kind, 'key');
  assert.equal(key.text.slice(key.start, key.end), '"ye"');
});

test('other places are not column slots', () => {
  for (const marked of [
    '{ "dataset": { "train": "ir|is.csv" } }',
    '{ "name": "ta|rget" }',
    '{ "dataset": { "columns": { "year": "cat|" } } }',
    '{ "dataset": { "tar|" } }',
    '{ "training": { "target": "x|" } }',
  ]) {
    const offset = marked.indexOf('|');
    assert.equal(columnSlotAt(marked.slice(0, offset) + marked.slice(offset + 1), offset), null, marked);
  }
});
