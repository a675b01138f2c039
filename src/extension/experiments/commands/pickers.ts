/** Quick picks for experiments, runs and rows, and turning command arguments (tree nodes, URIs) into them. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunInfo, Split } from '../../../protocol';
import type { CsvFileCache } from '../../hover/csvFileCache';
import type { ExplanationCache } from '../../explain/explanationCache';
import type { ExperimentEntry, ExperimentStore } from '../model/experimentStore';
import type { ExperimentTreeNode } from '../tree/experimentTree';
import { describePredictionPlain } from '../../explain/rowTitle';
import type { RowRef } from '../model/rowLookup';
import type { RunRowsCache } from '../model/runRows';
import { runDescription } from '../tree/runDisplay';
import { answeringRun } from '../model/runSelection';
import { showInfo } from '../../notify';
import { rowSourceText } from '../../../shared/rowSource';

function isTreeNode(arg: unknown): arg is ExperimentTreeNode {
  return typeof arg === 'object' && arg !== null && typeof (arg as { kind?: unknown }).kind === 'string';
}

export class Pickers {
  constructor(
    private readonly store: ExperimentStore,
    private readonly rows: RunRowsCache,
    private readonly csv: CsvFileCache,
    private readonly cache: ExplanationCache,
  ) {}

  /** The experiment a command is about: a tree node, a `*.kernel.json` URI, the active editor, or a quick pick. */
  async experiment(arg: unknown, title: string): Promise<ExperimentEntry | undefined> {
    if (isTreeNode(arg) && 'experiment' in arg) return arg.experiment;
    if (isTreeNode(arg) && arg.kind === 'explanation') return this.store.experiment(arg.run.experimentFile);
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (uri && uri.fsPath.endsWith('.kernel.json')) {
      // A file written a moment ago may not be listed yet (the file watcher lags): list again before asking.
      const found = (await this.store.experiment(uri.fsPath)) ?? (this.store.refresh(), await this.store.experiment(uri.fsPath));
      if (found) return found;
    }
    const experiments = await this.store.experiments();
    if (experiments.length === 0) {
      const choice = await showInfo('Kernel Lens: no experiment in this workspace yet.', 'New Experiment from CSV');
      if (choice) await vscode.commands.executeCommand('kernelLens.newExperiment');
      return undefined;
    }
    if (experiments.length === 1) return experiments[0];
    const picked = await vscode.window.showQuickPick(
      experiments.map((e) => ({ label: e.name, description: vscode.workspace.asRelativePath(e.file), experiment: e })),
      { title, placeHolder: 'Experiment' },
    );
    return picked?.experiment;
  }

  /** A complete run of the experiment (the answering one first), from a tree node or a quick pick. */
  async run(arg: unknown, title: string): Promise<RunInfo | undefined> {
    if (isTreeNode(arg) && arg.kind === 'run') return arg.run;
    if (isTreeNode(arg) && arg.kind === 'explanation') return arg.run;
    const experiment = await this.experiment(arg, title);
    if (!experiment) return undefined;
    const { runs, error } = await this.store.runs(experiment.file);
    const complete = runs.filter((r) => r.status === 'complete');
    if (complete.length === 0) {
      const choice = await showInfo(
        `Kernel Lens: ${experiment.name} has no complete run${error ? ` (${error})` : ''}.`,
        'Train Experiment',
      );
      if (choice) await vscode.commands.executeCommand('kernelLens.trainExperiment', { kind: 'experiment', experiment });
      return undefined;
    }
    const best = answeringRun(complete);
    if (complete.length === 1) return complete[0];
    const ordered = best ? [best, ...complete.filter((r) => r !== best)] : complete;
    const picked = await vscode.window.showQuickPick(
      ordered.map((run) => ({
        label: `${run === best ? '★ ' : ''}${run.label ?? run.name}`,
        description: runDescription(run),
        detail: run.annotation,
        run,
      })),
      { title, placeHolder: 'Run' },
    );
    return picked?.run;
  }

  /** A test or training row of a run, with its CSV text and (when cached) its prediction. */
  async row(run: RunInfo, title: string, splits: Split[] = ['test', 'train']): Promise<RowRef | undefined> {
    const lookup = await this.rows.get(run);
    type RowItem = vscode.QuickPickItem & { ref?: RowRef };
    const items: RowItem[] = [];
    for (const split of splits) {
      const count = split === 'test' ? run.testRows : run.trainRows;
      items.push({ label: split === 'test' ? 'Test rows' : 'Training rows', kind: vscode.QuickPickItemKind.Separator });
      for (let row = 0; row < count; row++) {
        const ref: RowRef = { split, row };
        const source = lookup.source(ref);
        // An image's cells are pixels: its shape says more than 64 numbers, so they are not read.
        const cells =
          !run.image && source && source.line !== null
            ? await this.csv.recordAt(source.file, source.line).catch(() => undefined)
            : undefined;
        const facts = this.cache.peek(run, ref);
        items.push({
          label: `${split} row ${row}`,
          description: [
            source ? rowSourceText(path.basename(source.file), source.line) : '',
            facts ? describePredictionPlain(facts.prediction, facts.label) : '',
          ]
            .filter(Boolean)
            .join(' · '),
          detail: run.image ? `${run.image.width}×${run.image.height} image` : cells?.join(', '),
          ref,
        });
      }
    }
    const picked = await vscode.window.showQuickPick(items, {
      title,
      placeHolder: 'Row to explain (type to filter by values or line)',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    return picked?.ref;
  }

  /** A CSV file: the given URI, the active editor's CSV, or a quick pick of the workspace's CSV files. */
  /** A folder of class subfolders: the explorer's folder, or one picked in a dialog. */
  async imageFolder(arg: unknown): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri) return arg;
    const picked = await vscode.window.showOpenDialog({
      canSelectMany: false,
      canSelectFiles: false,
      canSelectFolders: true,
      title: 'Image folder (one subfolder of PNG or JPEG images per class)',
      defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    });
    return picked?.[0];
  }

  async csvFile(arg: unknown): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri && arg.fsPath.toLowerCase().endsWith('.csv')) return arg;
    const active = vscode.window.activeTextEditor?.document.uri;
    if (active && active.scheme === 'file' && active.fsPath.toLowerCase().endsWith('.csv')) return active;
    const files = await vscode.workspace.findFiles('**/*.csv', '**/{node_modules,.kernel-lens,.git}/**', 500);
    if (files.length === 0) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { CSV: ['csv'] }, title: 'CSV dataset' });
      return picked?.[0];
    }
    const picked = await vscode.window.showQuickPick(
      files
        .map((uri) => ({ label: path.basename(uri.fsPath), description: vscode.workspace.asRelativePath(uri), uri }))
        .sort((a, b) => a.description.localeCompare(b.description)),
      { title: 'New Experiment from CSV', placeHolder: 'Dataset (CSV file)' },
    );
    return picked?.uri;
  }
}
