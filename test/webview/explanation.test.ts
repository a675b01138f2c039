/** The explanation view in headless Chromium, from fixture protocol data. */
import { titleNumber } from '../helpers/termTitle';
import { waitFor } from '../helpers/waitFor';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ContributionTrace, ExplanationViewState } from '../../src/protocol';
import { PAGE_SIZE } from '../../webview/contributionTable';
import { close, fixture, openView, parseShown, startHarness, type Harness, type ViewPage, assertClean } from './harness';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

async function texts(view: ViewPage, selector: string): Promise<string[]> {
  return view.page.locator(selector).allTextContents();
}

describe('explanation view', () => {
  const iris = fixture<ExplanationViewState>('iris-explanation.json');

  it('posts ready on load and renders nothing before data arrives', async () => {
    const view = await openView(harness);
    const posted = await view.posted();
    assert.deepEqual(posted, [{ type: 'ready' }]);
    assert.equal(await view.page.locator('.explanation-view').count(), 0);
    assert.match((await view.page.locator('#app').textContent()) ?? '', /Waiting for data/);
    await assertClean(view);
    await view.page.context().close();
  });

  it('shows supporters and opposers with their numbers, the identity and the units', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    const e = iris.explanation;
    const supporters = e.contributions.filter((c) => c.contribution > 0).sort((a, b) => b.contribution - a.contribution);
    const opposers = e.contributions.filter((c) => c.contribution < 0).sort((a, b) => a.contribution - b.contribution);
    assert.ok(supporters.length > 0 && opposers.length > 0, 'fixture has both');

    const supRows = view.page.locator('.contribution-section.supporters tbody tr[data-index]');
    assert.equal(await supRows.count(), Math.min(PAGE_SIZE, supporters.length));
    assert.match((await view.page.locator('#supporters-title').textContent()) ?? '', new RegExp(`\\(${supporters.length}\\)`));
    assert.match((await view.page.locator('#opposers-title').textContent()) ?? '', new RegExp(`\\(${opposers.length}\\)`));
    for (let i = 0; i < 5; i++) {
      const cells = await supRows.nth(i).locator('td').allTextContents();
      const c = supporters[i];
      assert.equal(cells[0], String(i + 1), 'rank');
      assert.equal(cells[1], `${c.file}:${c.line}`, 'source');
      assert.equal(cells[2], c.label, 'label');
      assert.ok(close(parseShown(cells[3]), c.contribution), `contribution ${cells[3]} vs ${c.contribution}`);
      assert.ok(close(parseShown(cells[4]), c.kernel ?? NaN), `kernel ${cells[4]} vs ${c.kernel}`);
      assert.ok(close(parseShown(cells[5]), c.coefficient ?? NaN), `coefficient ${cells[5]} vs ${c.coefficient}`);
      assert.deepEqual(cells.slice(6, 10), iris.trainingValues[c.index], 'feature values');
    }
    // The explained row first, its values in the same columns as the supporters' (16.4).
    const own = view.page.locator('.contribution-section.supporters tbody tr').first();
    assert.equal(await own.getAttribute('class'), 'explained-row');
    assert.equal(await own.locator('th').textContent(), 'This row');
    const ownCells = await own.locator('td').allTextContents();
    assert.equal(ownCells[1], e.label ?? '—');
    const byName = new Map((e.values ?? []).map((v) => [v.name, v.value]));
    assert.deepEqual(
      ownCells.slice(5, 9),
      iris.header.slice(0, 4).map((h) => byName.get(h) ?? '—'),
      'its feature values',
    );
    // The actions stay in view when the table scrolls sideways.
    assert.equal(
      await supRows
        .first()
        .locator('td.actions')
        .evaluate((td) => getComputedStyle(td).position),
      'sticky',
    );
    const oppFirst = await view.page.locator('.contribution-section.opposers tbody tr[data-index]').first().locator('td').allTextContents();
    assert.ok(close(parseShown(oppFirst[3]), opposers[0].contribution), 'strongest opposer first');
    assert.ok(parseShown(oppFirst[3]) < 0);

    // The identity: each number to 4 significant digits, in full on hover (its title), and they add up.
    const term = async (cls: string): Promise<number> => titleNumber((await view.page.locator(`.term.${cls}`).getAttribute('title')) ?? '');
    const shown = (await view.page.locator('.term.network .term-value').textContent()) ?? '';
    assert.ok(shown.replace(/[^\d]/g, '').replace(/^0+/, '').length <= 4, `at most 4 significant digits shown: ${shown}`);
    assert.ok(close(parseShown(shown), e.network, 1e-3), 'the shown network output rounds the full one');
    assert.match(
      (await view.page.locator('.term.kernel-machine').getAttribute('title')) ?? '',
      /^A kernel machine predicts by adding up training examples/,
    );
    assert.match(
      (await view.page.locator('details.glossary').textContent()) ?? '',
      /A training row of another class can push toward this class/,
    );
    assert.match(
      (await view.page.locator('th', { hasText: 'Path kernel' }).first().getAttribute('title')) ?? '',
      /^The path kernel measures/,
    );
    const sum = e.contributions.reduce((s, c) => s + c.contribution, 0);
    assert.ok(close(await term('bias'), e.bias, 1e-6), 'bias');
    assert.ok(close(await term('sum'), sum, 1e-6), 'sum of contributions');
    assert.ok(close(await term('kernel-machine'), e.kernelMachine, 1e-6), 'kernel machine');
    assert.ok(close(await term('network'), e.network, 1e-6), 'network');
    assert.ok(close((await term('bias')) + (await term('sum')), await term('kernel-machine'), 1e-5), 'bias + Σ = kernel machine');
    assert.match((await view.page.locator('.term.sum .term-label').textContent()) ?? '', /120 training examples/);

    // Not flagged: no alert, says it is within tolerance.
    assert.equal(await view.page.locator('.residual.flagged').count(), 0);
    assert.equal(await view.page.locator('[role=alert]').count(), 0);
    assert.match((await view.page.locator('.residual').textContent()) ?? '', /tolerance 0\.001/);

    // What was explained, in words.
    assert.equal(await view.page.locator('.true-label').textContent(), e.label);
    assert.match((await view.page.locator('.prediction').textContent()) ?? '', /versicolor \(p = 0\.873\)/);
    assert.match((await view.page.locator('.explained-output').textContent()) ?? '', /logit of class “versicolor”/);
    assert.match((await view.page.locator('.units').textContent()) ?? '', /logits \(log-odds\)/);
    assert.deepEqual(
      await texts(view, '.row-table tbody th'),
      e.values!.map((v) => v.name),
    );
    assert.deepEqual(
      await texts(view, '.row-table tbody td'),
      e.values!.map((v) => v.value),
    );
    await view.screenshot('explanation-iris-dark');
    await assertClean(view);
    await view.page.context().close();
  });

  it('draws the plots as SVG, each with a table alternative', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    const cards = view.page.locator('.plot-card');
    assert.equal(await cards.count(), 5);
    for (const id of ['plot-sorted', 'plot-cumulative', 'plot-by-label', 'plot-compare']) {
      const svg = view.page.locator(`#${id} svg.kl-plot`);
      assert.equal(await svg.count(), 1, `${id} has an SVG chart`);
      assert.ok((await svg.getAttribute('aria-label'))?.length, `${id} chart is labelled`);
      assert.equal(await view.page.locator(`#${id} details.table-alternative table`).count(), 1, `${id} has a table`);
    }
    // One bar per contribution, split into supporters and opposers marks.
    const e = iris.explanation;
    assert.equal(await view.page.locator('#plot-sorted g.pos rect').count(), e.contributions.filter((c) => c.contribution >= 0).length);
    assert.equal(await view.page.locator('#plot-sorted g.neg rect').count(), e.contributions.filter((c) => c.contribution < 0).length);
    // Concentration markers name the counts.
    const labels = (await view.page.locator('#plot-cumulative svg text').allTextContents()).join(' ');
    assert.match(labels, new RegExp(`50% by ${e.concentration!.half}`));
    assert.match(labels, new RegExp(`90% by ${e.concentration!.ninety}`));
    // Table alternative of the by-label chart holds the fixture's sums.
    await view.page.locator('#plot-by-label summary').click();
    const rows = view.page.locator('#plot-by-label details table tbody tr');
    assert.equal(await rows.count(), e.byLabel!.length);
    for (const group of e.byLabel!) {
      const row = rows.filter({ has: view.page.locator('td', { hasText: new RegExp(`^${group.label}$`) }) });
      const cells = await row.locator('td').allTextContents();
      assert.equal(cells[1], String(group.count));
      assert.ok(close(parseShown(cells[2]), group.sum), `${group.label} sum`);
    }
    assert.equal(await view.page.locator('#plot-sorted details table tbody tr').count(), e.contributions.length);
    // No plot left an inline <style> behind (the CSP would block it).
    assert.equal(await view.page.locator('style').count(), 0);
    await assertClean(view);
    await view.page.context().close();
  });

  it('traces a training example over the steps, with a busy state until the answer', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    const trace = fixture<ContributionTrace[]>('iris-trace.json');
    const first = view.page.locator('.contribution-section.supporters tbody tr[data-index]').first();
    const index = Number(await first.getAttribute('data-index'));
    await first.locator('vscode-button', { hasText: 'Trace' }).click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'requestTrace', indices: [index] });
    assert.equal(await view.page.locator('.banner.busy').count(), 1);
    await view.send({ type: 'trace', trace: [{ ...trace[0], index }] });
    assert.equal(await view.page.locator('.banner.busy').count(), 0, 'busy cleared');
    assert.equal(await view.page.locator('#plot-trace svg.kl-plot').count(), 1);
    assert.equal(await view.page.locator('#plot-trace g.series-a path').count(), 1, 'running total line');
    assert.equal(await view.page.locator('#plot-trace details table tbody tr').count(), trace[0].steps.length);
    const total = trace[0].contributions.reduce((s, v) => s + v, 0);
    const lastRow = await view.page.locator('#plot-trace details table tbody tr').last().locator('td').allTextContents();
    assert.ok(close(parseShown(lastRow[2]), total), 'cumulative ends at the total');
    await assertClean(view);
    await view.page.context().close();
  });

  it('posts the actions: open row (Tab + Enter), explain, copy, export, switch output', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    // Keyboard: Tab until focus is on a source link, then Enter.
    let reached = '';
    for (let i = 0; i < 40 && !reached; i++) {
      await view.page.keyboard.press('Tab');
      reached = await view.page.evaluate(() =>
        document.activeElement?.matches('a.action-link') ? (document.activeElement.textContent ?? '') : '',
      );
    }
    assert.ok(reached, 'Tab reaches a source link');
    await view.page.keyboard.press('Enter');
    const [file, line] = reached.split(':');
    assert.deepEqual((await view.posted()).at(-1), { type: 'openRow', file, line: Number(line) });
    const sup = iris.explanation.contributions.filter((c) => c.contribution > 0).sort((a, b) => b.contribution - a.contribution)[0];
    assert.equal(reached, `${sup.file}:${sup.line}`, 'first link is the strongest supporter');

    await view.page
      .locator('.contribution-section.opposers tbody tr[data-index]')
      .first()
      .locator('vscode-button', { hasText: 'Explain' })
      .click();
    const opp = iris.explanation.contributions.filter((c) => c.contribution < 0).sort((a, b) => a.contribution - b.contribution)[0];
    assert.deepEqual((await view.posted()).at(-1), { type: 'explainTraining', index: opp.index });
    await view.page.locator('vscode-button', { hasText: 'Copy as JSON' }).click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'copyJson' });
    await view.page.locator('vscode-button', { hasText: 'Export CSV' }).click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'exportCsv' });
    await view.page.locator('vscode-button.pin').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'pin' });

    // Switch to the margin through the select's own dropdown.
    await view.page.locator('vscode-single-select.output-select').click();
    await view.page.getByRole('option', { name: /Margin/ }).click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'switchOutput', output: { kind: 'margin' } });
    await assertClean(view);
    await view.page.context().close();
  });

  it('a pinned explanation says so and cannot be pinned twice', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: { ...iris, pinned: true } });
    const pin = view.page.locator('vscode-button.pin');
    assert.equal(await pin.textContent(), 'Pinned');
    assert.equal(await pin.getAttribute('disabled'), '');
    const posted = (await view.posted()).length;
    await pin.click({ force: true });
    assert.equal((await view.posted()).length, posted, 'no second pin');
    await assertClean(view);
    await view.page.context().close();
  });

  it('restores the last state after a reload', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    await view.page.reload();
    await view.page.waitForSelector('.explanation-view');
    assert.equal(await view.page.locator('.contribution-section.supporters tbody tr[data-index]').count(), PAGE_SIZE);
    assert.deepEqual(await view.posted(), [{ type: 'ready' }], 'ready again after reload');
    await assertClean(view);
    await view.page.context().close();
  });

  it('compares the row’s features with its strongest supporters and opposers, the target left out', async () => {
    const view = await openView(harness, 'light');
    await view.send({ type: 'explanation', state: { ...iris, target: 'species' } });
    const card = view.page.locator('#plot-compare');
    assert.equal(await card.locator('h3').textContent(), 'The row beside its supporters and opposers');
    assert.equal(await card.locator('g.compare-row[aria-label=line] path').count(), 1, 'the explained row');
    assert.equal(await card.locator('g.compare-supporter[aria-label=line] path').count(), 5, 'five supporters');
    assert.equal(await card.locator('g.compare-opposer[aria-label=line] path').count(), 5, 'five opposers');
    const ticks = (await card.locator('svg [aria-label="x-axis tick label"] text').allTextContents()).map((t) => t.trim());
    assert.deepEqual(
      ticks,
      iris.header.filter((h) => h !== 'species'),
      'every numeric feature, not the target',
    );
    const table = card.locator('details table');
    assert.deepEqual(
      await table.locator('tbody th, tbody td:first-child').allTextContents(),
      iris.header.filter((h) => h !== 'species'),
    );
    const byName = new Map((iris.explanation.values ?? []).map((v) => [v.name, v.value]));
    assert.equal(await table.locator('tbody tr').first().locator('td').nth(1).textContent(), byName.get(iris.header[0]), 'raw values');
    await view.screenshot('explanation-compare-light');
    // Images are compared by their thumbnails.
    await view.send({ type: 'explanation', state: fixture<ExplanationViewState>('digits-explanation.json') });
    assert.equal(await view.page.locator('#plot-compare').count(), 0);
    await assertClean(view);
    await view.page.context().close();
  });

  it('keeps the scroll position when a source link is clicked, across a reload of the page and the replayed view', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    const link = view.page.locator('.contribution-section.opposers tbody tr[data-index] a.action-link').first();
    await link.scrollIntoViewIfNeeded();
    await view.page.evaluate(() => window.scrollBy(0, 150));
    const y = await view.page.evaluate(() => window.scrollY);
    assert.ok(y > 300, `scrolled down (${y})`);
    await link.click();
    assert.equal((await view.posted()).at(-1)?.type, 'openRow');
    assert.equal(await view.page.evaluate(() => window.scrollY), y, 'a click keeps the place');
    // VS Code reloads a panel that was hidden behind the opened file; the host then sends the same view again.
    await view.page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    await view.page.reload();
    await view.page.waitForSelector('.explanation-view');
    assert.equal(await view.page.evaluate(() => window.scrollY), y, 'back in place after the reload');
    await view.send({ type: 'explanation', state: iris });
    assert.equal(await view.page.evaluate(() => window.scrollY), y, 'and after the replayed view');
    // Another explanation starts at the top.
    await view.send({ type: 'explanation', state: { ...iris, runName: `${iris.runName} (2)` } });
    assert.equal(await view.page.evaluate(() => window.scrollY), 0);
    await assertClean(view);
    await view.page.context().close();
  });

  it('shows the residual flag with the tolerance, stale sources as text, and no link to wrong rows', async () => {
    const flagged = fixture<ExplanationViewState>('flagged-explanation.json');
    const view = await openView(harness, 'light');
    await view.send({ type: 'explanation', state: flagged });
    const residual = view.page.locator('.residual.flagged');
    assert.equal(await residual.count(), 1);
    assert.equal(await residual.getAttribute('role'), 'alert');
    const text = (await residual.textContent()) ?? '';
    assert.match(text, /Residual above tolerance/);
    assert.match(text, /tolerance 0\.001/);
    assert.match(text, /relative 0\.0412/);
    assert.match((await view.page.locator('.explained-output').textContent()) ?? '', /log-odds of class “malignant”/);
    assert.equal(await view.page.locator('.banner.warning').count(), 1, 'stale banner');
    assert.equal(await view.page.locator('.contributions a.action-link').count(), 0, 'no links into a changed file');
    assert.ok((await view.page.locator('.stale-source').count()) > 0);
    // 30 features: one compact values cell.
    assert.match((await view.page.locator('.contributions td.values').first().textContent()) ?? '', /^mean_radius=/);
    await view.screenshot('explanation-flagged-light');
    await assertClean(view);
    await view.page.context().close();
  });

  it('regression: target units, the rest summarised, null coefficients as a dash', async () => {
    const regression = fixture<ExplanationViewState>('regression-explanation.json');
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: regression });
    const e = regression.explanation;
    assert.match((await view.page.locator('.explained-output').textContent()) ?? '', /predicted value, in target units/);
    assert.match((await view.page.locator('.units').textContent()) ?? '', /target's own units/);
    assert.match((await view.page.locator('.rest').textContent()) ?? '', new RegExp(`${e.rest!.count} more training examples`));
    assert.equal(await view.page.locator('vscode-single-select.output-select').count(), 0, 'no class to switch to');
    const nullOne = e.contributions.find((c) => c.coefficient === null)!;
    const row = view.page.locator(`tr[data-index="${nullOne.index}"]`);
    assert.equal((await row.locator('td').nth(5).textContent())?.trim(), '—');
    const sum = e.contributions.reduce((s, c) => s + c.contribution, 0) + e.rest!.sum;
    assert.ok(close(titleNumber((await view.page.locator('.term.sum').getAttribute('title')) ?? ''), sum, 1e-6));
    assert.ok(close(sum + e.bias, e.kernelMachine, 1e-6), 'fixture consistency');
    await assertClean(view);
    await view.page.context().close();
  });

  it('digits: the row as an image, thumbnails, and paging through 1400 examples', async () => {
    const digits = fixture<ExplanationViewState>('digits-explanation.json');
    const view = await openView(harness, 'light');
    await view.send({ type: 'explanation', state: digits });
    const image = view.page.locator('.row-image svg.image-grid');
    assert.equal(await image.count(), 1);
    const ink = digits.explanation.values!.slice(0, 64).filter((v) => Number(v.value) > 0).length;
    assert.equal(await image.locator('rect[fill-opacity]').count(), ink, 'one square per inked pixel');
    assert.match((await view.page.locator('.explained-output').textContent()) ?? '', /margin/);
    const supporters = digits.explanation.contributions.filter((c) => c.contribution > 0).length;
    const section = view.page.locator('.contribution-section.supporters');
    assert.equal(await section.locator('tbody tr[data-index]').count(), PAGE_SIZE);
    assert.equal(await section.locator('tbody tr[data-index] td.thumb svg').count(), PAGE_SIZE);
    assert.equal(await section.locator('tbody tr.explained-row td.thumb svg').count(), 1, 'the explained row on top, as an image');
    const thumbnail = section.locator('tbody tr[data-index] td.thumb svg').first();
    const lastChild = await thumbnail.evaluate((svg) => svg.lastElementChild?.getAttribute('class'));
    assert.equal(lastChild, 'image-frame', 'the frame is drawn over the pixels');
    const before = await thumbnail.boundingBox();
    assert.ok(before && before.width >= 40, `an 8×8 thumbnail is at least 40 px wide (${before?.width})`);
    await thumbnail.hover();
    await waitFor(async () => ((await thumbnail.boundingBox())?.width ?? 0) >= 2 * before.width, {
      what: 'the thumbnail to zoom on hover',
    });
    await view.page.mouse.move(0, 0);
    assert.match((await section.locator('.page-info').textContent()) ?? '', new RegExp(`1–${PAGE_SIZE} of ${supporters}`));
    await section.locator('vscode-button', { hasText: 'Next' }).click();
    assert.match(
      (await section.locator('.page-info').textContent()) ?? '',
      new RegExp(`${PAGE_SIZE + 1}–${2 * PAGE_SIZE} of ${supporters}`),
    );
    assert.equal(
      (await section.locator('tbody tr[data-index]').first().locator('td').first().textContent())?.trim(),
      String(PAGE_SIZE + 1),
    );
    const ranked = [...digits.explanation.contributions].filter((c) => c.contribution > 0).sort((a, b) => b.contribution - a.contribution);
    assert.equal(await section.locator('tbody tr[data-index]').first().getAttribute('data-index'), String(ranked[PAGE_SIZE].index));
    await view.screenshot('explanation-digits-light');
    await assertClean(view);
    await view.page.context().close();
  });

  it("an image folder: the row and every listed example as a colour thumbnail from the engine's pixels; a click opens the image", async () => {
    const digits = fixture<ExplanationViewState>('digits-explanation.json');
    // The same explanation as an image-folder run sends it: pixels (RGB, 0–255) instead of pixel cells, files without lines.
    const rgb = (seed: number) => Array.from({ length: 8 * 8 * 3 }, (_, k) => (seed * 31 + k * 7) % 256);
    const state: ExplanationViewState = {
      ...digits,
      header: ['file', 'class'],
      image: { width: 8, height: 8, channels: 3 },
      trainingValues: {},
      explanation: {
        ...digits.explanation,
        file: 'digit-images/3/line0005.png',
        line: null,
        values: [
          { name: 'file', value: 'digit-images/3/line0005.png' },
          { name: 'class', value: '3' },
        ],
        pixels: rgb(1),
        contributions: digits.explanation.contributions.map((c) => ({
          ...c,
          file: `digit-images/${c.label}/line${String(c.index).padStart(4, '0')}.png`,
          line: null,
          values: [`digit-images/${c.label}/line${String(c.index).padStart(4, '0')}.png`, c.label],
          pixels: rgb(c.index + 2),
        })),
      },
    };
    const view = await openView(harness, 'dark');
    await view.send({ type: 'explanation', state });
    const image = view.page.locator('.row-image svg.image-grid');
    assert.equal(await image.count(), 1);
    assert.equal(await image.locator('rect[fill^="rgb("]').count(), 64, 'one coloured square per pixel');
    const [r, g, b] = rgb(1);
    assert.equal(await image.locator('rect[fill^="rgb("]').first().getAttribute('fill'), `rgb(${r}, ${g}, ${b})`);
    const section = view.page.locator('.contribution-section.supporters');
    assert.equal(await section.locator('tbody tr[data-index] td.thumb svg').count(), PAGE_SIZE, 'a thumbnail for every listed supporter');
    assert.equal(await section.locator('tbody tr[data-index]').first().locator('td.thumb rect[fill^="rgb("]').count(), 64);
    const first = section.locator('tbody tr[data-index]').first();
    const index = Number(await first.getAttribute('data-index'));
    const c = state.explanation.contributions.find((x) => x.index === index)!;
    const link = first.locator('td.source a, td.source [role=link], td.source button').first();
    assert.equal((await link.textContent())?.trim(), c.file, 'the file alone names an image');
    await link.click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'openRow', file: c.file, line: null });
    await view.screenshot('explanation-image-folder-dark');
    await assertClean(view);
    await view.page.context().close();
  });

  it('shows busy and error states', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    await view.send({ type: 'busy', message: 'Explaining row 14…' });
    assert.equal(await view.page.locator('.banner.busy').textContent(), 'Explaining row 14…');
    assert.equal(await view.page.locator('#app').getAttribute('aria-busy'), 'true');
    await view.send({ type: 'error', message: 'The engine stopped.' });
    assert.equal(await view.page.locator('.banner.busy').count(), 0);
    assert.match((await view.page.locator('.banner.error[role=alert]').textContent()) ?? '', /The engine stopped\./);
    assert.equal(await view.page.locator('.explanation-view').count(), 1, 'the last view stays');
    await assertClean(view);
    await view.page.context().close();
  });
});
