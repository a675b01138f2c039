/**
 * End-to-end workflows in real VS Code (code-server + Chromium), one shared workbench: New Experiment from a CSV,
 * cancelling a training from its notification, the Test Set view and explaining a row from it, rename/pin/delete from
 * the tree's context menu, a CSV hover that says its run is stale once the dataset is edited, a misspelt target fixed by
 * its quick fix, and a run stored as checkpoints (over its path budget) explained by replay. The flows build on
 * each other, so they run in order (after `bash scripts/setup-code-server.sh`).
 */
import { titleNumber } from '../helpers/termTitle';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import {
  closeSession,
  contextMenuAction,
  contextMenuLabels,
  failureRecorder,
  IRIS_EXPERIMENT,
  launchBrowser,
  openFileAtLine,
  openWorkbench,
  prepareE2eFolder,
  runCommand,
  startCodeServer,
  webviewFrameWith,
  type CodeServer,
} from './codeServer';
import * as tree from './workbenchTree';
import { longExperiment, settings } from './workflowFixtures';
import { waitFor } from '../helpers/waitFor';

/** Bytes of the files under a folder. */
function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, entry) => sum + (entry.isDirectory() ? folderBytes(join(dir, entry.name)) : statSync(join(dir, entry.name)).size),
    0,
  );
}

