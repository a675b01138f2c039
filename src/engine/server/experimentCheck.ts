/**
 * Checks the files an experiment or a run refers to before the engine core opens them: a
 * `*.kernel.json` or `run.json` inside the workspace must not lead the engine to a dataset outside it,
 * and the dataset (and the training it implies) must fit the memory budget.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { UserError } from '../errors';
import { CSV_EXPANSION, IMAGE_EXPANSION, RUN_EXPANSION, directorySize, fileSize, type MemoryBudget } from './memoryBudget';
import type { WorkspaceGuard } from './workspaceGuard';
import { denseNetworkSize, trainingMemory } from '../pipeline/trainingMemory';
import { choosePathLayout, type PathLayoutRequest } from '../pipeline/pathLayoutChoice';
import type { PathLayout } from '../run/pathLayout';

const MAX_EXPERIMENT_BYTES = 4 * 1024 * 1024;
const MAX_RUN_JSON_BYTES = 64 * 1024 * 1024;

async function readJsonCapped(file: string, maxBytes: number, what: string): Promise<unknown> {
  const size = await fileSize(file);
  if (size > maxBytes) throw new UserError(`${what} is too large (${size} bytes, at most ${maxBytes})`, { file });
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  } catch {
    // Malformed JSON is reported by the engine core with its line and column.
    return null;
  }
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** Dataset files named by an experiment config (relative to its folder or absolute). */
function datasetFiles(config: unknown): string[] {
  const dataset = record(record(config)?.dataset);
  if (!dataset) return [];
  const files: string[] = [];
  if (typeof dataset.train === 'string') files.push(dataset.train);
  const test = record(dataset.test);
  if (test && typeof test.file === 'string') files.push(test.file);
  return files;
}

function positive(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** Columns and rows of a CSV estimated from its first 64 KB, for the training-size estimate. */
async function csvShape(file: string, size: number): Promise<{ columns: number; rows: number }> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(Math.min(size, 64 * 1024));
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const lines = buffer.subarray(0, bytesRead).toString('utf8').split('\n');
    const header = lines[0] ?? '';
    const delimiter = [',', ';', '\t'].reduce((best, d) => (header.split(d).length > header.split(best).length ? d : best), ',');
    const complete = Math.max(1, lines.length - 1);
    return { columns: Math.max(1, header.split(delimiter).length), rows: Math.ceil((size / Math.max(1, bytesRead)) * complete) };
  } finally {
    await handle.close();
  }
}

/**
 * Guards the dataset paths of an experiment file and checks the training fits the budget.
 * Returns quietly when the file is not valid JSON: the core reports that precisely.
 */
export async function checkExperiment(
  experimentFile: string,
  guard: WorkspaceGuard,
  budget: MemoryBudget,
  forTraining: boolean,
  /** The training's path-layout request (the run-folder budget picks checkpoints for runs too large to store). */
  pathLayout: PathLayoutRequest = {},
): Promise<void> {
  const config = await readJsonCapped(experimentFile, MAX_EXPERIMENT_BYTES, 'experiment file');
  const dir = path.dirname(experimentFile);
  let csvBytes = 0;
  let imageBytes = 0;
  let first: { file: string; size: number } | null = null;
  for (const file of datasetFiles(config)) {
    const real = await guard.resolve(path.resolve(dir, file), { mustExist: false, what: 'dataset' });
    // An image folder (one subfolder per class): its images, decoded, are what loading costs.
    if ((await fs.stat(real).catch(() => null))?.isDirectory()) {
      imageBytes += await directorySize(real, 1);
      continue;
    }
    const size = await fileSize(real);
    csvBytes += size;
    first ??= { file: real, size };
  }
  budget.check('Loading the dataset', csvBytes * CSV_EXPANSION + imageBytes * IMAGE_EXPANSION);
  if (!forTraining || !first || first.size === 0) return;

  // One parameter snapshot per step is what the path kernel needs; estimate it before training starts.
  const { columns, rows } = await csvShape(first.file, first.size);
  const conf = record(config);
  const training = record(conf?.training);
  const hidden = Array.isArray(record(conf?.model)?.hidden) ? (record(conf?.model)?.hidden as unknown[]) : [{ units: 16 }];
  // A first, coarse look from the file's shape (the exact check runs on the prepared data, trainingMemory.ts).
  const shape = {
    trainRows: rows,
    testRows: 0,
    features: Math.max(1, columns - 1),
    network: denseNetworkSize(
      Math.max(1, columns - 1),
      hidden.map((layer) => positive(record(layer)?.units, 16)),
      1,
    ),
    epochs: positive(training?.epochs, 20),
    batchSize: positive(training?.batchSize, 32),
    // A floor only: the weights of every step; the exact check also counts Adam's moments and the kept checkpoints.
    optimizer: 'sgd' as const,
  };
  let layout: PathLayout = { kind: 'full' };
  try {
    layout = choosePathLayout(shape, 0, pathLayout).layout;
  } catch {
    // A budget too small for any layout: the training itself says so, with the exact sizes.
  }
  const memory = trainingMemory({ ...shape, layout });
  budget.check(
    `Training (${Math.round(memory.steps)} steps × ${Math.round(memory.parameters)} parameters)`,
    csvBytes * CSV_EXPANSION + memory.pathBytes,
  );
}

/** Guards the experiment and dataset files a run directory's run.json points at, and checks the run fits the budget. */
export async function checkRun(runDir: string, guard: WorkspaceGuard, budget: MemoryBudget): Promise<void> {
  const runFile = path.join(runDir, 'run.json');
  const run = record(await readJsonCapped(runFile, MAX_RUN_JSON_BYTES, 'run.json'));
  let csvBytes = 0;
  if (run && typeof run.experimentFile === 'string') {
    const experimentFile = await guard.resolve(path.resolve(runDir, run.experimentFile), {
      mustExist: false,
      what: 'experiment file of the run',
    });
    const experimentDir = path.dirname(experimentFile);
    const files = Array.isArray(run.files) ? run.files : [];
    const named = files.map((f) => record(f)?.file).filter((f): f is string => typeof f === 'string');
    for (const file of [...named, ...datasetFiles(run.experiment)]) {
      const real = await guard.resolve(path.resolve(experimentDir, file), { mustExist: false, what: 'dataset of the run' });
      csvBytes += await fileSize(real);
    }
  }
  budget.check('Loading the run', (await directorySize(runDir)) * RUN_EXPANSION + csvBytes * CSV_EXPANSION);
}
