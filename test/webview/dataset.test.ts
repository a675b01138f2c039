/** The dataset view: training and test rows with their split and suspicion rank, sortable, keyboard, hostile text. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestSetRow } from '../../src/protocol';
import { fixture, HOSTILE_IMG, openView, startHarness, type Harness } from './harness';
import { VIRTUAL_FROM } from '../../webview/testSetView';
import { waitFor } from '../helpers/waitFor';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

const testSet = fixture<{ type: 'testSet'; runName: string; rows: TestSetRow[] }>('iris-test-set.json');

describe('dataset view', () => {
  it('lists training and test rows with split and suspicion, sorts by suspicion, and explains a training row by keyboard', async () => {
    const train: TestSetRow[] = testSet.rows.slice(0, 12).map((r, k) => ({
      ...r,
      row: k,
      line: 100 + k,
      split: 'train',
      label: k === 3 ? HOSTILE_IMG : r.label,
      // Rows 5, 2 and 9 ranked most suspicious, in that order.
      suspicion:
        k === 5
          ? { rank: 1, suggested: 'virginica' }
          : k === 2
            ? { rank: 2, suggested: null }
            : k === 9
              ? { rank: 3, suggested: HOSTILE_IMG }
              : null,
    }));
    const rows = [...train, ...testSet.rows.map((r) => ({ ...r, split: 'test' as const }))];
    const view = await openView(harness, 'light');
    await view.send({ ...testSet, rows, dataset: true });
    assert.match((await view.page.locator('h1').textContent()) ?? '', /^Dataset of /);
    const table = view.page.locator('table.test-set');
    assert.equal(await table.locator('tbody tr').count(), rows.length);
    const headers = await table.locator('thead th').allTextContents();
    assert.equal(headers[0].trim(), 'Split');
    assert.match(headers.at(-1) ?? '', /Suspicion rank/);
    assert.equal(await table.locator('img').count(), 0, 'hostile labels are text');
    assert.ok(((await table.textContent()) ?? '').includes(HOSTILE_IMG));

    // Most suspicious first.
    await table.locator('th button[data-key="suspicion"]').click();
    const first = table.locator('tbody tr').first();
    assert.equal(await first.getAttribute('data-split'), 'train');
    assert.equal(await first.getAttribute('data-row'), '5');
    assert.equal((await first.locator('td').last().textContent())?.trim(), '1 · the rest says virginica');
    assert.equal((await table.locator('tbody tr').nth(2).locator('td').last().textContent())?.trim(), `3 · the rest says ${HOSTILE_IMG}`);

    // Keyboard only: the first row holds the table's tab stop; Down then Enter explains the second training row.
    await first.focus();
    await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('Enter');
    assert.deepEqual((await view.posted()).at(-1), { type: 'explainRow', split: 'train', row: 2 });
    // The filter finds rows by their text.
    await view.page.locator('vscode-textfield.filter input').fill('csv:10');
    await view.page.waitForFunction(() => document.querySelectorAll('table.test-set tbody tr').length < 30);
    assert.ok((await table.locator('tbody tr').count()) >= 10);
    await view.screenshot('dataset-light');
    assert.deepEqual(await view.violations(), []);
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });

  it('virtualizes thousands of rows: a window of them in the page, every one reachable by scrolling and by keyboard', async () => {
    const many: TestSetRow[] = Array.from({ length: 3000 }, (_, k) => ({
      ...testSet.rows[k % testSet.rows.length],
      row: k,
      line: 2 + k,
      split: k < 2400 ? 'train' : 'test',
      suspicion: null,
    }));
    const view = await openView(harness, 'light');
    await view.send({ ...testSet, rows: many, dataset: true });
    const table = view.page.locator('table.test-set');
    assert.equal(await table.getAttribute('aria-rowcount'), '3001', 'screen readers count every row');
    const rendered = table.locator('tbody tr[data-row]');
    const count = await rendered.count();
    assert.ok(count > 10 && count < VIRTUAL_FROM, `${count} rows in the page`);
    assert.match((await view.page.locator('.test-set-view .hint').textContent()) ?? '', /3000 of 3000 rows shown/);

    // Scrolling to the end brings the last rows in.
    await view.page.locator('.test-set-scroll').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await waitFor(async () => (await table.locator('tbody tr[data-pos="2999"]').count()) === 1, { what: 'the last row rendered' });
    assert.ok((await rendered.count()) < VIRTUAL_FROM);

    // Keyboard: Home to the first row, End to the last, ArrowUp one back; Enter explains it.
    await view.page.locator('.test-set-scroll').evaluate((e) => (e.scrollTop = 0));
    await waitFor(async () => (await table.locator('tbody tr[data-pos="0"]').count()) === 1, { what: 'the first row rendered' });
    await table.locator('tbody tr[data-pos="0"]').focus();
    await view.page.keyboard.press('End');
    await view.page.keyboard.press('ArrowUp');
    const focused = await view.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.pos);
    assert.equal(focused, '2998');
    assert.ok(await table.locator('tbody tr[data-pos="2998"]').isVisible());
    await view.page.keyboard.press('Enter');
    assert.deepEqual((await view.posted()).at(-1), { type: 'explainRow', split: 'test', row: 2998 });
    assert.equal(await table.locator('tbody tr[tabindex="0"]').count(), 1, 'one tab stop');

    // Scrolled away with the mouse, the table keeps a tab stop among the rendered rows (Tab lands in the view).
    await view.page.locator('.test-set-scroll').evaluate((e) => (e.scrollTop = e.scrollHeight / 2));
    await waitFor(async () => (await table.locator('tbody tr[data-pos="2998"]').count()) === 0, { what: 'the window to move' });
    const stops = await table.locator('tbody tr[tabindex="0"]').count();
    assert.equal(stops, 1, 'a rendered row holds the tab stop');
    const stopPos = Number(await table.locator('tbody tr[tabindex="0"]').getAttribute('data-pos'));
    assert.ok(stopPos > 1000 && stopPos < 2000, `the tab stop is in view (${stopPos})`);

    // Sorted, filtered and scrolled, then reloaded (VS Code reloads a hidden panel): all three come back.
    await table.locator('th button[data-key="residualRel"]').click();
    await view.page.locator('.test-set-scroll').evaluate((e) => (e.scrollTop = 4000));
    await view.page.waitForFunction(() => (document.querySelector('.test-set-scroll') as HTMLElement | null)?.scrollTop === 4000);
    // The scroll is saved once a frame.
    await view.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await view.page.reload();
    await view.send({ ...testSet, rows: many, dataset: true });
    const sorted = view.page.locator('table.test-set th[aria-sort="ascending"] button');
    assert.equal(await sorted.getAttribute('data-key'), 'residualRel', 'the sort is back');
    await waitFor(async () => (await view.page.locator('.test-set-scroll').evaluate((e) => e.scrollTop)) === 4000, {
      what: 'the scroll position to come back',
    });
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });
});
