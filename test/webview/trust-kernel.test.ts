/** The kernel evolution view in headless Chromium, from a real `trust/kernel` run reduced by the extension. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KernelViewState } from '../../src/protocol';
import { close, fixture, openView, parseShown, startHarness, type Harness, assertClean, HOSTILE_IMG, HOSTILE_SCRIPT } from './harness';

const IMG = HOSTILE_IMG;
const SCRIPT = HOSTILE_SCRIPT;

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

describe('kernel evolution view', () => {
  const state = fixture<KernelViewState>('iris-kernel.json');

  it('says in words how far the network moved from a fixed kernel, with the numbers', async () => {
    const view = await openView(harness);
    await view.send({ type: 'kernel', state });
    assert.match((await view.page.locator('h1').textContent()) ?? '', /Watch the kernel learn: “iris-run”/);
    // One plain sentence leads; the formulas wait in a details section.
    assert.match(
      (await view.page.locator('.kernel-lead').textContent()) ?? '',
      /^Training changed which rows this network treats as alike \(by [\d.]+%\): its explanations rest on a similarity it learnt from the data\.$/,
    );
    assert.equal(await view.page.locator('details.formulas').getAttribute('open'), null, 'formulas folded away');
    assert.match((await view.page.locator('details.formulas').textContent()) ?? '', /‖K_T − K_0‖_F \/ ‖K_0‖_F/);
    assert.doesNotMatch((await view.page.locator('.kernel-facts').textContent()) ?? '', /‖/, 'the facts in words');
    const reading = (await view.page.locator('.kernel-reading').textContent()) ?? '';
    assert.match(reading, /How far the network moved away from a fixed kernel/);
    // The fixture's network moved (relative change > 0.1), and its alignment rose.
    assert.ok(state.drift.relativeChange > 0.1 && state.alignment.final > state.alignment.initial, 'fixture as expected');
    assert.match(reading, /moved away from a fixed kernel/);
    assert.match(reading, /rose from 0\.660 at initialization to 0\.746 at the end/);
    assert.match(reading, /of an explanation \(by absolute contribution\) comes from training rows of the predicted class/);
    const fact = async (cls: string): Promise<number> => parseShown((await view.page.locator(`.kernel-facts .${cls}`).textContent()) ?? '');
    assert.ok(close(await fact('alignment-initial'), state.alignment.initial));
    assert.ok(close(await fact('alignment-final'), state.alignment.final));
    assert.ok(close(await fact('alignment-path'), state.alignment.path));
    assert.ok(close(await fact('relative-change'), state.drift.relativeChange));
    assert.ok(close(await fact('kernel-distance'), state.drift.kernelDistance));
    await view.screenshot('trust-kernel-dark');
    await assertClean(view);
    await view.page.context().close();
  });

  it('draws every chart as SVG with a table alternative holding the numbers', async () => {
    const view = await openView(harness, 'light');
    await view.send({ type: 'kernel', state });
    for (const id of ['plot-alignment', 'plot-same-class', 'plot-initial-final', 'plot-path-final']) {
      const svg = view.page.locator(`#${id} svg.kl-plot`);
      assert.equal(await svg.count(), 1, `${id} has a chart`);
      assert.ok((await svg.getAttribute('aria-label'))?.length, `${id} chart is labelled`);
      assert.equal(await view.page.locator(`#${id} details.table-alternative table`).count(), 1, `${id} has a table`);
    }
    // Alignment: one point per checkpoint, the path kernel's as a labelled reference line.
    assert.equal(await view.page.locator('#plot-alignment g.series-a circle').count(), state.alignmentCurve.length);
    assert.match((await view.page.locator('#plot-alignment svg text').allTextContents()).join(' '), /path kernel 0\.738/);
    const curveRows = view.page.locator('#plot-alignment details table tbody tr');
    assert.equal(await curveRows.count(), state.alignmentCurve.length);
    const last = await curveRows.last().locator('td').allTextContents();
    assert.equal(Number(last[0]), state.alignmentCurve.at(-1)!.step);
    assert.ok(close(parseShown(last[2]), state.alignmentCurve.at(-1)!.alignment));

    // Scatter: one dot per pair, split by whether the labels agree.
    const same = state.pairs.filter((p) => p.sameLabel).length;
    assert.equal(await view.page.locator('#plot-initial-final g.pos circle').count(), same);
    assert.equal(await view.page.locator('#plot-initial-final g.neg circle').count(), state.pairs.length - same);
    const summary = await view.page.locator('#plot-initial-final details table tbody tr').first().locator('td').allTextContents();
    assert.equal(summary[0], 'same label');
    assert.equal(Number(summary[1]), same);
    const meanFinal = state.pairs.filter((p) => p.sameLabel).reduce((s, p) => s + p.final, 0) / same;
    assert.ok(close(parseShown(summary[3]), meanFinal), 'mean final kernel of same-label pairs');

    // Heatmaps: three, each with one cell per pair of subsampled rows.
    const heat = state.heatmap!;
    const maps = view.page.locator('#plot-heatmaps svg.kl-plot[aria-label^="Heatmap"]');
    assert.equal(await maps.count(), 3);
    assert.ok(
      (await maps.first().getAttribute('width')) !== null && Number(await maps.first().getAttribute('width')) >= 260,
      'large enough to read',
    );
    // The colour scale is drawn beside them.
    assert.equal(
      (await view.page.locator('#plot-heatmaps svg.kl-plot[aria-label="Colour scale of the heatmaps"] rect').count()) >= 10,
      true,
    );
    for (let i = 0; i < 3; i++) assert.equal(await maps.nth(i).locator('rect').count(), heat.labels.length ** 2);
    const classes = [...new Set(heat.labels)];
    assert.equal(await view.page.locator('#plot-heatmaps details table tbody tr').count(), classes.length ** 2);

    // Same-class shares: a histogram of all explained rows, the table lists each.
    assert.equal(await view.page.locator('#plot-same-class details table tbody tr').count(), state.sameClass.length);
    const binned = await view.page.locator('#plot-same-class g.pos rect').count();
    assert.ok(binned >= 1 && binned <= 20, `histogram bars: ${binned}`);
    assert.equal(await view.page.locator('style').count(), 0, 'no inline styles left behind');
    await assertClean(view);
    await view.page.context().close();
  });

  it('renders hostile labels as text in heatmap tables and shares, and restores after a reload', async () => {
    const view = await openView(harness);
    const heat = state.heatmap!;
    const hostile: KernelViewState = {
      ...state,
      runName: `${SCRIPT}`,
      heatmap: { ...heat, labels: heat.labels.map((l) => (l === 'setosa' ? IMG : l)) },
      sameClass: state.sameClass.map((s) => ({ ...s, predicted: s.predicted === 'setosa' ? SCRIPT : s.predicted })),
    };
    await view.send({ type: 'kernel', state: hostile });
    const cells = await view.page.locator('#plot-heatmaps details table tbody td').allTextContents();
    assert.ok(cells.includes(IMG), 'hostile label shown as text');
    const shares = await view.page.locator('#plot-same-class details table tbody td').allTextContents();
    assert.ok(shares.includes(SCRIPT));
    assert.ok(((await view.page.locator('h1').textContent()) ?? '').includes(SCRIPT));
    await view.page.waitForTimeout(200);
    assert.equal(await view.page.locator('img').count(), 0);
    assert.equal(await view.page.locator('script').count(), 2, 'only the stub and the bundle');

    await view.page.reload();
    await view.page.waitForSelector('.kernel-view');
    assert.equal(await view.page.locator('#plot-heatmaps svg.kl-plot[aria-label^="Heatmap"]').count(), 3);
    await assertClean(view);
    await view.page.context().close();
  });

  it('says that shares do not apply to regression, and shows a stale run', async () => {
    const view = await openView(harness);
    await view.send({ type: 'kernel', state: { ...state, task: 'regression', sameClass: [], meanSameClassShare: null, stale: true } });
    assert.match((await view.page.locator('#plot-same-class').textContent()) ?? '', /regression target has no classes/);
    assert.match((await view.page.locator('.banner.warning').textContent()) ?? '', /dataset changed/);
    assert.doesNotMatch((await view.page.locator('.kernel-reading').textContent()) ?? '', /predicted class/);
    await assertClean(view);
    await view.page.context().close();
  });
});
