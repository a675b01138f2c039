/** The training curves webview: per-epoch loss and metrics while a run trains, with a Cancel button. */
import * as vscode from 'vscode';
import type { EpochMetrics, PersistedWebviewState, RunStatus, TrainingNextStep, TrainProgress } from '../../protocol';
import { createWebviewPanel, WebviewHost } from '../webview/webviewHost';

export const TRAINING_VIEW_TYPE = 'kernelLens.training';

export class TrainingPanel {
  private readonly host: WebviewHost;
  private disposed = false;
  private metrics: EpochMetrics[] = [];
  private classes: string[] | null = null;
  private nextStep: ((step: TrainingNextStep) => void) | undefined;

  /** One training view per experiment file: training again reuses it. */
  private static readonly byExperiment = new Map<string, TrainingPanel>();

  private constructor(
    panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private runName: string,
    private onCancel: () => void,
  ) {
    this.host = new WebviewHost(panel, extensionUri);
    this.host.onMessage((m) => {
      if (m.type === 'cancelTraining') this.onCancel();
      if (m.type === 'nextStep') this.nextStep?.(m.step);
    });
    panel.onDidDispose(() => {
      this.disposed = true;
      for (const [key, view] of TrainingPanel.byExperiment) if (view === this) TrainingPanel.byExperiment.delete(key);
    });
  }

  /** The experiment's training view, new or reused (its curves start over), showing a running training. */
  static open(extensionUri: vscode.Uri, experimentFile: string, runName: string, onCancel: () => void): TrainingPanel {
    let view = TrainingPanel.byExperiment.get(experimentFile);
    if (view && !view.disposed) {
      view.onCancel = onCancel;
      view.runName = runName;
      view.metrics = [];
      view.classes = null;
      view.host.panel.title = `Training: ${runName}`;
      view.host.panel.reveal(undefined, false);
    } else {
      view = new TrainingPanel(
        createWebviewPanel(TRAINING_VIEW_TYPE, `Training: ${runName}`, extensionUri),
        extensionUri,
        runName,
        onCancel,
      );
      TrainingPanel.byExperiment.set(experimentFile, view);
    }
    view.status('running');
    return view;
  }

  static registerSerializer(extensionUri: vscode.Uri): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(TRAINING_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, saved: unknown) => {
        const persisted = saved as PersistedWebviewState | undefined;
        const name = persisted?.view === 'training' ? persisted.state.runName : 'training';
        const view = new TrainingPanel(panel, extensionUri, name, () => undefined);
        // A revived view shows the curves it had; a training that was running then is over now.
        if (persisted?.view === 'training') {
          view.metrics = persisted.state.metrics;
          view.classes = persisted.state.classes ?? null;
          view.status(persisted.state.status === 'running' ? 'cancelled' : persisted.state.status);
        } else view.status('cancelled');
      },
    });
  }

  progress(progress: TrainProgress): void {
    if (this.disposed) return;
    if (progress.classes) this.classes = progress.classes;
    if (progress.metrics) {
      this.metrics = [...this.metrics.filter((m) => m.epoch !== progress.metrics?.epoch), progress.metrics];
      this.status('running');
    }
    this.host.append({ type: 'trainingProgress', progress });
  }

  /** `message`: why it failed; `nextStep`: what the view's buttons after a complete training do. */
  status(
    status: RunStatus,
    options: {
      metrics?: EpochMetrics[];
      classes?: string[] | null;
      runName?: string;
      message?: string;
      nextStep?: (step: TrainingNextStep) => void;
    } = {},
  ): void {
    if (this.disposed) return;
    if (options.metrics) this.metrics = options.metrics;
    if (options.classes) this.classes = options.classes;
    if (options.runName) this.runName = options.runName;
    this.nextStep = options.nextStep;
    this.host.show({
      type: 'training',
      runName: this.runName,
      metrics: this.metrics,
      status,
      message: options.message ?? null,
      classes: this.classes,
    });
  }
}
