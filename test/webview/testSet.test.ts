/** The test set view: sorting, filtering, keyboard and click to explain a row. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestSetRow } from '../../src/protocol';
import { close, fixture, openView, parseShown, startHarness, type Harness, type ViewPage } from './harness';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

const testSet = fixture<{ type: 'testSet'; runName: string; rows: TestSetRow[] }>('iris-test-set.json');

async function column(view: ViewPage, index: number): Promise<string[]> {
  return view.page.locator(`table.test-set tbody tr td:nth-child(${index + 1})`).allTextContents();
}

describe('test set view', () => {
  it('an image folder: each row leads with its thumbnail, drawn from the pixels sent', async () => {
    const rows = testSet.rows.map((r, k) => ({
      ...r,
      file: `images/${r.label}/${k}.png`,
      line: null,
      pixels: Array.from({ length: 16 }, (_, p) => (p * 16 + k) % 256),
    }));
    const view = await openView(harness);
    await view.send({ ...testSet, rows, image: { width: 4, height: 4, channels: 1 } });
    assert.equal(await view.page.locator('table.test-set tbody tr td.thumb svg.image-grid').count(), rows.length);
    const first = (await column(view, 0))[0].trim();
    assert.match(first, /^images\/[^:]+\.png$/, 'the file names the row, with no line');
    await view.page.context().close();
  });

  it('lists every row, sorts by a column both ways, and says so with aria-sort', async () => {
    const view = await openView(harness);
    await view.send(testSet);
    assert.equal(await view.page.locator('table.test-set tbody tr').count(), testSet.rows.length);
    const headers = await view.page.locator('table.test-set thead th').allTextContents();
    const probability = headers.findIndex((h) => h.startsWith('Probability'));
    assert.ok(probability > 0);
    const sortButton = view.page.locator('th button[data-key="probability"]');
    await sortButton.click();
    let shown = (await column(view, probability)).map(parseShown);
    assert.deepEqual(
      shown,
      [...shown].sort((a, b) => a - b),
      'ascending',
    );
    const expected = testSet.rows.map((r) => r.probability!).sort((a, b) => a - b);
    assert.equal(shown.length, expected.length);
    shown.forEach((v, i) => assert.ok(close(v, expected[i], 2e-3), `row ${i}: ${v} vs ${expected[i]}`));
    assert.equal(await view.page.locator('th[aria-sort="ascending"] button[data-key="probability"]').count(), 1);
    await view.page.locator('th button[data-key="probability"]').press('Enter');
    shown = (await column(view, probability)).map(parseShown);
    assert.deepEqual(
      shown,
      [...shown].sort((a, b) => b - a),
      'descending after Enter on the header',
    );
    assert.equal(await view.page.locator('th[aria-sort="descending"]').count(), 1);
    await view.screenshot('test-set-dark');
    assert.deepEqual(await view.violations(), []);
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });

  it('filters by text and by outcome', async () => {
    const view = await openView(harness, 'light');
    await view.send(testSet);
    await view.page.locator('vscode-textfield.filter input').fill('virginica');
    const expected = testSet.rows.filter((r) =>
      [`${r.file}:${r.line}`, r.label, r.prediction].some((t) => t.toLowerCase().includes('virginica')),
    );
    assert.equal(await view.page.locator('table.test-set tbody tr').count(), expected.length);
    assert.ok(expected.length > 0 && expected.length < testSet.rows.length);
    assert.match(
      (await view.page.locator('.test-set-view .hint').textContent()) ?? '',
      new RegExp(`${expected.length} of ${testSet.rows.length} rows`),
    );
    await view.page.locator('vscode-textfield.filter input').fill('');
    await view.page.locator('vscode-single-select.outcome-select').click();
    await view.page.getByRole('option', { name: 'Incorrect' }).click();
    const wrong = testSet.rows.filter((r) => r.correct === false);
    assert.equal(await view.page.locator('table.test-set tbody tr').count(), wrong.length);
    for (const text of await column(view, 4)) assert.match(text, /wrong/);
    await view.page.context().close();
  });

  it('Tab reaches a row and Enter (or a click) posts explainRow', async () => {
    const view = await openView(harness);
    await view.send(testSet);
    const lastHeader = view.page.locator('table.test-set thead th button').last();
    await lastHeader.focus();
    await view.page.keyboard.press('Tab');
    const focused = await view.page.evaluate(() => document.activeElement?.getAttribute('data-row') ?? null);
    assert.equal(focused, String(testSet.rows[0].row), 'first row after the headers');
    await view.page.keyboard.press('Enter');
    assert.deepEqual((await view.posted()).at(-1), { type: 'explainRow', split: 'test', row: testSet.rows[0].row });
    await view.page.locator('table.test-set tbody tr').nth(3).click();
    const third = Number(await view.page.locator('table.test-set tbody tr').nth(3).getAttribute('data-row'));
    assert.deepEqual((await view.posted()).at(-1), { type: 'explainRow', split: 'test', row: third });
    assert.deepEqual(await view.violations(), []);
    await view.page.context().close();
  });

  it('is one tab stop: the arrow keys, Home and End move between rows; wrong rows are marked', async () => {
    const view = await openView(harness);
    await view.send(testSet);
    const rows = view.page.locator('table.test-set tbody tr');
    assert.equal(await view.page.locator('table.test-set tbody tr[tabindex="0"]').count(), 1, 'one tab stop');
    await rows.first().focus();
    const focusedRow = () => view.page.evaluate(() => document.activeElement?.getAttribute('data-row') ?? null);
    await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('ArrowDown');
    assert.equal(await focusedRow(), await rows.nth(2).getAttribute('data-row'));
    await view.page.keyboard.press('ArrowUp');
    assert.equal(await focusedRow(), await rows.nth(1).getAttribute('data-row'));
    await view.page.keyboard.press('End');
    assert.equal(await focusedRow(), await rows.last().getAttribute('data-row'));
    assert.equal(await view.page.locator('table.test-set tbody tr[tabindex="0"]').count(), 1, 'still one tab stop');
    await view.page.keyboard.press('Home');
    assert.equal(await focusedRow(), await rows.first().getAttribute('data-row'));
    const wrong = testSet.rows.filter((r) => r.correct === false).length;
    assert.equal(await view.page.locator('table.test-set tbody tr.incorrect').count(), Math.min(wrong, 100));
    assert.deepEqual(await view.violations(), []);
    await view.page.context().close();
  });
});
