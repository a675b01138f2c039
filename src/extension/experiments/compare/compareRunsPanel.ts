/**
 * The compare-runs webview (one per experiment): its runs side by side; a run's title opens its training view, and
 * "Explain a Row under Both…" explains one row under two runs with the supporters that changed.
 */
import * as vscode from 'vscode';
import type { RowComparison, RunInfo, Split } from '../../../protocol';
import type { ExperimentEntry, ExperimentStore } from '../model/experimentStore';
import type { RowLookup, RowRef } from '../model/rowLookup';
import type { RunRowsCache } from '../model/runRows';
import type { Explainer } from '../../explain/explainer';
import { createWebviewPanel, WebviewHost } from '../../webview/webviewHost';
import { compareRunsState } from './compareRunsState';
import { rowComparison, sameOutput } from './rowComparison';
import { runTitle } from '../tree/runDisplay';
import { showError } from '../../notify';
import { messageOf } from '../../../shared/messageOf';
import { rowSourceText } from '../../../shared/rowSource';

export const COMPARE_RUNS_VIEW_TYPE = 'kernelLens.compareRuns';

export interface CompareRunsDeps {
  extensionUri: vscode.Uri;
  store: ExperimentStore;
  explainer: Explainer;
  rows: RunRowsCache;
  showRun(run: RunInfo): void;
  pickRow(run: RunInfo, title: string): Promise<RowRef | undefined>;
}

/** The same data row in another run (its split and number there), by its file and line. */
function sameRowIn(lookup: RowLookup, run: RunInfo, file: string, line: number | null): RowRef | undefined {
  if (line !== null) return lookup.find(file, line);
  // An image file: look it up among the run's rows.
  for (const split of ['test', 'train'] as Split[]) {
    const count = split === 'test' ? run.testRows : run.trainRows;
    for (let row = 0; row < count; row++) if (lookup.source({ split, row })?.file === file) return { split, row };
  }
  return undefined;
}

export class CompareRunsPanel {
  private static readonly panels = new Map<string, CompareRunsPanel>();
  private readonly host: WebviewHost;
  private runs: RunInfo[] = [];
  private comparison: RowComparison | null = null;
  private readonly subscription: vscode.Disposable;

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: CompareRunsDeps,
    private readonly experiment: ExperimentEntry,
  ) {
    this.host = new WebviewHost(panel, deps.extensionUri);
    this.host.onMessage((m) => {
      if (m.type === 'showRun') {
        const run = this.runs.find((r) => r.dir === m.runDir);
        if (run) deps.showRun(run);
      } else if (m.type === 'compareRow') void this.compareRow(m.runDirs);
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
    else this.render();
  }

  private render(): void {
    this.host.show({
      type: 'compareRuns',
      state: { ...compareRunsState(this.experiment.name, this.runs), rowComparison: this.comparison },
    });
  }

  /** Asks for a row of the first run, explains it under both runs (the same output), and shows them side by side. */
  private async compareRow([dirA, dirB]: [string, string]): Promise<void> {
    const a = this.runs.find((r) => r.dir === dirA && r.status === 'complete');
    const b = this.runs.find((r) => r.dir === dirB && r.status === 'complete');
    if (!a || !b || a === b) {
      void showError('Kernel Lens: choose two different complete runs to explain a row under both.');
      return;
    }
    const titleA = runTitle(a, this.runs);
    const titleB = runTitle(b, this.runs);
    const ref = await this.deps.pickRow(a, `Explain a row under “${titleA}” and “${titleB}”`);
    if (!ref) return;
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Kernel Lens: explaining the row under both runs', cancellable: true },
        async (progress, token) => {
          const source = (await this.deps.rows.get(a)).source(ref);
          if (!source) throw new Error(`${ref.split} row ${ref.row} of ${titleA} has no place in the data.`);
          const refB = sameRowIn(await this.deps.rows.get(b), b, source.file, source.line);
          if (!refB)
            throw new Error(`${rowSourceText(source.file, source.line)} is not among the rows of ${titleB} (was the dataset changed?).`);
          progress.report({ message: titleA });
          // Every training row's contribution (full), so a row strong in one run is found wherever it is in the other.
          const [first] = await this.deps.explainer.explain(a, [ref], { full: true }, token);
          progress.report({ message: titleB });
          const [second] = await this.deps.explainer.explain(b, [refB], { output: sameOutput(first), full: true }, token);
          if (token.isCancellationRequested) return;
          this.comparison = rowComparison(
            { explanation: first, runDir: a.dir, title: titleA },
            { explanation: second, runDir: b.dir, title: titleB },
          );
          this.render();
        },
      );
    } catch (e) {
      if (!(e instanceof vscode.CancellationError))
        void showError(`Kernel Lens: could not explain the row under both runs: ${messageOf(e)}`);
    }
  }
}
