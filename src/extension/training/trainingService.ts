/**
 * Trains experiments through the engine: one training per experiment, a cancellable progress notification,
 * live curves in the training view, then a notification offering the next steps.
 */
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { LIMITS, type IntegerRange } from '../../protocol/limits';
import { wholeIn } from '../explain/explainSettings';
import { EngineMethods, type EpochMetrics, type RunInfo, type TrainingNextStep, type TrainProgress } from '../../protocol';
import type { EngineConnection } from '../engine/engineConnection';
import type { ExplanationCache } from '../explain/explanationCache';
import type { ExperimentEntry, ExperimentStore } from '../experiments/model/experimentStore';
import { offerGitignore } from '../experiments/commands/gitignoreOffer';
import { normalizePath } from '../experiments/model/rowLookup';
import { finalMetricsSummary } from '../experiments/tree/runDisplay';
import { TrainingPanel } from './trainingPanel';
import { InputProblems } from './inputProblems';
import { EngineRequestError } from '../engine/engineErrors';
import { sessionForProgress } from './progressRouting';
import { ensureTrustedForTraining } from './workspaceTrust';
import { messageOf } from '../../shared/messageOf';
import { numberText } from '../../shared/numberText';
import { showError, showInfo, showWarning } from '../notify';

export interface TrainingSession {
  experimentFile: string;
  /** The training request's progressToken (progressRouting.ts). */
  token: string;
  cts: vscode.CancellationTokenSource;
  runDir: string | undefined;
  metrics: EpochMetrics[];
  last: TrainProgress | undefined;
}

export interface TrainingFinishedActions {
  explainTestRow(run: RunInfo): Promise<unknown>;
  showTestSet(run: RunInfo): Promise<unknown>;
}

/** A click on a run in the tree: its training view again. */
export const SHOW_TRAINING_COMMAND = 'kernelLens.showTraining';

export class TrainingService implements vscode.Disposable {
  private readonly sessions = new Map<string, TrainingSession>();
  private readonly refusals = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;
  private readonly problems = new InputProblems();

  constructor(
    private readonly engine: EngineConnection,
    private readonly store: ExperimentStore,
    private readonly cache: ExplanationCache,
    private readonly extensionUri: vscode.Uri,
    private readonly memento: vscode.Memento,
    private readonly actions: TrainingFinishedActions,
  ) {
    this.subscription = engine.onProgress((p) => this.onProgress(p));
  }

  isTraining(experimentFile: string): boolean {
    return this.sessions.has(normalizePath(experimentFile));
  }

  /** The live session that writes `runDir`, if any. */
  sessionForRun(runDir: string): TrainingSession | undefined {
    const target = normalizePath(runDir);
    return [...this.sessions.values()].find((s) => s.runDir !== undefined && normalizePath(s.runDir) === target);
  }

  cancel(experimentFile: string): boolean {
    const session = this.sessions.get(normalizePath(experimentFile));
    session?.cts.cancel();
    return session !== undefined;
  }

  private listeners = new Map<TrainingSession, (p: TrainProgress) => void>();

  private onProgress(progress: TrainProgress): void {
    const session = sessionForProgress(this.sessions.values(), progress);
    if (!session) return;
    if (session.runDir === undefined) {
      // The first notification of a new run: now the tree can show it.
      session.runDir = normalizePath(progress.runDir);
      this.store.refresh(session.experimentFile);
    }
    session.last = progress;
    if (progress.metrics) session.metrics = [...session.metrics, progress.metrics];
    this.listeners.get(session)?.(progress);
    if (progress.metrics) this.changed.fire();
  }

  /** Why an experiment's last training was refused before it made a run (bad input), until it trains again. */
  refusal(experimentFile: string): string | undefined {
    return this.refusals.get(normalizePath(experimentFile));
  }

