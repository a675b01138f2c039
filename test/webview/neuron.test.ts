/** The neuron view ("Explain Neuron…") in headless Chromium, from a real conv filter of the digit-images CNN. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { NeuronViewState } from '../../src/protocol';
import { assertClean, fixture, openView, startHarness, type Harness } from './harness';

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

describe('neuron view', () => {
  const state = fixture<NeuronViewState>('digits-neuron.json');

  it('says what the weight change is, draws it and what each example added, and links the examples', async () => {
    const view = await openView(harness);
    await view.send({ type: 'neuron', state });
    const n = state.neuron;
    assert.equal((await view.page.locator('h1').textContent())?.trim(), 'Neuron: layer 0, filter 2 “digit-images-cnn”');
    const reading = (await view.page.locator('.neuron-reading').textContent()) ?? '';
    assert.match(reading, /Training moved this filter's 9 incoming weights by ‖Δw‖ = [\d.]+/);
    assert.match(reading, /exactly the sum of one vector per training example/);
    // The 3×3 filter's change, one grid with a cell per weight that moved, and one small picture per listed example.
    const delta = view.page.locator('svg[aria-label="the weight change"]');
    assert.equal(await delta.count(), 1);
    const moved = n.final.filter((v, i) => v !== n.initial[i]).length;
    assert.equal(await delta.locator('rect.positive, rect.negative').count(), moved);
    const rows = view.page.locator('.neuron-view table tbody tr');
    assert.equal(await rows.count(), n.contributions.length);
    assert.equal(await view.page.locator('.neuron-view table tbody svg.signed-grid').count(), n.contributions.length);
    const first = n.contributions[0];
    assert.match((await rows.first().textContent()) ?? '', new RegExp(`^1${first.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    await rows.first().locator('a.action-link').click();
    assert.deepEqual((await view.posted()).at(-1), { type: 'openRow', file: first.file, line: first.line });
    await view.screenshot('neuron-dark');
    await assertClean(view);
    await view.page.context().close();
  });
});
