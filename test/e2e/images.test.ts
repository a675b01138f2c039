/**
 * Images end to end in real VS Code (code-server + Chromium): New Experiment from Image Folder on the explorer's
 * folder writes a small CNN, it trains, and Explain Image on a PNG in the explorer shows the explained image and
 * its supporters as thumbnails.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  closeSession,
  contextMenuAction,
  failureRecorder,
  launchBrowser,
  openWorkbench,
  prepareE2eFolder,
  runCommand,
  startCodeServer,
  webviewFrameWith,
  type CodeServer,
} from './codeServer';
import * as tree from './workbenchTree';
import { settings } from './workflowFixtures';

describe('images in code-server', { timeout: 600_000 }, () => {
  let root = '';
  let workspace = '';
  let browser: Browser | undefined;
  let server: CodeServer | undefined;
  let page: Page | undefined;
  const step = failureRecorder('images', () => ({ page, server }));

  function livePage(): Page {
    assert.ok(page, 'the workbench is open');
    return page;
  }

  /** The explorer's row of a file or folder named exactly `name`. */
  const explorerRow = (p: Page, name: string) =>
    p
      .locator('.explorer-folders-view .monaco-list-row')
      .filter({ has: p.locator('.label-name', { hasText: new RegExp(`^${name.replace(/[.]/g, '\\.')}$`) }) })
      .first();

  before(async () => {
    let extDir: string;
    ({ root, extDir, workspace } = prepareE2eFolder('kl-e2e-images-', ['digit-images'], {}));
    server = await startCodeServer({ extDir, workspace, settings });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server, workspace);
    // The extension's contributions (its view container, its explorer menu items) are registered once this shows.
    await step('workbench', async () => {
      const p = livePage();
      await p.locator('.activitybar [aria-label^="Kernel Lens"]').first().waitFor({ timeout: 90_000 });
    });
  });

  after(() => closeSession({ page, browser, root }));

  it('New Experiment from Image Folder, train, Explain Image from the explorer, thumbnails visible', async () => {
    const p = livePage();
    await step('new-image-experiment', async () => {
      await runCommand(p, 'View: Show Explorer');
      await explorerRow(p, 'digit-images').waitFor({ timeout: 60_000 });
      await contextMenuAction(p, explorerRow(p, 'digit-images'), 'New Experiment from Image Folder');
      await tree.toast(p, /created digit-images\.kernel\.json \(a small CNN/).waitFor({ timeout: 60_000 });
      const config = JSON.parse(readFileSync(join(workspace, 'digit-images.kernel.json'), 'utf8')) as {
        dataset: { train: string };
        model: { layers: { type: string }[] };
      };
      assert.equal(config.dataset.train, 'digit-images');
      assert.deepEqual(
        config.model.layers.map((l) => l.type),
        ['conv2d', 'maxPool2d', 'conv2d', 'maxPool2d', 'flatten'],
      );
    });

    await step('train-image-experiment', async () => {
      await tree
        .toast(p, /created digit-images\.kernel\.json/)
        .getByRole('button', { name: 'Train Experiment' })
        .click();
      await p
        .getByText(/Kernel Lens: trained digit-images in/)
        .first()
        .waitFor({ timeout: 180_000 });
    });

    await step('explain-image', async () => {
      await runCommand(p, 'View: Show Explorer');
      await explorerRow(p, 'digit-images').click();
      await explorerRow(p, '3').waitFor({ timeout: 30_000 });
      await explorerRow(p, '3').click();
      await explorerRow(p, 'line0005.png').waitFor({ timeout: 30_000 });
      await contextMenuAction(p, explorerRow(p, 'line0005.png'), 'Explain Image');
      const frame = await webviewFrameWith(p, '.row-image svg.image-grid', 180_000);
      assert.ok((await frame.locator('.row-image svg.image-grid rect[fill-opacity]').count()) > 0, 'the explained image is drawn');
      const thumbnails = frame.locator('.contribution-section.supporters tbody tr[data-index] td.thumb svg.image-grid');
      assert.ok((await thumbnails.count()) > 0, 'supporters have thumbnails');
      const source = (await frame.locator('.contribution-section.supporters tbody tr[data-index] td.source').first().textContent()) ?? '';
      assert.match(source.trim(), /^digit-images\/\d\/line\d{4}\.png$/);
      const flagged = await frame.locator('.banner.flagged, .flagged-banner').count();
      assert.equal(flagged, 0, 'the decomposition is exact');
    });

    await step('explain-neuron', async () => {
      // From the palette: the run (if asked), the first conv layer, filter 1; the view draws the filter's change.
      await runCommand(p, 'Kernel Lens: Explain Neuron…');
      for (const choice of [/^Layer 0/, /^filter 1$/]) {
        const widget = p.locator('.quick-input-widget:not([style*="display: none"])');
        await widget.waitFor({ timeout: 30_000 });
        if (!/which (layer|filter)/.test((await widget.locator('.quick-input-title').textContent()) ?? '')) {
          await p.keyboard.press('Enter');
          await widget.locator('.quick-input-title', { hasText: /which (layer|filter)/ }).waitFor({ timeout: 30_000 });
        }
        await widget.locator('.quick-input-list .monaco-list-row', { hasText: choice }).first().click();
      }
      const frame = await webviewFrameWith(p, '.neuron-view svg.signed-grid', 120_000);
      assert.match((await frame.locator('h1').textContent()) ?? '', /Neuron: layer 0, filter 1/);
      assert.ok((await frame.locator('.neuron-view table tbody tr').count()) > 0, 'the examples that built it');
    });
  });
});
