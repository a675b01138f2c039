/**
 * Explain Image (the explorer's context menu on a PNG or JPEG): the image is explained by the newest complete run of
 * the experiment whose image folder holds it, as that run's training or test row when it is one, else as an input.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExplainQuery, RunInfo } from '../../protocol';
import type { ExperimentEntry, ExperimentStore } from '../experiments/model/experimentStore';
import type { RunRowsCache } from '../experiments/model/runRows';
import { answeringRun, experimentDataFiles } from '../experiments/model/runSelection';
import { normalizePath } from '../experiments/model/rowLookup';
import { showInfo } from '../notify';

export interface ExplainImageDeps {
  store: ExperimentStore;
  rows: RunRowsCache;
  show(runDir: string, query: ExplainQuery): Promise<unknown>;
}

/** The experiments whose dataset folders (train, or a test folder) hold `file`. */
async function experimentsHolding(store: ExperimentStore, file: string): Promise<ExperimentEntry[]> {
  const target = normalizePath(file);
  return (await store.experiments()).filter(
    (e) => e.config !== null && experimentDataFiles(e.file, e.config).some((folder) => target.startsWith(folder + path.sep)),
  );
}

export async function explainImage(deps: ExplainImageDeps, arg: unknown): Promise<void> {
  const uri = arg instanceof vscode.Uri ? arg : undefined;
  if (!uri) {
    void showInfo('Kernel Lens: right-click a PNG or JPEG image in the Explorer to explain it.');
    return;
  }
  const file = uri.fsPath;
  const experiments = await experimentsHolding(deps.store, file);
  if (experiments.length === 0) {
    void showInfo(
      `Kernel Lens: no experiment reads a folder holding ${path.basename(file)}; create one with New Experiment from Image Folder.`,
    );
    return;
  }
  let experiment = experiments[0];
  if (experiments.length > 1) {
    const picked = await vscode.window.showQuickPick(
      experiments.map((e) => ({ label: e.name, description: vscode.workspace.asRelativePath(e.file), e })),
      { title: `Explain ${path.basename(file)} with which experiment?` },
    );
    if (!picked) return;
    experiment = picked.e;
  }
  const run: RunInfo | undefined = answeringRun((await deps.store.runs(experiment.file)).runs);
  if (!run) {
    const choice = await showInfo(`Kernel Lens: ${experiment.name} has no complete run yet.`, 'Train Experiment');
    if (choice) await vscode.commands.executeCommand('kernelLens.trainExperiment', { kind: 'experiment', experiment });
    return;
  }
  // An image file is one row (its "line" is 0 in the run's row lookup).
  const ref = (await deps.rows.get(run)).find(normalizePath(file), 0);
  await deps.show(run.dir, ref ? { split: ref.split, row: ref.row } : { split: 'input', input: file, row: 0 });
}
