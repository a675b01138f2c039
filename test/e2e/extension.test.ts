/**
 * End-to-end in real VS Code (code-server + Chromium): train from the Experiments tree, explain the test row under
 * the cursor from the command palette, read the explanation webview and a row hover, see the Suspicious Rows view
 * and its warning markers on planted label flips in the Problems panel, relabel one and ignore another by their
 * quick fixes; then, in Restricted Mode,
 * check that training is refused while the run can still be read.
 *
 * Needs `bash scripts/setup-code-server.sh` first. Run: node --import tsx --test test/e2e/*.test.ts
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { waitFor } from '../helpers/waitFor';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  closeSession,
  failureRecorder,
  IRIS_EXPERIMENT,
  launchBrowser,
  openFileAtLine,
  openWorkbench,
  paletteTitles,
  prepareE2eFolder,
  QUIET_SETTINGS,
  runCommand,
  startCodeServer,
  webviewFrameWith,
  type CodeServer,
} from './codeServer';

const baseSettings = { ...QUIET_SETTINGS, 'editor.hover.delay': 300 };
/** 1-based lines of iris.csv whose label is flipped to another class. */
const FLIPPED_LINES = [8, 27, 46, 64, 83, 102, 121, 140];

/** Opens the Quick Fix menu at the cursor and applies the fix whose title starts with `title`, by keyboard. */
async function chooseQuickFix(p: Page, title: string): Promise<void> {
  await runCommand(p, 'Quick Fix...');
  const rows = p.locator('.action-widget .monaco-list-row.action');
  await rows.first().waitFor({ timeout: 15_000 });
  const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  const index = labels.findIndex((l) => l.startsWith(title));
  assert.ok(index >= 0, `quick fix "${title}" among ${labels.join(' | ')}`);
  // The first fix is focused when the menu opens.
  for (let k = 0; k < index; k++) await p.keyboard.press('ArrowDown');
  await p.locator('.action-widget .monaco-list-row.action.focused', { hasText: title }).waitFor({ timeout: 5_000 });
  await p.keyboard.press('Enter');
}

