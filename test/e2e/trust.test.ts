/**
 * The trust tools end-to-end in real VS Code (code-server + Chromium): train iris from the Experiments tree,
 * explain a test row, press "Verify by retraining…" in the explanation webview and read the result it shows, then
 * open "Show Kernel Evolution" for the run and read its numbers, charts and tables. The numbers shown are checked
 * against the CLI (`verify`, `kernel`) run on the same run directory: retraining and the kernels are deterministic.
 *
 * Needs `bash scripts/setup-code-server.sh` first. Run: node --import tsx --test test/e2e/trust.test.ts
 */
import { titleNumber } from '../helpers/termTitle';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Frame, Page } from 'playwright-core';
import type { KernelEvolution, VerifyResult } from '../../src/protocol';
import {
  closeSession,
  failureRecorder,
  IRIS_EXPERIMENT,
  launchBrowser,
  openFileAtLine,
  openWorkbench,
  prepareE2eFolder,
  QUIET_SETTINGS,
  repo,
  runCommand,
  startCodeServer,
  webviewFrameWith,
  type CodeServer,
} from './codeServer';

const settings = {
  ...QUIET_SETTINGS,
  'security.workspace.trust.enabled': false,
  // Every training row listed, so the supporters table starts with the very rows verify removes.
  'kernelLens.explain.examplesShown': 1000,
};

/** Supporters removed; not the default 10, so the k field's value is what reaches the engine. */
const K = 5;
/** The random draws the extension asks for (src/extension/trust/verifyRunner.ts RANDOM_DRAWS). */
const DRAWS = 3;

/** A number as the webview shows it ("+1.234", "−0.5", "2.3e-7"). */
function shown(text: string | null | undefined): number {
  const value = Number((text ?? '').trim().replace('−', '-').replace(/^\+/, ''));
  assert.ok(Number.isFinite(value), `not a number: "${text}"`);
  return value;
}

/** Equal up to the 4 significant digits the webview shows. */
function assertShown(text: string | null | undefined, expected: number, what: string, rel = 1e-3): void {
  const value = shown(text);
  const ok = Math.abs(value - expected) <= Math.max(1e-9, rel * Math.max(Math.abs(value), Math.abs(expected)));
  assert.ok(ok, `${what}: shown ${text?.trim()}, expected ${expected}`);
}

