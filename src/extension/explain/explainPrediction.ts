/**
 * Explain Prediction: with command arguments (hover link, tree, test set) explains that row; in a CSV read by an
 * experiment with a complete run, the row under the cursor; elsewhere quick picks for experiment, run and row.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DocumentRecords } from '../hover/documentRecords';
import type { ExplainArgs } from '../hover/hoverMarkdown';
import type { Pickers } from '../experiments/commands/pickers';
import type { RunResolver } from '../experiments/model/runResolver';
import type { RunRowsCache } from '../experiments/model/runRows';
import type { RunInfo } from '../../protocol';
import type { RowRef } from '../experiments/model/rowLookup';
import { showInfo, showWarning } from '../notify';

export function isExplainArgs(arg: unknown): arg is ExplainArgs {
  if (typeof arg !== 'object' || arg === null) return false;
  const a = arg as Record<string, unknown>;
  return typeof a.runDir === 'string' && (a.split === 'train' || a.split === 'test') && typeof a.row === 'number';
}

export interface ExplainPredictionDeps {
  resolver: RunResolver;
  records: DocumentRecords;
  rows: RunRowsCache;
  pickers: Pickers;
  show(runDir: string, ref: RowRef): Promise<unknown>;
}

const isCsv = (doc: vscode.TextDocument): boolean => doc.uri.scheme === 'file' && doc.uri.fsPath.toLowerCase().endsWith('.csv');

export async function explainPrediction(deps: ExplainPredictionDeps, arg: unknown): Promise<void> {
  if (isExplainArgs(arg)) {
    await deps.show(arg.runDir, { split: arg.split, row: arg.row });
    return;
  }
  const editor = vscode.window.activeTextEditor;
  if (!arg && editor && isCsv(editor.document)) {
    const handled = await explainUnderCursor(deps, editor);
    if (handled) return;
  }
  const run = await deps.pickers.run(arg, 'Explain Prediction');
  if (!run) return;
  await explainRowOf(deps, run);
}

/** Asks for a row of a run, then explains it. */
export async function explainRowOf(deps: ExplainPredictionDeps, run: RunInfo, splits?: ('train' | 'test')[]): Promise<void> {
  const ref = await deps.pickers.row(run, `Explain a row of ${run.label ?? run.name}`, splits);
  if (ref) await deps.show(run.dir, ref);
}

/** True when the editor's CSV belongs to an experiment (the user was answered); false to fall back to pickers. */
async function explainUnderCursor(deps: ExplainPredictionDeps, editor: vscode.TextEditor): Promise<boolean> {
  const doc = editor.document;
  const file = doc.uri.fsPath;
  const resolution = await deps.resolver.resolve(file, { ask: true });
  if (resolution.kind === 'none' || resolution.kind === 'ambiguous') return resolution.kind === 'ambiguous';
  if (resolution.kind === 'noRun') {
    const choice = await showInfo(
      `Kernel Lens: ${resolution.experiment.name} reads ${path.basename(file)} but has no complete run yet.`,
      'Train Experiment',
    );
    if (choice)
      await vscode.commands.executeCommand('kernelLens.trainExperiment', { kind: 'experiment', experiment: resolution.experiment });
    return true;
  }
  const { run, experiment } = resolution;
  if (run.stale) {
    const choice = await showWarning(
      `Kernel Lens: ${path.basename(file)} changed since run ${run.label ?? run.name} was trained, so its lines no longer match the run's rows. Train ${experiment.name} again to explain this file.`,
      'Train Experiment',
    );
    if (choice) await vscode.commands.executeCommand('kernelLens.trainExperiment', { kind: 'experiment', experiment });
    return true;
  }
  if (doc.isDirty) {
    void showWarning(`Kernel Lens: save ${path.basename(file)} first: unsaved edits may have moved its rows.`);
    return true;
  }
  const line = editor.selection.active.line;
  const start = deps.records.recordStart(doc, line);
  const ref = start === null ? undefined : (await deps.rows.get(run)).find(file, start);
  if (!ref) {
    const choice = await showInfo(
      `Kernel Lens: line ${line + 1} is not a data row of run ${run.label ?? run.name} (a header, a blank line or a dropped row).`,
      'Pick a Row',
    );
    if (choice) await explainRowOf(deps, run);
    return true;
  }
  await deps.show(run.dir, ref);
  return true;
}