describe('Kernel Lens in code-server', { timeout: 600_000 }, () => {
  let root = '';
  let workspace = '';
  let extDir = '';
  let browser: Browser | undefined;
  let server: CodeServer | undefined;
  let page: Page | undefined;

  before(() => {
    ({ root, extDir, workspace } = prepareE2eFolder('kl-e2e-', ['iris.csv'], { iris: IRIS_EXPERIMENT }));
    // A few planted label flips, so the Suspicious Rows markers have wrong labels to flag and relabel.
    const file = join(workspace, 'iris.csv');
    const lines = readFileSync(file, 'utf8').split('\n');
    const next: Record<string, string> = { setosa: 'virginica', versicolor: 'setosa', virginica: 'versicolor' };
    for (const line of FLIPPED_LINES) {
      // The sample ends its lines with \r\n: the \r stays.
      const cells = lines[line - 1].replace(/\r$/, '').split(',');
      cells[cells.length - 1] = next[cells[cells.length - 1]];
      lines[line - 1] = `${cells.join(',')}\r`;
    }
    writeFileSync(file, lines.join('\n'));
  });

  after(() => closeSession({ page, browser, root }));

  const step = failureRecorder('e2e', () => ({ page, server }));

  it('trains from the tree, explains the row under the cursor, and hovers a row', async () => {
    server = await startCodeServer({ extDir, workspace, settings: { ...baseSettings, 'security.workspace.trust.enabled': false } });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server, workspace);
    const p = page;

    await step('tree', async () => {
      await p.locator('.activitybar [aria-label^="Kernel Lens"]').first().click();
      const row = p
        .locator('.monaco-list-row')
        .filter({ has: p.locator('.label-name', { hasText: /^iris$/ }) })
        .first();
      await row.waitFor({ timeout: 60_000 });
      await row.hover();
      await row.locator('.action-label[aria-label="Train Experiment"]').click();
    });

    await step('train', async () => {
      await p
        .getByText(/Kernel Lens: trained iris in/)
        .first()
        .waitFor({ timeout: 180_000 });
      const runs = readdirSync(join(workspace, '.kernel-lens', 'runs', 'iris'));
      assert.equal(runs.length, 1);
      const run = JSON.parse(readFileSync(join(workspace, '.kernel-lens', 'runs', 'iris', runs[0], 'run.json'), 'utf8')) as {
        status: string;
      };
      assert.equal(run.status, 'complete');
    });

    await step('palette', async () => {
      // The engine runs (it just trained): the palette offers to stop or restart it, not to start it (16.10).
      const titles = await paletteTitles(p, 'Kernel Lens: Engine', 'Kernel Lens: Show Engine Log');
      const listed = (title: string): boolean => titles.some((t) => t.startsWith(title));
      assert.ok(listed('Kernel Lens: Stop Engine') && listed('Kernel Lens: Restart Engine'), titles.join(' | '));
      assert.ok(!listed('Kernel Lens: Start Engine'), `Start Engine is hidden while the engine runs: ${titles.join(' | ')}`);
    });

    const runDir = join(workspace, '.kernel-lens', 'runs', 'iris', readdirSync(join(workspace, '.kernel-lens', 'runs', 'iris'))[0]);
    const rows = JSON.parse(readFileSync(join(runDir, 'data', 'rows.json'), 'utf8')) as { test: { file: string; line: number }[] };
    const testLine = rows.test[0].line;
    let marked: number[] = [];
    const csvLines = readFileSync(join(workspace, 'iris.csv'), 'utf8').split('\n');
    const trueLabel = csvLines[testLine - 1].split(',').pop()?.trim() ?? '';

    await step('explain', async () => {
      await openFileAtLine(p, 'iris.csv', testLine);
      await runCommand(p, 'Kernel Lens: Explain Prediction');
      const frame = await webviewFrameWith(p, '.identity .term.kernel-machine', 120_000);
      const identity = (await frame.locator('.identity').textContent()) ?? '';
      assert.match(identity, /bias/);
      assert.match(identity, /kernel machine/);
      assert.match(identity, /network output/);
      assert.match(identity, /Residual/);
      const exampleRows = await frame.locator('.contribution-section tbody tr[data-index]').count();
      assert.ok(exampleRows >= 5, `expected at least 5 training examples, saw ${exampleRows}`);
      const text = (await frame.locator('body').textContent()) ?? '';
      assert.match(text, /iris\.csv:\d+/);
      assert.ok(text.includes(trueLabel), `the view names the true label ${trueLabel}`);
    });

    await step('pin', async () => {
      // Pinned, the explanation stays; the next one opens in the column beside it, so both show at once.
      const frame = await webviewFrameWith(p, 'vscode-button.pin', 30_000);
      await frame.locator('vscode-button.pin').click();
      await p.locator('.tab[aria-label^="📌 Explain"]').first().waitFor({ timeout: 15_000 });
      // Back in the data (its own column), the next row.
      await runCommand(p, 'View: Focus First Editor Group');
      await openFileAtLine(p, 'iris.csv', rows.test[1].line);
      await runCommand(p, 'Kernel Lens: Explain Prediction');
      await p.locator('.tab[aria-label^="Explain: test row 1"]').first().waitFor({ timeout: 120_000 });
      assert.equal(await p.locator('.tab[aria-label^="📌 Explain: test row 0"]').count(), 1, 'the pinned one stays');
      const groups = p.locator('.editor-group-container');
      const groupOf = async (tab: string): Promise<number> => {
        for (let g = 0; g < (await groups.count()); g++)
          if ((await groups.nth(g).locator(`.tab.active[aria-label^="${tab}"]`).count()) > 0) return g;
        return -1;
      };
      const pinnedGroup = await groupOf('📌 Explain: test row 0');
      const nextGroup = await groupOf('Explain: test row 1');
      assert.ok(pinnedGroup >= 0 && nextGroup >= 0, 'both explanations are the shown tab of their column');
      assert.equal(nextGroup, pinnedGroup + 1, 'the next explanation is beside the pinned one');
      assert.ok((await groups.count()) <= 3, 'the data, the pinned explanation and the next one');
      // Back to the first test row (in the data's column) for the hover.
      await runCommand(p, 'View: Focus First Editor Group');
      await openFileAtLine(p, 'iris.csv', testLine);
    });

    await step('hover', async () => {
      await runCommand(p, 'View: Focus First Editor Group');
      await p.locator('.statusbar', { hasText: `Ln ${testLine},` }).waitFor({ timeout: 10_000 });
      await runCommand(p, 'Show or Focus Hover');
      const hover = p.locator('.monaco-hover:not(.hidden)', { hasText: 'Kernel Lens' }).first();
      await hover.waitFor({ timeout: 60_000 });
      const text = (await hover.textContent()) ?? '';
      assert.match(text, /Prediction: (setosa|versicolor|virginica) \(p [=<>] [\d.]+\)/);
      assert.match(text, new RegExp(`True label: ${trueLabel}`));
      assert.match(text, /supporter 1/);
      assert.match(text, /strongest opposer/);
      assert.match(text, /Residual/);
      assert.match(text, /Explain prediction/);
      // Supporters are links to their CSV rows through this extension's own command.
      const links = hover.locator('a[data-href^="command:kernelLens.openRow"], a[href^="command:kernelLens.openRow"]');
      assert.ok((await links.count()) >= 1, 'supporter rows are links');
    });

    await step('suspects', async () => {
      // The only experiment's run answers: the view ranks its training rows as soon as it is shown.
      await runCommand(p, 'Focus on Suspicious Rows View');
      const first = p.locator('.monaco-list-row', { hasText: /^\s*1\. iris\.csv:\d+/ }).first();
      await first.waitFor({ timeout: 60_000 });
      const listed = await p.locator('.monaco-list-row', { hasText: /^\s*\d+\. iris\.csv:\d+/ }).count();
      assert.ok(listed >= 5, `expected ranked rows, saw ${listed}`);
      // Each row says its label and what the rest of the training data votes for (its leave-self-out prediction).
      assert.match(
        (await first.textContent()) ?? '',
        /labelled (setosa|versicolor|virginica), the rest (says (setosa|versicolor|virginica)|agrees) \(([<>] )?[\d.]+\)/,
      );
      // Warning markers on the top-ranked rows whose label the rest of the data contradicts (at most 5 of 120 rows).
      await runCommand(p, 'Problems: Focus on Problems View');
      const markers = p.locator('.markers-panel .monaco-list-row', { hasText: /label '(setosa|versicolor|virginica)' is suspicious/ });
      await markers.first().waitFor({ timeout: 30_000 });
      const count = await markers.count();
      assert.ok(count >= 3 && count <= 5, `expected 3 to 5 markers, saw ${count}`);
      const texts = await markers.allTextContents();
      for (const t of texts)
        assert.match(t, /the rest of the data says '(setosa|versicolor|virginica)'/, 'only contradicted labels are marked');
      const markedLines = texts.map((t) => Number(/\[Ln (\d+), Col \d+\]/.exec(t)?.[1]));
      assert.ok(
        markedLines.every((l) => Number.isInteger(l)),
        `marker lines ${markedLines.join(', ')}`,
      );
      const planted = markedLines.filter((l) => FLIPPED_LINES.includes(l)).length;
      assert.ok(planted >= 3, `most markers are planted flips (${planted} of ${markedLines.join(', ')})`);
      marked = markedLines;
    });

    await step('quick fixes', async () => {
      const [relabelLine, ignoreLine] = marked;
      const suggested = /the rest of the data says '(\w+)'/.exec(
        (await p
          .locator('.markers-panel .monaco-list-row', { hasText: `[Ln ${relabelLine},` })
          .first()
          .textContent()) ?? '',
      )?.[1];
      assert.ok(suggested, 'the marker names the suggested class');
      // "Ignore this row" on another marker keeps it in the experiment file (first: an edit of the CSV takes its markers away).
      if (ignoreLine !== undefined) {
        await openFileAtLine(p, 'iris.csv', ignoreLine);
        await chooseQuickFix(p, 'Ignore this row');
        const experimentFile = join(workspace, 'iris.kernel.json');
        type Experiment = { suspects?: { ignore?: { file: string; line: number }[] } };
        // Parsed whole (a read while the editor saves may see part of the file).
        const experiment = await waitFor(
          () => {
            try {
              const parsed = JSON.parse(readFileSync(experimentFile, 'utf8')) as Experiment;
              return parsed.suspects?.ignore ? parsed : null;
            } catch {
              return null;
            }
          },
          { what: 'the experiment file lists the row' },
        );
        assert.deepEqual(experiment.suspects?.ignore, [{ file: 'iris.csv', line: ignoreLine }]);
      }
      // "Relabel as …" edits the label cell (unsaved, undoable); saved, the file holds the new label and nothing else changed.
      const before = readFileSync(join(workspace, 'iris.csv'), 'utf8').split('\n');
      await openFileAtLine(p, 'iris.csv', relabelLine);
      await chooseQuickFix(p, `Relabel as '${suggested}'`);
      await runCommand(p, 'File: Save');
      // Saved whole (a read while the editor writes may see part of the file).
      const after = await waitFor(
        () => {
          const lines = readFileSync(join(workspace, 'iris.csv'), 'utf8').split('\n');
          return lines.length === before.length && lines.join('\n') !== before.join('\n') ? lines : null;
        },
        { what: 'iris.csv saved with the new label' },
      );
      const cells = before[relabelLine - 1].replace(/\r$/, '').split(',');
      cells[cells.length - 1] = suggested;
      assert.equal(after[relabelLine - 1], `${cells.join(',')}\r`);
      assert.deepEqual(
        after.filter((_, k) => k !== relabelLine - 1),
        before.filter((_, k) => k !== relabelLine - 1),
      );
    });

    await page.context().close();
    page = undefined;
    await server.stop();
    server = undefined;
  });

  it('refuses to train in Restricted Mode but still lists the run', async () => {
    server = await startCodeServer({
      extDir,
      workspace,
      settings: {
        ...baseSettings,
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
        'security.workspace.trust.banner': 'never',
      },
    });
    browser ??= await launchBrowser();
    page = await openWorkbench(browser, server, workspace);
    const p = page;
    await step('restricted', async () => {
      await p.locator('.activitybar [aria-label^="Kernel Lens"]').first().click();
      const runRow = p
        .locator('.monaco-list-row')
        .filter({ has: p.locator('.label-description', { hasText: /acc \d/ }) })
        .first();
      await runRow.waitFor({ timeout: 60_000 });
      await runCommand(p, 'Kernel Lens: Train Experiment');
      await p
        .getByText(/training is disabled in Restricted Mode/)
        .first()
        .waitFor({ timeout: 30_000 });
      assert.equal(readdirSync(join(workspace, '.kernel-lens', 'runs', 'iris')).length, 1, 'no new run was written');
    });
  });
});
