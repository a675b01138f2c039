/**
 * The selected run of the Suspicious Rows view and its self-influence ranking (`trust/suspects`).
 * The selected run is the one answering for the focused experiment (the active CSV's, or the one selected in
 * the Experiments tree, or the only one), unless "Show Suspicious Rows" chose a run explicitly.
 * The ranking is computed lazily (when the view or a marker needs it), once per run, and can be cancelled.
 */
import * as vscode from 'vscode';
import { EngineMethods, type RunInfo, type SuspectsResult } from '../../protocol';
import type { EngineConnection } from '../engine/engineConnection';
import type { ExperimentStore } from '../experiments/model/experimentStore';
import { normalizePath } from '../experiments/model/rowLookup';
import { answeringRun } from '../experiments/model/runSelection';
import { markerCount, rowKey } from './suspectMarkers';
import { messageOf } from '../../shared/messageOf';

export const SUSPECTS_VIEW_ID = 'kernelLens.suspects';
/** Rows listed in the view (the engine ranks all; a longer list is not something anyone reads). */
export const LISTED_ROWS = 500;

export type SuspectsStatus =
  | { kind: 'noRun' }
  | { kind: 'idle' }
  | { kind: 'computing' }
  | { kind: 'cancelled' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; result: SuspectsResult };

export class SuspectsService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private experimentFile: string | undefined;
  private explicit = false;
  private selected: RunInfo | undefined;
  private state: SuspectsStatus = { kind: 'noRun' };
  private cts: vscode.CancellationTokenSource | undefined;
  private ignored: ReadonlySet<string> = new Set();

  constructor(
    private readonly engine: EngineConnection,
    private readonly store: ExperimentStore,
  ) {
    this.disposables.push(store.onDidChange(() => void this.reconcile()));
    void this.reconcile();
  }

  get run(): RunInfo | undefined {
    return this.selected;
  }

  get status(): SuspectsStatus {
    return this.state;
  }

  /** The rows the experiment file's `suspects.ignore` lists (rowKey), of the selected run's experiment. */
  get ignoredRows(): ReadonlySet<string> {
    return this.ignored;
  }

  /** The experiment the user is looking at: its answering run becomes the selected run (unless one was chosen). */
  async focusExperiment(experimentFile: string): Promise<void> {
    const file = normalizePath(experimentFile);
    if (file === this.experimentFile && !this.explicit) return;
    this.experimentFile = file;
    this.explicit = false;
    await this.reconcile();
  }

  /** "Show Suspicious Rows" on a run: that run stays selected until another is chosen or it disappears. */
  async selectRun(run: RunInfo): Promise<void> {
    this.experimentFile = normalizePath(run.experimentFile);
    this.explicit = true;
    this.setRun(run);
    await vscode.commands.executeCommand(`${SUSPECTS_VIEW_ID}.focus`);
    this.ensure();
  }

  /** Re-reads the selected run (stale flag, deletion, a newer answering run) after the store changed. */
  async reconcile(): Promise<void> {
    let file = this.experimentFile;
    if (!file) {
      // Nothing focused yet: a workspace with a single experiment needs no choice.
      const configured = (await this.store.experiments()).filter((e) => e.config !== null);
      file = configured.length === 1 ? configured[0].file : undefined;
    }
    if (!file) return this.setRun(undefined);
    await this.readIgnored(file);
    const { runs } = await this.store.runs(file);
    const current = this.selected;
    const same = current ? runs.find((r) => normalizePath(r.dir) === normalizePath(current.dir)) : undefined;
    this.setRun(this.explicit && same ? same : answeringRun(runs));
  }

  private async readIgnored(experimentFile: string): Promise<void> {
    const entry = await this.store.experiment(experimentFile);
    const next = new Set((entry?.config?.suspects?.ignore ?? []).map(rowKey));
    const same = next.size === this.ignored.size && [...next].every((k) => this.ignored.has(k));
    this.ignored = next;
    if (!same) this.changed.fire();
  }

  private setRun(run: RunInfo | undefined): void {
    const previous = this.selected;
    this.selected = run;
    const sameRun = previous !== undefined && run !== undefined && normalizePath(previous.dir) === normalizePath(run.dir);
    if (sameRun) {
      if (previous.stale !== run.stale) this.changed.fire();
      return;
    }
    this.cts?.cancel();
    this.state = run ? { kind: 'idle' } : { kind: 'noRun' };
    this.changed.fire();
  }

  /** Starts the computation when nothing is known yet about the selected run. */
  ensure(): void {
    if (this.state.kind === 'idle') void this.compute();
  }

  cancel(): void {
    this.cts?.cancel();
  }

  async compute(): Promise<void> {
    const run = this.selected;
    if (!run || this.state.kind === 'computing') return;
    const cts = new vscode.CancellationTokenSource();
    this.cts = cts;
    this.state = { kind: 'computing' };
    this.changed.fire();
    await vscode.commands.executeCommand('setContext', 'kernelLens.suspects.computing', true);
    try {
      const top = Math.min(run.trainRows, Math.max(LISTED_ROWS, markerCount(markerSetting(), run.trainRows)));
      const result = await vscode.window.withProgress({ location: { viewId: SUSPECTS_VIEW_ID }, title: 'Ranking training rows' }, () =>
        this.engine.request(EngineMethods.trustSuspects, { runDir: run.dir, top: Math.max(1, top) }, cts.token),
      );
      if (!this.isSelected(run)) return;
      this.state = cts.token.isCancellationRequested ? { kind: 'cancelled' } : { kind: 'ready', result };
    } catch (e) {
      if (!this.isSelected(run)) return;
      this.state = cts.token.isCancellationRequested ? { kind: 'cancelled' } : { kind: 'error', message: messageOf(e) };
    } finally {
      if (this.cts === cts) this.cts = undefined;
      cts.dispose();
      await vscode.commands.executeCommand('setContext', 'kernelLens.suspects.computing', false);
      this.changed.fire();
    }
  }

  private isSelected(run: RunInfo): boolean {
    return this.selected !== undefined && normalizePath(this.selected.dir) === normalizePath(run.dir);
  }

  dispose(): void {
    this.cts?.cancel();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}

export function markerSetting(): unknown {
  return vscode.workspace.getConfiguration('kernelLens').get<unknown>('suspects.markers');
}

/** The service's ranking of `run`, when it has one (the dataset view's suspicion column). */
export function suspectsOf(service: SuspectsService, run: RunInfo): SuspectsResult | null {
  const state = service.status;
  return state.kind === 'ready' && normalizePath(state.result.runDir) === normalizePath(run.dir) ? state.result : null;
}