describe('Kernel Lens workflows in code-server', { timeout: 600_000 }, () => {
  let root = '';
  let workspace = '';
  let browser: Browser | undefined;
  let server: CodeServer | undefined;
  let page: Page | undefined;
  const step = failureRecorder('workflows', () => ({ page, server }));

  const { runsOf, runJson, rowsJson, csvLine } = tree.runFolders(() => workspace);

  function livePage(): Page {
    assert.ok(page, 'the workbench is open');
    return page;
  }

  before(async () => {
    let extDir: string;
    ({ root, extDir, workspace } = prepareE2eFolder('kl-e2e-flows-', ['iris.csv', 'digits.csv'], { 'digits-long': longExperiment }));
    server = await startCodeServer({ extDir, workspace, settings });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server, workspace);
    // The view container appears once the extension's contributions are registered; open it once.
    await step('workbench', async () => {
      const p = livePage();
      await p.locator('.activitybar [aria-label^="Kernel Lens"]').first().click({ timeout: 60_000 });
      await tree.experimentsTree(p).waitFor({ timeout: 60_000 });
    });
  });

  after(() => closeSession({ page, browser, root }));

  it('creates an experiment from a CSV with New Experiment, lists it and trains it', async () => {
    const p = livePage();
    await step('new-experiment', async () => {
      await tree.focusExperiments(p);
      await runCommand(p, 'Kernel Lens: New Experiment from CSV');
      // First the dataset: every CSV of the workspace is offered.
      await p.locator('.quick-input-widget .quick-input-title', { hasText: 'New Experiment from CSV' }).waitFor({ timeout: 30_000 });
      const offered = (await p.locator('.quick-input-list .monaco-list-row .label-name').allTextContents()).map((t) => t.trim()).sort();
      assert.deepEqual(offered, ['digits.csv', 'iris.csv']);
      await p.locator('.quick-input-list .monaco-list-row', { hasText: 'iris.csv' }).first().click();
      // Then the target column, read from the file by the engine, the suggested one first.
      await p
        .locator('.quick-input-widget .quick-input-title', { hasText: 'Target column of iris.csv (150 rows)' })
        .waitFor({ timeout: 60_000 });
      const first = p.locator('.quick-input-list .monaco-list-row').first();
      assert.match((await first.textContent()) ?? '', /species.*categorical, 3 classes · suggested/);
      await p
        .locator('.quick-input-list .monaco-list-row', { hasText: /^\s*species/ })
        .first()
        .click();
      await tree.toast(p, /created iris\.kernel\.json \(predicting species\)/).waitFor({ timeout: 30_000 });
    });

    await step('new-experiment-file', async () => {
      const file = join(workspace, 'iris.kernel.json');
      assert.ok(existsSync(file), 'iris.kernel.json was written beside iris.csv');
      const config = JSON.parse(readFileSync(file, 'utf8')) as {
        name: string;
        dataset: unknown;
        model: { hidden: { units: number }[] };
        training: { epochs: number; batchSize: number };
      };
      assert.equal(config.name, 'iris');
      assert.deepEqual(config.dataset, { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } });
      assert.ok(config.model.hidden.length >= 1 && config.model.hidden.every((h) => h.units > 0), 'a hidden layer');
      assert.ok(config.training.epochs > 0 && config.training.batchSize > 0, 'training settings');
      // The new file is opened for editing.
      await p.locator('.tab[aria-label^="iris.kernel.json"]').first().waitFor({ timeout: 10_000 });
      // And listed in the tree: dataset with its target, and no run yet.
      const children = await tree.waitForChildren(p, 'iris', (c) => c.length >= 3, 'the new experiment');
      assert.deepEqual([children[0].label, children[0].description], ['iris.csv', 'target species']);
      assert.ok(
        children.some((c) => /No runs yet/.test(c.label)),
        'no run yet',
      );
      const experimentRow = (await tree.treeRows(p)).find((r) => r.level === 1 && r.label === 'iris');
      assert.equal(experimentRow?.description, 'iris.csv');
    });

    await step('new-experiment-train', async () => {
      // The notification's own action trains it.
      await tree
        .toast(p, /created iris\.kernel\.json/)
        .getByRole('button', { name: 'Train Experiment' })
        .click();
      await p
        .getByText(/Kernel Lens: trained iris in/)
        .first()
        .waitFor({ timeout: 120_000 });
      const runs = runsOf('iris');
      assert.equal(runs.length, 1);
      assert.equal(runJson('iris', runs[0]).status, 'complete');
      const [run] = tree.runRows(
        await tree.waitForChildren(p, 'iris', (c) => tree.runRows(c).some((r) => /acc \d/.test(r.description)), 'a complete run'),
      );
      assert.equal(run.label, 'iris');
    });
  });

  it('cancels a long training from the progress notification', async () => {
    const p = livePage();
    await tree.tidy(p);
    let cancelled = false;
    try {
      await step('cancel-start', async () => {
        const rows = await tree.treeRows(p);
        const row = rows.find((r) => r.level === 1 && r.label === 'digits-long');
        assert.ok(row, 'digits-long is in the tree');
        const target = tree.treeRowAt(p, row.index);
        await target.hover();
        await target.locator('.action-label[aria-label="Train Experiment"]').click();
        // Wait for a few epochs (so there are metrics that must not read as a finished model), then cancel.
        const progress = tree.toast(p, /Kernel Lens: training digits-long.*epoch ([3-9]|\d{2,3})\/600/);
        await progress.waitFor({ timeout: 60_000 });
        await progress.getByRole('button', { name: 'Cancel' }).click();
        cancelled = true;
      });
    } finally {
      // Never leave a 600-epoch training running for the flows after this one.
      if (!cancelled) await runCommand(p, 'Kernel Lens: Cancel Training').catch(() => undefined);
    }

    let cancelledRun: tree.RunJson | undefined;
    await step('cancel-run-json', async () => {
      const said = tree.toast(p, /training of digits-long was cancelled/);
      await said.waitFor({ timeout: 30_000 });
      await tree.toast(p, /Kernel Lens: training digits-long/).waitFor({ state: 'detached', timeout: 30_000 });
      const runs = runsOf('digits-long');
      assert.equal(runs.length, 1, `one run directory, and no .partial left: ${runs.join(', ')}`);
      assert.ok(!runs[0].endsWith('.partial'), 'the run was moved out of .partial');
      cancelledRun = runJson('digits-long', runs[0]);
      assert.equal(cancelledRun.status, 'cancelled');
      assert.match(cancelledRun.message ?? '', /cancelled at step \d+ of 27000/);
      assert.ok(
        cancelledRun.metrics.length >= 2 && cancelledRun.metrics.length < 600,
        `stopped early, after some epochs (${cancelledRun.metrics.length})`,
      );
      assert.ok(cancelledRun.steps < 27000, `stopped early (${cancelledRun.steps} steps)`);
      // The notification says how far it got, from the run itself, and that it is no model to explain.
      const text = (await said.textContent()) ?? '';
      assert.ok(text.includes(`was cancelled after ${cancelledRun.steps} steps (${cancelledRun.metrics.length} epochs)`), text);
      assert.match(text, /cannot be explained/);
    });

    await step('cancel-ui', async () => {
      // The training view says cancelled and offers no Cancel any more.
      const frame = await webviewFrameWith(p, '.training-view h1', 30_000, 'digits-long');
      const epochs = cancelledRun?.metrics.length ?? -1;
      const status = frame.locator('.training-view [role="status"]');
      await status.filter({ hasText: new RegExp(`^Status: cancelled · ${epochs} epochs$`) }).waitFor({ timeout: 30_000 });
      assert.equal(await frame.locator('.training-view vscode-button.cancel[disabled]').count(), 1, 'Cancel is disabled');
      assert.equal(await frame.locator('#plot-loss table tbody tr').count(), epochs, 'the curves hold the recorded epochs');
      assert.notEqual(
        await frame.locator('.training-view progress').evaluate((e) => (e as HTMLProgressElement).value),
        1,
        'the progress bar is not full',
      );
      assert.doesNotMatch((await frame.locator('.training-view').textContent()) ?? '', /complete/i);
      // The tree shows the run as cancelled, with no accuracy as if it were a finished model.
      const [run] = tree.runRows(
        await tree.waitForChildren(
          p,
          'digits-long',
          (c) => tree.runRows(c).length === 1 && /cancelled/.test(tree.runRows(c)[0].description),
          'a cancelled run',
        ),
      );
      assert.doesNotMatch(run.description, /acc|★/);
      const experiment = (await tree.treeRows(p)).find((r) => r.level === 1 && r.label === 'digits-long');
      assert.equal(experiment?.description, 'digits.csv', 'no longer "training…"');
      const labels = await contextMenuLabels(p, tree.treeRowAt(p, run.index));
      assert.ok(labels.includes('Delete Run'), `a cancelled run can be deleted: ${labels.join(', ')}`);
      for (const only of ['Show Test Set', 'Pin Run', 'Explain Row…'])
        assert.ok(!labels.includes(only), `${only} is for complete runs only`);
      assert.equal(await p.getByText(/trained digits-long in/).count(), 0, 'no "trained" notification');
    });
  });

  it('lists the test set with predictions and explains a row from it', async () => {
    const p = livePage();
    await tree.tidy(p);
    const [runId] = runsOf('iris');
    const run = runJson('iris', runId);
    const rows = rowsJson('iris', runId);
    let firstSource = '';

    await step('test-set-open', async () => {
      const [runRow] = tree.runRows(await tree.childrenOf(p, 'iris'));
      assert.ok(runRow, 'the iris run is in the tree');
      await contextMenuAction(p, tree.runRowLabelled(p, runRow.label), 'Show Test Set');
      const frame = await webviewFrameWith(p, 'table.test-set tbody tr[data-row]', 120_000);
      const subtitle = (await frame.locator('.test-set-view .subtitle').textContent()) ?? '';
      assert.match(subtitle, new RegExp(`^${run.testRows} rows · accuracy [\\d.]+%`));
      const shown = await frame
        .locator('table.test-set tbody tr[data-row]')
        .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')));
      assert.equal(shown.length, run.testRows, 'every test row is listed');
      const classes = run.preprocessing.classes ?? [];
      const expectedSources = rows.test.map((r) => `${r.file}:${r.line}`).sort();
      assert.deepEqual(shown.map((cells) => cells[0]).sort(), expectedSources, 'the rows are the run’s test rows');
      for (const [source, label, prediction, probability, correct] of shown) {
        const line = Number(source.split(':').pop());
        const trueLabel = csvLine('iris.csv', line).split(',').pop()?.trim();
        assert.equal(label, trueLabel, `true label of ${source}`);
        assert.ok(classes.includes(prediction), `prediction of ${source} is a class: ${prediction}`);
        assert.ok(Number(probability) > 0 && Number(probability) <= 1, `probability of ${source}: ${probability}`);
        assert.equal(correct, prediction === trueLabel ? '✓ yes' : '✗ wrong', `correctness of ${source}`);
      }
      firstSource = shown[0][0];
      // Clicking a row explains it.
      await frame.locator('table.test-set tbody tr[data-row]').first().click();
    });

    await step('test-set-explain', async () => {
      const frame = await webviewFrameWith(p, '.identity .term.kernel-machine', 120_000);
      assert.equal((await frame.locator('.source-title').textContent())?.trim(), firstSource, 'the clicked row is explained');
      const testRow = rows.test.findIndex((r) => `${r.file}:${r.line}` === firstSource);
      assert.match((await frame.locator('.view-header .subtitle').textContent()) ?? '', new RegExp(`test row ${testRow} `));
      // Shown to 4 significant digits; the full number is the term's hover text (its last number).
      const value = async (term: string): Promise<number> =>
        titleNumber((await frame.locator(`.identity .term.${term}`).getAttribute('title')) ?? '');
      const labelOf = async (term: string): Promise<string> =>
        (await frame.locator(`.identity .term.${term} .term-label`).textContent())?.trim() ?? '';
      assert.match(await labelOf('bias'), /^bias/);
      assert.equal(await labelOf('kernel-machine'), 'kernel machine');
      assert.equal(await labelOf('network'), 'network output');
      const [bias, sum, kernelMachine, network] = [
        await value('bias'),
        await value('sum'),
        await value('kernel-machine'),
        await value('network'),
      ];
      for (const v of [bias, sum, kernelMachine, network])
        assert.ok(Number.isFinite(v), `identity numbers are numbers: ${[bias, sum, kernelMachine, network].join(', ')}`);
      // In full (7 significant digits): bias + Σ = kernel machine up to that rounding.
      assert.ok(
        Math.abs(bias + sum - kernelMachine) <= 1e-5 * (Math.abs(bias) + Math.abs(sum) + 1),
        `bias ${bias} + Σ ${sum} = kernel machine ${kernelMachine}`,
      );
      const residual = (await frame.locator('.identity .residual').textContent()) ?? '';
      assert.match(residual, /Exact within tolerance/);
      const signed = Number(/Residual (\S+) \(relative/.exec(residual)?.[1]);
      assert.ok(
        Math.abs(network - kernelMachine - signed) <= 1e-5 * (Math.abs(network) + 1),
        `residual ${signed} = network ${network} − kernel machine ${kernelMachine}`,
      );
      assert.ok((await frame.locator('.contribution-section tbody tr[data-index]').count()) >= 5, 'training examples are listed');
    });
  });

  it('renames, pins and deletes a run from the tree context menu', async () => {
    const p = livePage();
    await tree.tidy(p);
    const [runId] = runsOf('iris');
    const runDir = join(workspace, '.kernel-lens', 'runs', 'iris', runId);

    const irisRun = async (label: string): Promise<Locator> => {
      await tree.waitForChildren(p, 'iris', (c) => tree.runRows(c).some((r) => r.label === label), `the run "${label}"`);
      return tree.runRowLabelled(p, label);
    };

    await step('rename', async () => {
      await contextMenuAction(p, await irisRun('iris'), 'Rename or Annotate Run');
      const title = p.locator('.quick-input-widget .quick-input-title');
      const input = p.locator('.quick-input-widget input.input');
      await title.filter({ hasText: `Rename run iris` }).waitFor({ timeout: 10_000 });
      await input.fill('baseline');
      await p.keyboard.press('Enter');
      await title.filter({ hasText: 'Annotate run baseline' }).waitFor({ timeout: 10_000 });
      await input.fill('first try, 16 tanh units');
      await p.keyboard.press('Enter');
      await irisRun('baseline');
      const run = runJson('iris', runId);
      assert.equal(run.label, 'baseline');
      assert.equal(run.annotation, 'first try, 16 tanh units');
      assert.equal(run.status, 'complete');
    });

    await step('pin', async () => {
      const row = await irisRun('baseline');
      assert.ok((await contextMenuLabels(p, row)).includes('Pin Run'), 'an unpinned run offers Pin Run');
      await contextMenuAction(p, row, 'Pin Run');
      await waitFor(() => runJson('iris', runId).pinned === true, { what: 'run.json to say pinned', timeoutMs: 15_000 });
      assert.equal(runJson('iris', runId).pinned, true);
      // The menu follows: a pinned run offers Unpin instead.
      let labels: string[] = [];
      await waitFor(
        async () => {
          labels = await contextMenuLabels(p, await irisRun('baseline'));
          return labels.includes('Unpin Run');
        },
        { what: 'the menu to offer Unpin Run', timeoutMs: 15_000, intervalMs: 300 },
      ).catch(() => undefined);
      assert.ok(labels.includes('Unpin Run') && !labels.includes('Pin Run'), `pinned run menu: ${labels.join(', ')}`);
      // The run says why it answers hovers, and a click reopens its training view.
      const [pinned] = tree.runRows(
        await tree.waitForChildren(
          p,
          'iris',
          (c) => tree.runRows(c).some((r) => r.label === 'baseline' && /★ pinned/.test(r.description)),
          'the run marked pinned',
        ),
      );
      assert.match(pinned.description, /^★ pinned · /);
      await tree.treeRowAt(p, pinned.index).click();
      const frame = await webviewFrameWith(p, '.training-view .next-steps:not([hidden])', 30_000);
      assert.match((await frame.locator('.training-view [role=status]').textContent()) ?? '', /Status: complete/);
    });

    await step('delete', async () => {
      await contextMenuAction(p, await irisRun('baseline'), 'Delete Run');
      const dialog = p.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 10_000 });
      assert.match((await dialog.textContent()) ?? '', /Delete run baseline\?/);
      await dialog.getByRole('button', { name: 'Delete Run' }).click();
      await waitFor(() => !existsSync(runDir), { what: 'the run folder to go', timeoutMs: 15_000 }).catch(() => undefined);
      assert.ok(!existsSync(runDir), 'the run folder is gone');
      assert.deepEqual(runsOf('iris'), []);
      await tree.waitForChildren(p, 'iris', (c) => tree.runRows(c).length === 0 && c.some((r) => /No runs yet/.test(r.label)), 'no runs');
    });
  });

  it('says a run is stale in the CSV hover once a training row is edited', async () => {
    const p = livePage();
    await tree.tidy(p);
    let runId = '';
    let line = 0;

    await step('stale-train', async () => {
      runId = await tree.trainFromTree(p, 'iris', runsOf);
      assert.equal(runJson('iris', runId).status, 'complete');
      line = rowsJson('iris', runId).train[0].line;
    });

    await step('stale-hover-before', async () => {
      await runCommand(p, 'View: Close All Editor Groups');
      await openFileAtLine(p, 'iris.csv', line);
      const hover = await tree.showHover(p, line);
      // Before the edit the hover explains the row with current numbers.
      await hover.filter({ hasText: /Prediction: / }).waitFor({ timeout: 60_000 });
      assert.match((await hover.textContent()) ?? '', /train row 0/);
    });

    await step('stale-edit', async () => {
      const before = csvLine('iris.csv', line);
      const cells = before.split(',');
      cells[0] = (Number(cells[0]) + 1.3).toFixed(1);
      const after = cells.join(',');
      await p.keyboard.press('Escape');
      await runCommand(p, 'View: Focus Active Editor Group');
      await p.keyboard.press('Home');
      await p.keyboard.press('Shift+End');
      await p.keyboard.type(after);
      await p.locator('.tab.dirty[aria-label^="iris.csv"]').waitFor({ timeout: 10_000 });
      // Unsaved: the rows may have moved, so no explanation.
      const dirty = await tree.showHover(p, line);
      await dirty.filter({ hasText: /save the file to see explanations/ }).waitFor({ timeout: 10_000 });
      assert.doesNotMatch((await dirty.textContent()) ?? '', /Prediction:/);
      await p.keyboard.press('Escape');
      await runCommand(p, 'View: Focus Active Editor Group');
      await p.keyboard.press('Control+s');
      await p.locator('.tab[aria-label^="iris.csv"]:not(.dirty)').waitFor({ timeout: 10_000 });
      assert.equal(csvLine('iris.csv', line), after, 'the edit is on disk');
    });

    await step('stale-hover-after', async () => {
      // Right after saving (its keyboard shortcut, no pause): the hover must not present the old numbers as current.
      await p.keyboard.press('Control+k');
      await p.keyboard.press('Control+i');
      const hover = p.locator('.monaco-hover:not(.hidden)', { hasText: 'Kernel Lens' }).first();
      await hover.waitFor({ timeout: 60_000 });
      const text = (await hover.textContent()) ?? '';
      assert.match(text, /run iris is stale/);
      assert.match(text, /The dataset changed since this run was trained/);
      assert.doesNotMatch(text, /Prediction:|Residual|supporter/);
      const [run] = tree.runRows(
        await tree.waitForChildren(p, 'iris', (c) => tree.runRows(c).some((r) => /stale/.test(r.description)), 'a stale run'),
      );
      assert.match(run.description, /stale/);
    });
  });

  it('marks a misspelt target column in the experiment file and fixes it by its quick fix', async () => {
    const p = livePage();
    await tree.tidy(p);
    const file = join(workspace, 'typo.kernel.json');
    await step('typo-train', async () => {
      writeFileSync(
        file,
        JSON.stringify({ ...IRIS_EXPERIMENT, name: 'typo', dataset: { ...IRIS_EXPERIMENT.dataset, target: 'Specie' } }, null, 2) + '\n',
      );
      await runCommand(p, 'Kernel Lens: Refresh Experiments');
      await waitFor(async () => (await tree.treeRows(p)).some((r) => r.level === 1 && r.label === 'typo'), { what: 'typo in the tree' });
      const row = (await tree.treeRows(p)).find((r) => r.level === 1 && r.label === 'typo');
      assert.ok(row);
      const target = tree.treeRowAt(p, row.index);
      await target.hover();
      await target.locator('.action-label[aria-label="Train Experiment"]').click();
      // The notification leads to the problem, and the training view keeps the message.
      const toast = p.locator('.notification-toast', { hasText: /training typo failed: .*dataset\.target: column "Specie" not found/ });
      await toast.waitFor({ timeout: 60_000 });
      const frame = await webviewFrameWith(p, '.training-problem:not([hidden])', 30_000);
      assert.match((await frame.locator('.training-problem').textContent()) ?? '', /column "Specie" not found/);
      // No run was made: the experiment itself says its training was refused.
      await waitFor(
        async () => (await tree.treeRows(p)).some((r) => r.level === 1 && r.label === 'typo' && r.description === 'training refused'),
        {
          what: 'typo marked "training refused" in the tree',
        },
      );
      await toast.locator('.monaco-button', { hasText: 'Show Problem' }).click();
      await p.locator('.tab.active[aria-label^="typo.kernel.json"]').waitFor({ timeout: 15_000 });
    });
    await step('typo-fix', async () => {
      // The squiggle is on the value, in Problems, with "Use column 'species'" as the preferred fix.
      await runCommand(p, 'Problems: Focus on Problems View');
      await p
        .locator('.markers-panel .monaco-list-row', { hasText: /dataset\.target: column "Specie" not found/ })
        .first()
        .waitFor({ timeout: 15_000 });
      await runCommand(p, 'View: Focus Active Editor Group');
      await runCommand(p, 'Quick Fix...');
      const rows = p.locator('.action-widget .monaco-list-row.action');
      await rows.first().waitFor({ timeout: 15_000 });
      const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
      assert.equal(labels[0], "Use column 'species'", labels.join(' | '));
      await p.keyboard.press('Enter');
      // The edit is in the editor (this test wrote the file from outside, so it is not saved over the disk's copy).
      await p
        .locator('.editor-instance .monaco-editor .view-line', { hasText: '"target": "species"' })
        .first()
        .waitFor({ timeout: 15_000 });
      await waitFor(
        async () => (await p.locator('.markers-panel .monaco-list-row', { hasText: /column "Specie" not found/ }).count()) === 0,
        {
          what: 'the marker to go with the edit',
        },
      );
      await runCommand(p, 'File: Revert File');
    });
  });

  it('explains a run stored as checkpoints (over its path budget) exactly, from the Test Set view and a hover', async () => {
    const p = livePage();
    await tree.tidy(p);
    const name = 'digits-replayed';
    let runId = '';
    await step('replayed-train', async () => {
      // Trained by the CLI under a 4 MiB budget: this run's full path (451 × 2 442 weights, Adam's moments and the
      // index) would take ≈ 21 MiB, so it stores checkpoints; the editor then finds it like any other run.
      const file = join(workspace, `${name}.kernel.json`);
      writeFileSync(
        file,
        JSON.stringify(
          {
            ...longExperiment,
            name,
            // The pixel columns declared as 8×8 images: the hover shows each row's picture.
            dataset: { ...longExperiment.dataset, image: { width: 8, height: 8 } },
            model: { hidden: [{ units: 32, activation: 'tanh' }] },
            training: { ...longExperiment.training, epochs: 10 },
          },
          null,
          2,
        ),
      );
      const trained = spawnSync(
        process.execPath,
        [join(__dirname, '..', '..', 'bin', 'kernel-lens.js'), 'train', file, '--path-budget-mb', '4'],
        {
          encoding: 'utf8',
        },
      );
      assert.equal(trained.status, 0, trained.stderr);
      [runId] = runsOf(name);
      const run = runJson(name, runId) as ReturnType<typeof runJson> & { pathLayout?: string; replay?: { every: number } };
      assert.equal(run.status, 'complete');
      assert.equal(run.pathLayout, 'checkpoints', 'over the budget, checkpoints are stored');
      assert.ok((run.replay?.every ?? 0) > 1, `a checkpoint every ${run.replay?.every} steps`);
      const bytes = folderBytes(join(workspace, '.kernel-lens', 'runs', name, runId));
      assert.ok(bytes <= 4 * 2 ** 20, `the run folder (${bytes} bytes) fits the 4 MiB budget`);
      await runCommand(p, 'Kernel Lens: Refresh Experiments');
      await waitFor(async () => (await tree.treeRows(p)).some((r) => r.level === 1 && r.label === name), { what: `${name} in the tree` });
    });
    await step('replayed-test-set', async () => {
      const run = runJson(name, runId);
      // The tree shows the run complete (with its accuracy) once the training's refresh is in.
      const [runRow] = tree.runRows(
        await tree.waitForChildren(p, name, (c) => tree.runRows(c).some((r) => /acc \d/.test(r.description)), 'a complete run'),
      );
      assert.ok(runRow, 'the run is in the tree');
      await contextMenuAction(p, tree.runRowLabelled(p, runRow.label), 'Show Test Set');
      // One replay explains the whole test split (the background cache), then the view lists every row.
      const frame = await webviewFrameWith(p, 'table.test-set tbody tr[data-row]', 240_000);
      // Virtualized: the status line counts every row.
      await waitFor(
        async () => ((await frame.locator('.test-set-view').textContent()) ?? '').includes(`${run.testRows} of ${run.testRows} rows shown`),
        { what: 'every test row', timeoutMs: 240_000 },
      );
      await frame.locator('table.test-set tbody tr[data-row]').first().click();
      const explanation = await webviewFrameWith(p, '.identity .term.kernel-machine', 240_000);
      assert.match((await explanation.locator('.identity .residual').textContent()) ?? '', /Exact within tolerance/);
      assert.ok((await explanation.locator('.contribution-section tbody tr[data-index]').count()) >= 5, 'training examples are listed');
    });
    await step('replayed-hover', async () => {
      const rows = rowsJson(name, runId);
      const line = rows.test[0].line;
      // digits-long reads digits.csv too (its hover would ask which experiment answers): it has done its part.
      rmSync(join(workspace, 'digits-long.kernel.json'));
      await runCommand(p, 'Kernel Lens: Refresh Experiments');
      await waitFor(async () => !(await tree.treeRows(p)).some((r) => r.level === 1 && r.label === 'digits-long'), {
        what: 'digits-long gone from the tree',
      });
      await runCommand(p, 'View: Close All Editor Groups');
      await openFileAtLine(p, 'digits.csv', line);
      const hover = await tree.showHover(p, line);
      await hover.filter({ hasText: /Prediction: / }).waitFor({ timeout: 120_000 });
      assert.match((await hover.textContent()) ?? '', /test row \d+/);
      // The row's picture, from its pixel cells, as a data URI (16.7).
      assert.equal(await hover.locator('img[src^="data:image/png;base64,"]').count(), 1, 'the row as an image');
      await p.keyboard.press('Escape');
    });
  });

  it('explains a row under two runs side by side from Compare Runs', async () => {
    const p = livePage();
    await tree.tidy(p);
    const name = 'iris-seeds';
    await step('compare-row-train', async () => {
      // Two runs that differ in their seed (and so in their split and batch order), trained by the CLI.
      const file = join(workspace, `${name}.kernel.json`);
      for (const seed of [1, 2]) {
        writeFileSync(file, JSON.stringify({ ...IRIS_EXPERIMENT, name, training: { ...IRIS_EXPERIMENT.training, seed } }, null, 2));
        const trained = spawnSync(process.execPath, [join(__dirname, '..', '..', 'bin', 'kernel-lens.js'), 'train', file], {
          encoding: 'utf8',
        });
        assert.equal(trained.status, 0, trained.stderr);
      }
      assert.equal(runsOf(name).length, 2);
      await runCommand(p, 'Kernel Lens: Refresh Experiments');
      await waitFor(async () => (await tree.treeRows(p)).some((r) => r.level === 1 && r.label === name), { what: `${name} in the tree` });
    });
    await step('compare-row-explain', async () => {
      await runCommand(p, 'View: Close All Editor Groups');
      await runCommand(p, 'Kernel Lens: Compare Runs');
      const input = p.locator('.quick-input-widget input.input');
      await p.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor({ timeout: 15_000 });
      await input.fill(name);
      await p.keyboard.press('Enter');
      const frame = await webviewFrameWith(p, '.row-comparison-section vscode-button.compare-row', 60_000);
      await frame.locator('.row-comparison-section vscode-button.compare-row').click();
      // The row picker lists the first run's rows, test rows first: take the first.
      await p.locator('.quick-input-widget .quick-input-title', { hasText: 'Explain a row under' }).waitFor({ timeout: 15_000 });
      await p.locator('.quick-input-list .monaco-list-row', { hasText: 'test row 0' }).first().waitFor({ timeout: 15_000 });
      await p.keyboard.press('Enter');
      const changes = frame.locator('table.contribution-changes tbody tr');
      await changes.first().waitFor({ timeout: 120_000 });
      assert.equal(await frame.locator('.compared-run').count(), 2, 'the two runs side by side');
      assert.ok((await changes.count()) >= 10, 'each run brings its strongest supporters and opposers');
      assert.match((await frame.locator('.row-compared').textContent()) ?? '', /^Row iris\.csv:\d+/);
      // Both runs explain the same class's logit.
      assert.match((await frame.locator('.row-compared').textContent()) ?? '', /both explain the logit of class/);
    });
  });
});