function cli<T>(args: string[]): T {
  return JSON.parse(
    execFileSync(process.execPath, [join(repo, 'dist', 'engine.js'), ...args, '--json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as T;
}

describe('Trust tools in code-server', { timeout: 600_000 }, () => {
  let root = '';
  let workspace = '';
  let extDir = '';
  let browser: Browser | undefined;
  let server: CodeServer | undefined;
  let page: Page | undefined;

  before(() => {
    ({ root, extDir, workspace } = prepareE2eFolder('kl-e2e-trust-', ['iris.csv'], { iris: IRIS_EXPERIMENT }));
  });

  after(() => closeSession({ page, browser, root }));

  const step = failureRecorder('e2e-trust', () => ({ page, server }));

  it('verifies an explanation by retraining and shows the kernel evolution of the run', async () => {
    server = await startCodeServer({ extDir, workspace, settings });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server, workspace);
    const p = page;

    await step('train', async () => {
      await p.locator('.activitybar [aria-label^="Kernel Lens"]').first().click();
      const row = p
        .locator('.monaco-list-row')
        .filter({ has: p.locator('.label-name', { hasText: /^iris$/ }) })
        .first();
      await row.waitFor({ timeout: 60_000 });
      await row.hover();
      await row.locator('.action-label[aria-label="Train Experiment"]').click();
      await p
        .getByText(/Kernel Lens: trained iris in/)
        .first()
        .waitFor({ timeout: 180_000 });
    });
    const runsDir = join(workspace, '.kernel-lens', 'runs', 'iris');
    const runs = readdirSync(runsDir);
    assert.equal(runs.length, 1);
    const runDir = join(runsDir, runs[0]);
    const rows = JSON.parse(readFileSync(join(runDir, 'data', 'rows.json'), 'utf8')) as { test: { line: number }[] };
    const testLine = rows.test[0].line;

    let frame: Frame | undefined;
    let supporterSum = 0;
    let networkOutput = 0;
    let predicted = '';
    let backend = '';
    await step('explain', async () => {
      await openFileAtLine(p, 'iris.csv', testLine);
      await runCommand(p, 'Kernel Lens: Explain Prediction');
      frame = await webviewFrameWith(p, '.identity .term.kernel-machine', 120_000);
      // The explained output (the predicted class's logit) and its top K supporters, as the view shows them.
      networkOutput = titleNumber((await frame.locator('.identity .term.network').getAttribute('title')) ?? '');
      predicted = /^(\S+) \(p [=<>] /.exec((await frame.locator('.facts .prediction').textContent()) ?? '')?.[1] ?? '';
      assert.ok(['setosa', 'versicolor', 'virginica'].includes(predicted), `predicted class "${predicted}"`);
      const contributions = await frame.locator('.contribution-section.supporters tbody tr[data-index] td:nth-child(4)').allTextContents();
      assert.ok(contributions.length >= K, `at least ${K} supporters listed, saw ${contributions.length}`);
      const listed = await frame.locator('.contribution-section.supporters h2 .count').textContent();
      assert.ok(shown(listed?.replace(/[()]/g, '')) > 10, `all supporters listed (${listed}), not only those among the top 10`);
      supporterSum = contributions.slice(0, K).reduce((s, t) => s + shown(t), 0);
      assert.ok(supporterSum > 0);
    });

    await step('verify', async () => {
      const f = frame!;
      await f.locator('vscode-textfield.verify-k input').fill(String(K));
      await f.locator('vscode-button.verify-button').click();
      await f.locator('.verify-result').waitFor({ timeout: 180_000 });

      const caption = (await f.locator('#plot-verify details table caption').textContent()) ?? '';
      const captionMatch = /^Retraining without rows \((\w+), [\d.]+ s\); original output (\S+) logits$/.exec(caption.trim());
      assert.ok(captionMatch, `caption: ${caption}`);
      const originalText = captionMatch[2];
      backend = captionMatch[1];
      // What the engine computes for this row, outside VS Code, on the backend the panel reports.
      const expected = cli<VerifyResult>([
        'verify',
        runDir,
        '--split',
        'test',
        '--row',
        '0',
        '--k',
        String(K),
        '--draws',
        String(DRAWS),
        '--backend',
        backend,
      ]);
      assert.equal(expected.output.class, predicted, 'the CLI explains the same output');
      assertShown(originalText, expected.original, 'original output');
      assertShown(originalText, networkOutput, 'original output = the explanation’s network output');

      const tableRows = f.locator('#plot-verify details table tbody tr');
      assert.equal(await tableRows.count(), 1 + DRAWS, 'the supporters and each random draw');
      const removals = [expected.supporters, ...expected.random];
      for (let i = 0; i < removals.length; i++) {
        const cells = await tableRows.nth(i).locator('td').allTextContents();
        const m = removals[i];
        assert.equal(cells[0], i === 0 ? `top ${K} supporters` : `${K} random rows #${i}`);
        assert.equal(cells[1], String(K), 'rows removed');
        assertShown(cells[2], m.removedSum, `${cells[0]}: removed contribution sum`);
        assertShown(cells[3], -m.removedSum, `${cells[0]}: first-order estimate`);
        assertShown(cells[4], m.change, `${cells[0]}: actual change after retraining`);
        assertShown(cells[5], m.output, `${cells[0]}: output after retraining`);
        // The change is the retrained output minus the original (up to the digits shown).
        assert.ok(
          Math.abs(shown(cells[5]) - shown(originalText) - shown(cells[4])) <= 1e-3 * Math.max(1, Math.abs(shown(originalText))),
          `${cells[0]}: change = after − original`,
        );
      }
      // The supporters removed are the ones the explanation lists first: their shown contributions add up.
      const supportersRow = await tableRows.first().locator('td').allTextContents();
      assertShown(supportersRow[2], supporterSum, 'removed sum = the top supporters’ contributions in the explanation', 2e-3);

      // The chart has one dot per retraining for the actual change and one for the estimate.
      assert.equal(await f.locator('#plot-verify svg.kl-plot').count(), 1);
      assert.equal(await f.locator('#plot-verify g.series-a circle').count(), 1 + DRAWS);
      assert.equal(await f.locator('#plot-verify g.series-b circle').count(), 1 + DRAWS);

      // The reading in words, with the same numbers.
      const reading = (await f.locator('.verify-reading').textContent()) ?? '';
      const said = new RegExp(
        `Removing the top ${K} supporters \\(their contributions summed to (\\S+) logits\\) moved the logit of class “${predicted}” by (\\S+), from (\\S+) to (\\S+)\\.`,
      ).exec(reading);
      assert.ok(said, `reading: ${reading}`);
      assertShown(said[1], expected.supporters.removedSum, 'reading: removed sum');
      assertShown(said[2], expected.supporters.change, 'reading: change');
      assertShown(said[3], expected.original, 'reading: from');
      assertShown(said[4], expected.supporters.output, 'reading: to');
      const lowerThanAll = expected.random.every((r) => expected.supporters.change < r.change);
      const lowerThanMean = expected.supporters.change < expected.random.reduce((s, r) => s + r.change, 0) / DRAWS;
      assert.match(
        reading,
        lowerThanAll ? /more than every random removal did/ : lowerThanMean ? /partial confirmation/ : /retraining does not confirm them/,
      );
    });

    await step('kernel', async () => {
      await runCommand(p, 'Kernel Lens: Show Kernel Evolution');
      const f = await webviewFrameWith(p, '.kernel-view', 180_000);
      const expected = cli<KernelEvolution>(['kernel', runDir, '--backend', backend]);
      assert.match((await f.locator('h1').textContent()) ?? '', /Watch the kernel learn: “iris”/);
      assert.match(
        (await f.locator('.subtitle').textContent()) ?? '',
        new RegExp(`^${expected.sample.length} sampled training rows · computed in [\\d.]+ s$`),
      );

      const fact = (cls: string) => f.locator(`.kernel-facts .${cls}`).textContent();
      assertShown(await fact('alignment-initial'), expected.alignment.initial, 'alignment at initialization');
      assertShown(await fact('alignment-final'), expected.alignment.final, 'alignment at the end');
      assertShown(await fact('alignment-path'), expected.alignment.path, 'alignment of the path kernel');
      assertShown(await fact('relative-change'), expected.drift.relativeChange, 'relative change');
      assertShown(await fact('kernel-distance'), expected.drift.kernelDistance, 'kernel distance');
      assert.ok(expected.meanSameClassShare !== null);
      const share = shown((await fact('same-class-share'))?.replace('%', ''));
      assert.ok(
        Math.abs(share - 100 * expected.meanSameClassShare) <= 0.51,
        `same-class share ${share}% vs ${expected.meanSameClassShare}`,
      );
      const reading = (await f.locator('.kernel-reading').textContent()) ?? '';
      assert.match(reading, expected.drift.relativeChange < 0.1 ? /stayed close to a fixed kernel/ : /moved away from a fixed kernel/);

      // Every chart is drawn, with its table alternative.
      for (const id of ['plot-alignment', 'plot-same-class', 'plot-initial-final', 'plot-path-final']) {
        assert.equal(await f.locator(`#${id} svg.kl-plot`).count(), 1, `${id} chart`);
        assert.equal(await f.locator(`#${id} details.table-alternative table`).count(), 1, `${id} table`);
      }
      assert.equal(
        await f.locator('#plot-heatmaps svg.kl-plot[aria-label^="Heatmap"]').count(),
        3,
        'initial, final and path kernel heatmaps',
      );
      // Alignment along training: one dot and one table row per checkpoint, the last one the final alignment.
      const curve = expected.alignmentCurve;
      assert.equal(await f.locator('#plot-alignment g.series-a circle').count(), curve.length);
      const curveRows = f.locator('#plot-alignment details table tbody tr');
      assert.equal(await curveRows.count(), curve.length);
      const last = await curveRows.last().locator('td').allTextContents();
      assert.equal(Number(last[0]), curve[curve.length - 1].step);
      assertShown(last[2], curve[curve.length - 1].alignment, 'last checkpoint alignment');
      // Heatmap blocks: one row per pair of labels, each with three finite kernel means.
      const blockRows = f.locator('#plot-heatmaps details table tbody tr');
      assert.equal(await blockRows.count(), 9, 'three classes, 3 × 3 label pairs');
      for (const cells of await Promise.all([0, 4, 8].map((i) => blockRows.nth(i).locator('td').allTextContents()))) {
        assert.equal(cells[0], cells[1], 'diagonal block');
        for (const c of cells.slice(2)) shown(c);
      }
      // Same-class shares: one table row per explained row.
      assert.equal(await f.locator('#plot-same-class details table tbody tr').count(), expected.sameClass.length);
    });
  });
});