  async train(experiment: ExperimentEntry): Promise<RunInfo | undefined> {
    if (!ensureTrustedForTraining()) return undefined;
    const key = experiment.file;
    if (this.sessions.has(key)) {
      void showInfo(`Kernel Lens: ${experiment.name} is already training.`);
      return undefined;
    }
    const open = vscode.workspace.textDocuments.find((d) => normalizePath(d.uri.fsPath) === key);
    if (open?.isDirty) await open.save();
    const session: TrainingSession = {
      experimentFile: key,
      token: randomUUID(),
      cts: new vscode.CancellationTokenSource(),
      runDir: undefined,
      metrics: [],
      last: undefined,
    };
    this.sessions.set(key, session);
    this.refusals.delete(key);
    this.sessionsChanged();
    this.problems.clear(key);
    const panel = TrainingPanel.open(this.extensionUri, key, experiment.name, () => session.cts.cancel());
    const started = Date.now();
    let run: RunInfo | undefined;
    try {
      run = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kernel Lens: training ${experiment.name}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => session.cts.cancel());
          let reported = 0;
          this.listeners.set(session, (p) => {
            panel.progress(p);
            const done = Math.round((100 * p.step) / Math.max(1, p.totalSteps));
            progress.report({ increment: done - reported, message: `epoch ${p.epoch}/${p.epochs} · loss ${numberText(p.loss)}` });
            reported = done;
          });
          const pathBudgetMb = wholeIn(
            vscode.workspace.getConfiguration('kernelLens.training').get('pathBudgetMb'),
            LIMITS.pathBudgetMb as IntegerRange & { default: number },
          );
          return this.engine.request(
            EngineMethods.train,
            { experimentFile: key, progressToken: session.token, pathBudgetMb },
            session.cts.token,
          );
        },
      );
      this.showRecorded(panel, run);
    } catch (e) {
      const cancelled = session.cts.token.isCancellationRequested;
      const message = messageOf(e);
      panel.status(cancelled ? 'cancelled' : 'failed', { message, nextStep: this.nextStepFor(key) });
      if (cancelled) void showInfo(`Kernel Lens: training of ${experiment.name} was cancelled.`);
      else {
        // No run was made: the tree shows the refusal on the experiment itself.
        this.refusals.set(key, message);
        void this.reportFailure(key, experiment.name, e, message);
      }
      return undefined;
    } finally {
      this.listeners.delete(session);
      this.sessions.delete(key);
      session.cts.dispose();
      this.store.refresh(key);
      this.sessionsChanged();
    }
    if (run.status === 'cancelled') {
      // The user asked for this: say so plainly (not as a warning), and that the partial run is not a model to explain.
      const epochs = run.metrics.length > 0 ? ` (${run.metrics.length} epoch${run.metrics.length === 1 ? '' : 's'})` : '';
      void showInfo(
        `Kernel Lens: training of ${experiment.name} was cancelled after ${run.steps} steps${epochs}. The run is kept, marked cancelled; it cannot be explained.`,
      );
      return run;
    }
    if (run.status !== 'complete') {
      void showWarning(`Kernel Lens: training of ${experiment.name} ended ${run.status}${run.message ? `: ${run.message}` : '.'}`);
      return run;
    }
    this.cache.fillAll(run);
    void offerGitignore(key, this.memento);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const finished = run;
    void showInfo(
      `Kernel Lens: trained ${experiment.name} in ${seconds} s — ${finalMetricsSummary(run)}.`,
      'Explain a Test Row',
      'Show Test Set',
    ).then((choice) => {
      if (choice === 'Explain a Test Row') return this.actions.explainTestRow(finished);
      if (choice === 'Show Test Set') return this.actions.showTestSet(finished);
      return undefined;
    });
    return run;
  }

  /** Trainings started or ended: the tree and the palette's "Cancel Training" (shown only while one runs) follow. */
  private sessionsChanged(): void {
    this.changed.fire();
    void vscode.commands.executeCommand('setContext', 'kernelLens.training.active', this.sessions.size > 0);
  }

  /** Reopens a run's training view: its curves as recorded, its message if it failed, the next steps if complete. */
  showRun(run: RunInfo): void {
    if (this.sessionForRun(run.dir)) return;
    const panel = TrainingPanel.open(this.extensionUri, normalizePath(run.experimentFile), run.label ?? run.name, () => undefined);
    this.showRecorded(panel, run);
  }

  /** A run as recorded in its training view: curves, classes, name, message, and the next steps if complete. */
  private showRecorded(panel: TrainingPanel, run: RunInfo): void {
    panel.status(run.status, {
      metrics: run.metrics,
      classes: run.classes,
      runName: run.label ?? run.name,
      message: run.message ?? undefined,
      nextStep: this.nextStepFor(run.experimentFile, run),
    });
  }

  /**
   * What the training view's buttons do: Train Again (a cancelled or failed training, `run` absent when none was
   * made), or after a complete run explain or list its rows.
   */
  private nextStepFor(experimentFile: string, run?: RunInfo): (step: TrainingNextStep) => void {
    return (step) => {
      if (step === 'trainAgain') void this.store.experiment(experimentFile).then((experiment) => experiment && this.train(experiment));
      else if (run?.status === 'complete')
        void (step === 'explainTestRow' ? this.actions.explainTestRow(run) : this.actions.showTestSet(run));
    };
  }

  /** A failed training: a diagnostic where the engine said the bad input is, and a notification that leads to it. */
  private async reportFailure(experimentFile: string, name: string, error: unknown, message: string): Promise<void> {
    const location = error instanceof EngineRequestError ? error.location : null;
    const reveal = location ? await this.problems.report(experimentFile, location, message) : null;
    const choice = await showError(`Kernel Lens: training ${name} failed: ${message}`, ...(reveal ? ['Show Problem'] : []));
    if (choice === 'Show Problem' && reveal) await reveal();
  }

  dispose(): void {
    this.problems.dispose();
    for (const s of this.sessions.values()) s.cts.cancel();
    this.subscription.dispose();
    this.changed.dispose();
  }
}
