/** "Verify by retraining…" in the explanation view, in headless Chromium, with a real `trust/verify` result. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExplanationViewState, VerifyResult } from '../../src/protocol';
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

describe('verification by retraining', () => {
  const iris = fixture<ExplanationViewState>('iris-explanation.json');
  const result = fixture<VerifyResult>('iris-verification.json');

  it('posts verify with the chosen k, refuses a bad k, and shows busy until the answer', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    const button = view.page.locator('vscode-button.verify-button');
    assert.equal((await button.textContent())?.trim(), 'Verify by retraining…');
    await button.click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'verify', k: 10 }, 'k defaults to 10');

    const input = view.page.locator('vscode-textfield.verify-k input');
    await input.fill('2.5');
    await button.click();
    assert.match((await view.page.locator('.verify-problem').textContent()) ?? '', /whole number/);
    assert.deepEqual((await view.posted()).filter((m) => m.type === 'verify').length, 1, 'a bad k is not sent');
    await input.fill('5');
    await button.click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'verify', k: 5 });
    assert.equal(await view.page.locator('.verify-problem').textContent(), '');

    await view.send({ type: 'busy', message: 'Retraining without the top 5 supporters…' });
    assert.equal(await view.page.locator('.banner.busy').count(), 1);
    await view.send({ type: 'verification', result });
    assert.equal(await view.page.locator('.banner.busy').count(), 0, 'busy cleared by the result');
    await assertClean(view);
    await view.page.context().close();
  });

  it('shows the removed sum next to the actual change for the supporters and each random draw, with a reading, a chart and a table', async () => {
    const view = await openView(harness, 'light');
    await view.send({ type: 'explanation', state: iris });
    await view.send({ type: 'verification', result });

    const rows = view.page.locator('#plot-verify details table tbody tr');
    assert.equal(await rows.count(), 1 + result.random.length);
    const removals = [result.supporters, ...result.random];
    for (let i = 0; i < removals.length; i++) {
      const cells = await rows.nth(i).locator('td').allTextContents();
      const m = removals[i];
      assert.equal(cells[1], String(m.rows.length), 'rows removed');
      assert.ok(close(parseShown(cells[2]), m.removedSum), `removed sum ${cells[2]} vs ${m.removedSum}`);
      assert.ok(close(parseShown(cells[3]), -m.removedSum), 'first-order estimate');
      assert.ok(close(parseShown(cells[4]), m.change), `change ${cells[4]} vs ${m.change}`);
      assert.ok(close(parseShown(cells[5]), m.output), 'output after');
    }
    assert.match((await rows.first().locator('td').first().textContent()) ?? '', /top 10 supporters/);
    assert.ok(await view.page.locator('#plot-verify details').evaluate((d) => (d as HTMLDetailsElement).open), 'the table is open');

    // The chart: one dot per retraining for the actual change and one for the estimate.
    assert.equal(await view.page.locator('#plot-verify svg.kl-plot').count(), 1);
    assert.equal(await view.page.locator('#plot-verify g.series-a circle').count(), removals.length);
    assert.equal(await view.page.locator('#plot-verify g.series-b circle').count(), removals.length);

    // The reading says it in words, consistent with the numbers.
    const reading = (await view.page.locator('.verify-reading').textContent()) ?? '';
    assert.match(reading, /Removing the top 10 supporters/);
    assert.match(reading, /Removing 10 random rows moved it by/);
    const lowerThanAll = result.random.every((r) => result.supporters.change < r.change);
    assert.match(reading, lowerThanAll ? /more than every random removal/ : /not more than every draw|did not lower the output more/);
    assert.match(reading, /first-order estimate of [+−-][\d.]+; retraining moved the output/);
    assert.match(reading, /read it as a direction, not a forecast/);
    const lds = result.lds as NonNullable<typeof result.lds>;
    assert.match(reading, new RegExp(`LDS evaluation \\(${lds.subsets} retrainings .* Spearman correlation of -?[\\d.]+ \\(run mean`));
    await view.screenshot('trust-verification-light');
    await assertClean(view);
    await view.page.context().close();
  });

  it('keeps the result across a reload and drops it for a new explanation', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    await view.send({ type: 'verification', result });
    await view.page.reload();
    await view.page.waitForSelector('.verify-result');
    assert.equal(await view.page.locator('#plot-verify details table tbody tr').count(), 4);
    await view.send({ type: 'explanation', state: { ...iris, query: { split: 'test', row: 2 } } });
    assert.equal(await view.page.locator('.verify-result').count(), 0, 'a new explanation starts unverified');
    await assertClean(view);
    await view.page.context().close();
  });

  it('renders hostile class names as text', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: iris });
    await view.send({ type: 'verification', result: { ...result, output: { ...result.output, class: IMG + SCRIPT } } });
    const reading = (await view.page.locator('.verify-reading').textContent()) ?? '';
    assert.ok(reading.includes(IMG + SCRIPT), 'shown literally');
    await view.page.waitForTimeout(200);
    assert.equal(await view.page.locator('img').count(), 0);
    assert.equal(await view.page.locator('script').count(), 2, 'only the stub and the bundle');
    await assertClean(view);
    await view.page.context().close();
  });

  it('explains why an input row cannot be verified', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: { ...iris, query: { split: 'input', row: 0, input: 'new.csv' } } });
    assert.equal(await view.page.locator('vscode-button.verify-button').count(), 0);
    assert.match((await view.page.locator('.verification').textContent()) ?? '', /cannot be verified/);
    await assertClean(view);
    await view.page.context().close();
  });
});
