/**
 * New Experiment from CSV: asks the engine for the dataset's schema, offers the target column,
 * writes a valid `*.kernel.json` beside the CSV and opens it.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineMethods, type DatasetSchema, type ExperimentConfig } from '../../../protocol';
import type { EngineConnection } from '../../engine/engineConnection';
import { showInfo, showWarning } from '../../notify';

/** The experiment a new file starts with: small, quick to train, explicit about every choice. */
export function defaultExperiment(csvFileName: string, target: string, schema: Pick<DatasetSchema, 'rows'>): ExperimentConfig {
  const name = csvFileName.replace(/\.csv$/i, '');
  return {
    name,
    dataset: { train: csvFileName, target, test: { fraction: 0.2 } },
    model: { hidden: [{ units: 16, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 20, batchSize: Math.min(32, Math.max(1, schema.rows)), seed: 1 },
  };
}

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
      description: `${c.type}${c.type === 'categorical' ? `, ${c.distinct} classes` : c.min !== undefined ? `, ${c.min} to ${c.max}` : ''}${c.name === schema.suggestedTarget ? ' · suggested' : ''}`,
      detail: c.missing > 0 ? `${c.missing} missing values` : undefined,
      column: c,
    })),
    { title: `Target column of ${path.basename(csv.fsPath)} (${schema.rows} rows)`, placeHolder: 'What should the network predict?' },
  );
  if (!picked) return undefined;
  const config = defaultExperiment(path.basename(csv.fsPath), picked.column.name, schema);
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

/**
 * The experiment an image folder starts with: the small CNN of the W-img benchmark (two 3×3 conv layers with ReLU,
 * each followed by 2×2 max-pooling), which reaches 0.97 on the 8×8 digits in 15 epochs.
 */
export function defaultImageExperiment(folderName: string): ExperimentConfig {
  return {
    name: folderName,
    dataset: { train: folderName, test: { fraction: 0.2 } },
    model: {
      layers: [
        { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', size: 2 },
        { type: 'conv2d', filters: 16, kernel: 3, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', size: 2 },
        { type: 'flatten' },
      ],
    },
    training: { optimizer: 'adam', learningRate: 0.003, epochs: 15, batchSize: 32, seed: 1 },
  };
}

/** New Experiment from an image folder (one subfolder per class): writes `<folder>.kernel.json` beside it. */
export function newExperimentFromImageFolder(engine: EngineConnection, folder: vscode.Uri): Promise<vscode.Uri> {
  const config = defaultImageExperiment(path.basename(folder.fsPath));
  return writeNewExperiment(engine, folder.fsPath, config, `a small CNN on the images of ${path.basename(folder.fsPath)}`);
}
