/**
 * New Experiment from CSV: asks the engine for the dataset's schema, offers the target column,
 * writes a valid `*.kernel.json` beside the CSV and opens it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineMethods, type ExperimentConfig } from '../../../protocol';
import type { EngineConnection } from '../../engine/engineConnection';
import { showInfo, showWarning } from '../../notify';
import { pixelGrid } from '../model/pixelGrid';
import { defaultExperiment, defaultImageExperiment, pixelCsvExperiment } from '../model/defaultExperiments';
import { targetDescription } from '../model/targetKind';

/** `iris.kernel.json` (for iris.csv or a folder `iris`), or `iris-2.kernel.json` and so on when taken. */
export async function freeExperimentPath(dataset: string): Promise<string> {
  const base = dataset.replace(/\.csv$/i, '');
  for (let i = 1; ; i++) {
    const candidate = `${base}${i === 1 ? '' : `-${i}`}.kernel.json`;
    try {
      await fs.access(candidate);
    } catch {
      return candidate;
    }
  }
}

export async function newExperimentFromCsv(engine: EngineConnection, csv: vscode.Uri): Promise<vscode.Uri | undefined> {
  const schema = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Kernel Lens: reading ${path.basename(csv.fsPath)}`, cancellable: true },
    (_p, token) => engine.request(EngineMethods.inspectDataset, { file: csv.fsPath }, token),
  );
  const columns = [...schema.columns].sort((a, b) =>
    a.name === schema.suggestedTarget ? -1 : b.name === schema.suggestedTarget ? 1 : a.index - b.index,
  );
  const picked = await vscode.window.showQuickPick(
    columns.map((c) => ({
      label: c.name,
      description: `${targetDescription(c)}${c.name === schema.suggestedTarget ? ' · suggested' : ''}`,
      detail: c.missing > 0 ? `${c.missing} missing values` : undefined,
      column: c,
    })),
    { title: `Target column of ${path.basename(csv.fsPath)} (${schema.rows} rows)`, placeHolder: 'What should the network predict?' },
  );
  if (!picked) return undefined;
  let config = defaultExperiment(path.basename(csv.fsPath), picked.column.name, schema);
  const grid = pixelGrid(schema.columns, picked.column.name);
  if (grid) {
    const shape = `${grid.width}×${grid.height}`;
    const form = await vscode.window.showQuickPick(
      [
        { label: `As ${shape} images`, description: 'a small convolutional network on the pixels', image: true },
        { label: 'As a table', description: 'a dense network on the columns', image: false },
      ],
      {
        title: `${grid.columns.length} columns of ${path.basename(csv.fsPath)} look like the pixels of ${shape} images`,
        placeHolder: 'Read them as',
      },
    );
    if (!form) return undefined;
    if (form.image) config = pixelCsvExperiment(config, grid, schema);
  }
  return writeNewExperiment(engine, csv.fsPath, config, `predicting ${picked.column.name}`);
}

/**
 * Writes a new experiment beside its dataset (named after it, never over a file), opens it, and offers to train it,
 * or says what the engine's validation found.
 */
async function writeNewExperiment(engine: EngineConnection, dataset: string, config: ExperimentConfig, what: string): Promise<vscode.Uri> {
  const file = await freeExperimentPath(dataset);
  config.name = path.basename(file).replace(/\.kernel\.json$/, '');
  await fs.writeFile(file, JSON.stringify(config, null, 2) + '\n', 'utf8');
  const uri = vscode.Uri.file(file);
  const validation = await engine.request(EngineMethods.validateExperiment, { experimentFile: file }).catch(() => undefined);
  await vscode.window.showTextDocument(uri);
  if (validation && !validation.ok) void showWarning(`Kernel Lens: the new experiment needs attention: ${validation.errors.join('; ')}`);
  else
    void showInfo(`Kernel Lens: created ${path.basename(file)} (${what}).`, 'Train Experiment').then((choice) => {
      if (choice) void vscode.commands.executeCommand('kernelLens.trainExperiment', uri);
    });
  return uri;
}

/** New Experiment from an image folder (one subfolder per class): writes `<folder>.kernel.json` beside it. */
export function newExperimentFromImageFolder(engine: EngineConnection, folder: vscode.Uri): Promise<vscode.Uri> {
  const config = defaultImageExperiment(path.basename(folder.fsPath));
  return writeNewExperiment(engine, folder.fsPath, config, `a small CNN on the images of ${path.basename(folder.fsPath)}`);
}
