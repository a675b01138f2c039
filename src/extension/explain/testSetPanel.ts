/** The test set webview: every test row with label, prediction, correctness, explained output and residual. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PersistedWebviewState, RunInfo, SuspectsResult } from '../../protocol';
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
  /** The Suspicious Rows ranking of a run, once computed (the dataset view's suspicion column). */
  suspects?: (run: RunInfo) => SuspectsResult | null;
}

export interface TestSetOptions {
  /** The dataset view: the training rows too, with their split and suspicion rank. */
  dataset?: boolean;
}

export class TestSetPanel {
  private static readonly panels = new Map<string, TestSetPanel>();
  private readonly host: WebviewHost;
  private run: RunInfo | undefined;

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: TestSetPanelDeps,
    private readonly options: TestSetOptions = {},
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

  static async show(deps: TestSetPanelDeps, run: RunInfo, options: TestSetOptions = {}): Promise<void> {
    const key = `${options.dataset ? 'dataset' : 'test'}:${run.dir}`;
    let panel = TestSetPanel.panels.get(key);
    if (panel) panel.host.panel.reveal();
    else {
      const title = `${options.dataset ? 'Dataset' : 'Test Set'}: ${run.label ?? run.name}`;
      panel = new TestSetPanel(createWebviewPanel(TEST_SET_VIEW_TYPE, title, deps.extensionUri), deps, options);
      TestSetPanel.panels.set(key, panel);
    }
    await panel.load(run);
  }

  static registerSerializer(deps: TestSetPanelDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(TEST_SET_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel: vscode.WebviewPanel, saved: unknown) => {
        const persisted = saved as (PersistedWebviewState & { runDir?: string }) | undefined;
        const dataset = persisted?.view === 'testSet' && persisted.state.dataset === true;
        const panel = new TestSetPanel(webviewPanel, deps, { dataset });
        const runDir =
          persisted?.view === 'testSet' ? deps.memento.get<Record<string, string>>(RUN_BY_NAME, {})[persisted.state.runName] : undefined;
        const run = runDir ? await deps.explainer.loadRun(runDir).catch(() => undefined) : undefined;
        if (run) {
          TestSetPanel.panels.set(`${dataset ? 'dataset' : 'test'}:${run.dir}`, panel);
          await panel.load(run);
        } else if (persisted?.view === 'testSet')
          panel.host.show({
            type: 'testSet',
            runName: persisted.state.runName,
            rows: persisted.state.rows,
            image: persisted.state.image,
            dataset,
          });
        else panel.host.show({ type: 'error', message: 'Run "Kernel Lens: Show Test Set" to fill this view.' });
      },
    });
  }

  private async load(run: RunInfo): Promise<void> {
    this.run = run;
    const byName = this.deps.memento.get<Record<string, string>>(RUN_BY_NAME, {});
    await this.deps.memento.update(RUN_BY_NAME, { ...byName, [run.label ?? run.name]: run.dir });
    const dataset = this.options.dataset === true;
    const count = dataset ? run.testRows + run.trainRows : run.testRows;
    this.host.post({ type: 'busy', message: `Explaining ${count} ${dataset ? 'rows' : 'test rows'}…` });
    try {
      const rows = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Kernel Lens: explaining the ${dataset ? 'rows' : 'test set'} of ${run.label ?? run.name}`,
          cancellable: true,
        },
        async (_p, token) => {
          this.deps.cache.fillAll(run);
          const test = (await this.deps.cache.rows(run, 'test', token)).map((f) => ({
            ...testSetRow(f.row, f.facts),
            split: 'test' as const,
          }));
          if (!dataset) return test;
          // A checkpointed run's training rows are not filled in the background: the view asks for them.
          const train = await this.deps.cache.rows(run, 'train', token);
          const ranks = new Map((this.deps.suspects?.(run)?.rows ?? []).map((s) => [s.index, s]));
          return [
            ...train.map((f) => {
              const s = ranks.get(f.row);
              return {
                ...testSetRow(f.row, f.facts),
                split: 'train' as const,
                suspicion: s
                  ? { rank: s.rank, suggested: s.suggestedLabel && s.suggestedLabel !== s.label ? s.suggestedLabel : null }
                  : null,
              };
            }),
            ...test,
          ];
        },
      );
      this.host.show({ type: 'testSet', runName: run.label ?? run.name, rows, image: run.image ?? null, dataset });
    } catch (e) {
      const message = e instanceof vscode.CancellationError ? 'Cancelled.' : messageOf(e);
      this.host.show({ type: 'error', message });
    }
  }
}
