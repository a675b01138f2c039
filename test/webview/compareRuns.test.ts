/** Compare Runs: the table of runs with the differing settings marked, overlaid curves, keyboard and hostile titles. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compareRunsState } from '../../src/extension/experiments/compare/compareRunsState';
import { curve, runInfo } from '../helpers/runInfos';
import { explanationOf } from '../helpers/explanations';
import { rowComparison } from '../../src/extension/experiments/compare/rowComparison';
import { HOSTILE_IMG, openView, startHarness, type Harness } from './harness';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

describe('compare runs view', () => {
  it('lists the runs, marks what differs, overlays the ticked runs’ curves, and opens a run, by keyboard too', async () => {
    const state = compareRunsState('iris', [
      runInfo('a', '2026-12-01T10:00:00Z', {}, { metrics: curve(20, 0.5), label: HOSTILE_IMG }),
      runInfo('b', '2026-12-01T11:00:00Z', { optimizer: 'sgd', learningRate: 0.1 }, { metrics: curve(20, 0.2) }),
      runInfo('c', '2026-12-01T12:00:00Z', { seed: 2 }, { status: 'failed', metrics: [] }),
    ]);
    const view = await openView(harness, 'light');
    await view.send({ type: 'compareRuns', state });
    const table = view.page.locator('table.compare-runs');
    assert.equal(await table.locator('tbody tr').count(), 3);
    const headers = (await table.locator('thead th').allTextContents()).map((h) => h.trim());
    assert.ok(headers.includes('Optimizer ≠') && headers.includes('Learning rate ≠') && headers.includes('Seed ≠'), headers.join('|'));
    assert.ok(headers.includes('Epochs') && headers.includes('Batch'), 'settings they share are not marked');
    assert.equal(await table.locator('tbody tr').nth(2).locator('th button').textContent(), HOSTILE_IMG, 'a user label is text');
    assert.equal(await view.page.locator('table.compare-runs img').count(), 0);
    assert.match(
      (await view.page.locator('.compare-runs-view .subtitle').textContent()) ?? '',
      /differing in optimizer, learning rate, seed/,
    );
    const lines = () => view.page.locator('#plot-compare-loss g.run-series[aria-label=line] path').count();
    assert.equal(await lines(), 2, 'both complete runs are drawn');
    assert.equal(
      await table.locator('tbody tr').first().locator('input[type=checkbox]').isDisabled(),
      true,
      'a run without epochs has no curve',
    );

    // Keyboard only: untick the first drawn run, tick it again, then open the second run.
    const box = table.locator('tbody tr').nth(1).locator('input[type=checkbox]');
    await box.focus();
    await view.page.keyboard.press('Space');
    assert.equal(await lines(), 1);
    await view.page.keyboard.press('Space');
    assert.equal(await lines(), 2);
    await view.page.keyboard.press('Tab');
    assert.equal(await view.page.evaluate(() => document.activeElement?.textContent), state.runs[1].title, 'the title button is next');
    await view.page.keyboard.press('Enter');
    assert.deepEqual((await view.posted()).at(-1), { type: 'showRun', runDir: state.runs[1].runDir });
    const accuracy = await view.page.locator('#plot-compare-metric details table tbody tr').count();
    assert.equal(accuracy, 40, 'the accuracy table holds every drawn epoch');
    await view.screenshot('compare-runs-light');
    assert.deepEqual(await view.violations(), []);
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });

  it('explains a row under two runs side by side: the runs chosen by keyboard, hostile labels and titles as text', async () => {
    const runs = [
      runInfo('a', '2026-12-01T10:00:00Z', {}, { metrics: curve(5, 0.5), label: HOSTILE_IMG }),
      runInfo('b', '2026-12-01T11:00:00Z', { seed: 2 }, { metrics: curve(5, 0.2) }),
    ];
    const base = compareRunsState('iris', runs);
    const first = explanationOf(7, { 10: 0.5, 11: 0.2, 12: -0.1 }, {}, { 10: HOSTILE_IMG, 11: 'b' });
    const second = explanationOf(7, { 10: -0.25, 13: 0.3 }, { prediction: { label: 'b', probability: 0.9996 } }, { 10: HOSTILE_IMG });
    const view = await openView(harness, 'dark');
    // Before any comparison: the two newest complete runs are proposed; the button asks for the row.
    await view.send({ type: 'compareRuns', state: base });
    const button = view.page.locator('.row-comparison-section vscode-button.compare-row');
    await button.focus();
    await view.page.keyboard.press('Enter');
    assert.deepEqual((await view.posted()).at(-1), { type: 'compareRow', runDirs: [base.runs[0].runDir, base.runs[1].runDir] });

    const comparison = rowComparison(
      { explanation: first, runDir: base.runs[1].runDir, title: base.runs[1].title },
      { explanation: second, runDir: base.runs[0].runDir, title: base.runs[0].title },
    );
    await view.send({ type: 'compareRuns', state: { ...base, rowComparison: comparison } });
    const section = view.page.locator('.row-comparison-section');
    assert.equal(await section.locator('.compared-run').count(), 2);
    assert.match((await section.locator('.compared-run').nth(1).textContent()) ?? '', /b \(p > 0\.999\)/);
    assert.equal(await section.locator('.compared-run h3 span').first().textContent(), HOSTILE_IMG, 'a run title is text');
    const table = section.locator('table.contribution-changes');
    const firstRow = await table.locator('tbody tr').first().locator('th, td').allTextContents();
    assert.deepEqual(firstRow, ['train.csv:10', HOSTILE_IMG, '+0.5000', '1', '-0.2500', '2', '-0.7500']);
    assert.equal(await table.locator('tbody tr').count(), 4);
    assert.ok((await table.textContent())?.includes('not trained on'), 'a row one run does not train on says so');
    assert.equal(await view.page.locator('.row-comparison-section img').count(), 0, 'hostile text renders no image');
    // The pickers keep the compared runs, so the button explains another row under the same two.
    await button.focus();
    await view.page.keyboard.press('Enter');
    assert.deepEqual((await view.posted()).at(-1), { type: 'compareRow', runDirs: [base.runs[1].runDir, base.runs[0].runDir] });
    await view.screenshot('compare-row-dark');
    assert.deepEqual(await view.violations(), []);
    assert.deepEqual(view.errors, []);
    await view.page.context().close();
  });
});
