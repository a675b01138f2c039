/** The test set webview: every test row with label, prediction, correctness, explained output and residual. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PersistedWebviewState, RunInfo } from '../../protocol';
import type { Explainer } from './explainer';
import type { ExplanationCache } from './explanationCache';
import { openCsvRow } from '../hover/openRow';
import { testSetRow } from './testSetRows';
import { createWebviewPanel, WebviewHost } from '../webview/webviewHost';
import { messageOf } from '../../shared/messageOf';

export const TEST_SET_VIEW_TYPE = 'kernelLens.testSet';
const RUN_BY_NAME = 'kernelLens.testSetRuns';

export interface TestSetPanelDeps {
  extensionUri: vscode.Uri;
  explainer: Explainer;
  /** Remembers which run each shown test set belongs to, for panels revived after a reload. */
  memento: vscode.Memento;
  cache: ExplanationCache;
  /** Opens a row's explanation (the explanation panel). */
  explainRow(runDir: string, split: 'train' | 'test', row: number): Promise<unknown>;
}

export class TestSetPanel {
  private static readonly panels = new Map<string, TestSetPanel>();
  private readonly host: WebviewHost;
  private run: RunInfo | undefined;

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: TestSetPanelDeps,
  ) {
    this.host = new WebviewHost(panel, deps.extensionUri);
    this.host.onMessage(async (m) => {
      const run = this.run;
      if (!run) return;
      if (m.type === 'explainRow') await deps.explainRow(run.dir, m.split, m.row);
      else if (m.type === 'openRow')
        await openCsvRow(path.resolve(path.dirname(run.experimentFile), m.file), m.line, { stale: run.stale === true });
    });
    panel.onDidDispose(() => {
      for (const [key, value] of TestSetPanel.panels) if (value === this) TestSetPanel.panels.delete(key);
    });
  }

  static async show(deps: TestSetPanelDeps, run: RunInfo): Promise<void> {
    let panel = TestSetPanel.panels.get(run.dir);
    if (panel) panel.host.panel.reveal();
    else {
      panel = new TestSetPanel(createWebviewPanel(TEST_SET_VIEW_TYPE, `Test Set: ${run.label ?? run.name}`, deps.extensionUri), deps);
      TestSetPanel.panels.set(run.dir, panel);
    }
    await panel.load(run);
  }

  static registerSerializer(deps: TestSetPanelDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(TEST_SET_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel: vscode.WebviewPanel, saved: unknown) => {
        const panel = new TestSetPanel(webviewPanel, deps);
        const persisted = saved as (PersistedWebviewState & { runDir?: string }) | undefined;
        const runDir =
          persisted?.view === 'testSet' ? deps.memento.get<Record<string, string>>(RUN_BY_NAME, {})[persisted.state.runName] : undefined;
        const run = runDir ? await deps.explainer.loadRun(runDir).catch(() => undefined) : undefined;
        if (run) {
          TestSetPanel.panels.set(run.dir, panel);
          await panel.load(run);
        } else if (persisted?.view === 'testSet')
          panel.host.show({ type: 'testSet', runName: persisted.state.runName, rows: persisted.state.rows, image: persisted.state.image });
        else panel.host.show({ type: 'error', message: 'Run "Kernel Lens: Show Test Set" to fill this view.' });
      },
    });
  }

  private async load(run: RunInfo): Promise<void> {
    this.run = run;
    const byName = this.deps.memento.get<Record<string, string>>(RUN_BY_NAME, {});
    await this.deps.memento.update(RUN_BY_NAME, { ...byName, [run.label ?? run.name]: run.dir });
    this.host.post({ type: 'busy', message: `Explaining ${run.testRows} test rows…` });
    try {
      const facts = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Kernel Lens: explaining the test set of ${run.label ?? run.name}`,
          cancellable: true,
        },
        (_p, token) => {
          this.deps.cache.fillAll(run);
          return this.deps.cache.rows(run, 'test', token);
        },
      );
      this.host.show({
        type: 'testSet',
        runName: run.label ?? run.name,
        rows: facts.map((f) => testSetRow(f.row, f.facts)),
        image: run.image ?? null,
      });
    } catch (e) {
      const message = e instanceof vscode.CancellationError ? 'Cancelled.' : messageOf(e);
      this.host.show({ type: 'error', message });
    }
  }
}
