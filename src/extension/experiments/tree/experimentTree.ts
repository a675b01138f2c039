/**
 * The Experiments tree: each `*.kernel.json` with its dataset, a model summary and its runs
 * (status icon, date, metrics tooltip), and under a run its recent explanations.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunInfo } from '../../../protocol';
import type { ExperimentEntry, ExperimentStore } from '../model/experimentStore';
import { answeringText, lastMetrics, runDescription, runTitle, runTooltipMarkdown } from './runDisplay';
import type { RecentExplanation, RecentExplanations } from '../../explain/recentExplanations';
import { answeringRun } from '../model/runSelection';
import { modelSummary } from './modelSummary';
import { SHOW_TRAINING_COMMAND, type TrainingService } from '../../training/trainingService';
import { rowSourceText } from '../../../shared/rowSource';

export type ExperimentTreeNode =
  | { kind: 'experiment'; experiment: ExperimentEntry }
  | { kind: 'dataset'; experiment: ExperimentEntry }
  | { kind: 'model'; experiment: ExperimentEntry }
  | { kind: 'run'; experiment: ExperimentEntry; run: RunInfo; answering: boolean; title: string }
  | { kind: 'explanation'; run: RunInfo; recent: RecentExplanation }
  | { kind: 'message'; text: string; tooltip?: string };

export const VIEW_ID = 'kernelLens.experiments';

function statusIcon(run: RunInfo): vscode.ThemeIcon {
  if (run.status === 'running') return new vscode.ThemeIcon('sync~spin');
  if (run.status === 'failed') return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
  if (run.status === 'cancelled') return new vscode.ThemeIcon('circle-slash');
  if (run.stale) return new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
  if (run.pinned) return new vscode.ThemeIcon('pinned', new vscode.ThemeColor('testing.iconPassed'));
  return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
}

export class ExperimentTreeProvider implements vscode.TreeDataProvider<ExperimentTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExperimentTreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(
    private readonly store: ExperimentStore,
    private readonly training: TrainingService,
    private readonly recent: RecentExplanations,
  ) {
    const refresh = (): void => this.changed.fire(undefined);
    this.disposables.push(store.onDidChange(refresh), training.onDidChange(refresh), recent.onDidChange(refresh));
  }

  async getChildren(node?: ExperimentTreeNode): Promise<ExperimentTreeNode[]> {
    if (!node) {
      const experiments = await this.store.experiments();
      // An empty list lets the welcome view ("New Experiment") show.
      return experiments.map((experiment) => ({ kind: 'experiment', experiment }));
    }
    if (node.kind === 'experiment') {
      const { experiment } = node;
      if (!experiment.config) return [{ kind: 'message', text: 'Invalid experiment file', tooltip: experiment.error ?? undefined }];
      const { runs, error } = await this.store.runs(experiment.file);
      const answering = answeringRun(runs);
      const children: ExperimentTreeNode[] = [
        { kind: 'dataset', experiment },
        { kind: 'model', experiment },
        ...runs.map((run): ExperimentTreeNode => ({
          kind: 'run',
          experiment,
          run,
          answering: run === answering,
          title: runTitle(run, runs),
        })),
      ];
      if (error) children.push({ kind: 'message', text: `Runs unavailable: ${error}`, tooltip: error });
      else if (runs.length === 0) children.push({ kind: 'message', text: 'No runs yet: Train to create one' });
      return children;
    }
    if (node.kind === 'run') return this.recent.list(node.run.dir).map((recent) => ({ kind: 'explanation', run: node.run, recent }));
    return [];
  }

  getTreeItem(node: ExperimentTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment': {
        const { experiment } = node;
        const training = this.training.isTraining(experiment.file);
        // A training refused for bad input made no run: the experiment says so, with the engine's message.
        const refused = training ? undefined : this.training.refusal(experiment.file);
        const item = new vscode.TreeItem(experiment.name, vscode.TreeItemCollapsibleState.Expanded);
        item.id = `experiment:${experiment.file}`;
        item.resourceUri = experiment.uri;
        item.description = training
          ? 'training…'
          : refused
            ? 'training refused'
            : experiment.config
              ? path.basename(experiment.config.dataset.train)
              : 'invalid';
        item.iconPath = refused
          ? new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'))
          : new vscode.ThemeIcon(training ? 'loading~spin' : experiment.config ? 'beaker' : 'warning');
        item.contextValue = training ? 'experiment.training' : 'experiment';
        // Plain text: the messages quote data (file names, cells), never rendered as Markdown.
        item.tooltip = [vscode.workspace.asRelativePath(experiment.file), experiment.error, refused && `Last training refused: ${refused}`]
          .filter(Boolean)
          .join('\n\n');
        return item;
      }
      case 'dataset': {
        const config = node.experiment.config;
        const item = new vscode.TreeItem(config ? path.basename(config.dataset.train) : 'dataset', vscode.TreeItemCollapsibleState.None);
        item.id = `dataset:${node.experiment.file}`;
        item.description = config ? (config.dataset.target ? `target ${config.dataset.target}` : 'classes from subfolders') : '';
        item.iconPath = new vscode.ThemeIcon('table');
        item.contextValue = 'dataset';
        item.command = { command: 'kernelLens.openDataset', title: 'Open Dataset', arguments: [node] };
        return item;
      }
      case 'model': {
        const item = new vscode.TreeItem(modelSummary(node.experiment.config), vscode.TreeItemCollapsibleState.None);
        item.id = `model:${node.experiment.file}`;
        item.iconPath = new vscode.ThemeIcon('circuit-board');
        item.contextValue = 'model';
        return item;
      }
      case 'run': {
        const { run } = node;
        const live = this.training.sessionForRun(run.dir);
        const recent = this.recent.list(run.dir);
        const item = new vscode.TreeItem(
          node.title,
          recent.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None,
        );
        item.id = `run:${run.dir}`;
        const liveMetric = live?.last ? `epoch ${live.last.epoch}/${live.last.epochs}` : undefined;
        item.description = (node.answering ? `${answeringText(run)} · ` : '') + (liveMetric ?? runDescription(run));
        item.iconPath = statusIcon(run);
        const tooltipRun = live && live.metrics.length > 0 && !lastMetrics(run) ? { ...run, metrics: live.metrics } : run;
        const tooltip = new vscode.MarkdownString(
          runTooltipMarkdown(tooltipRun) +
            (node.answering
              ? `\n\n${answeringText(run)}: answers hovers and Explain Prediction ${run.pinned ? '(you pinned it)' : '(the newest complete run; pin a run to choose another)'}`
              : ''),
        );
        item.tooltip = tooltip;
        item.contextValue = `run.${run.status}${run.pinned ? '.pinned' : ''}`;
        // A click reopens the run's training view (its curves, and the next steps).
        item.command = { command: SHOW_TRAINING_COMMAND, title: 'Show Training', arguments: [node] };
        return item;
      }
      case 'explanation': {
        const item = new vscode.TreeItem(node.recent.title, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('lightbulb');
        item.description = rowSourceText(path.basename(node.recent.file), node.recent.line);
        item.contextValue = 'explanation';
        item.command = {
          command: 'kernelLens.explainPrediction',
          title: 'Explain',
          arguments: [{ runDir: node.run.dir, split: node.recent.query.split, row: node.recent.query.row }],
        };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('info');
        item.tooltip = node.tooltip;
        return item;
      }
    }
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
