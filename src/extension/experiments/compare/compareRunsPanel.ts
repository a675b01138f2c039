/** The compare-runs webview (one per experiment): its runs side by side; a run's title opens its training view. */
import type * as vscode from 'vscode';
import type { RunInfo } from '../../../protocol';
import type { ExperimentEntry, ExperimentStore } from '../model/experimentStore';
import { createWebviewPanel, WebviewHost } from '../../webview/webviewHost';
import { compareRunsState } from './compareRunsState';

export const COMPARE_RUNS_VIEW_TYPE = 'kernelLens.compareRuns';

export interface CompareRunsDeps {
  extensionUri: vscode.Uri;
  store: ExperimentStore;
  showRun(run: RunInfo): void;
}

export class CompareRunsPanel {
  private static readonly panels = new Map<string, CompareRunsPanel>();
  private readonly host: WebviewHost;
  private runs: RunInfo[] = [];
  private readonly subscription: vscode.Disposable;

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: CompareRunsDeps,
    private readonly experiment: ExperimentEntry,
  ) {
    this.host = new WebviewHost(panel, deps.extensionUri);
    this.host.onMessage((m) => {
      if (m.type !== 'showRun') return;
      const run = this.runs.find((r) => r.dir === m.runDir);
      if (run) deps.showRun(run);
    });
    // New, renamed or deleted runs show up here too.
    this.subscription = deps.store.onDidChange(() => void this.load());
    panel.onDidDispose(() => {
      this.subscription.dispose();
      CompareRunsPanel.panels.delete(experiment.file);
    });
  }

  static async show(deps: CompareRunsDeps, experiment: ExperimentEntry): Promise<void> {
    let view = CompareRunsPanel.panels.get(experiment.file);
    if (view) view.host.panel.reveal();
    else {
      view = new CompareRunsPanel(
        createWebviewPanel(COMPARE_RUNS_VIEW_TYPE, `Compare Runs: ${experiment.name}`, deps.extensionUri),
        deps,
        experiment,
      );
      CompareRunsPanel.panels.set(experiment.file, view);
    }
    await view.load();
  }

  private async load(): Promise<void> {
    const { runs, error } = await this.deps.store.runs(this.experiment.file);
    this.runs = runs;
    if (error) this.host.show({ type: 'error', message: `Could not list the runs of ${this.experiment.name}: ${error}` });
    else this.host.show({ type: 'compareRuns', state: compareRunsState(this.experiment.name, runs) });
  }
}
