/** Compare Runs: the table of runs with the differing settings marked, overlaid curves, keyboard and hostile titles. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { compareRunsState } from '../../src/extension/experiments/compare/compareRunsState';
import { curve, runInfo } from '../helpers/runInfos';
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
});
