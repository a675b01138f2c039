import * as path from 'node:path';
import * as fs from 'node:fs';
import type { OptimizerRecord } from '../../../protocol';
import { FactoredNetwork } from '../../model/network';
import { buildLayout, layoutFromEntries, type ParameterLayout } from '../../model/parameterLayout';
import { CHECKPOINT_FILES, damagedRunError, readRunData, readTrainingPath, type RunMatrices } from '../../run/runFiles';
import { readRunRecord } from '../../run/runStore';
import { PARTIAL_SUFFIX, type RunRecord } from '../../run/runRecord';
import { verifyRunFiles } from '../../run/runDigests';
import type { ReplayCheckpoints, TrainingPath } from '../../run/trainingPath';
import { weightsFingerprint } from '../../run/weightsFingerprint';
import { UserError } from '../../errors';

/** A run read into memory: its record, the recorded path and the design matrices. */
export interface LoadedRun {
  dir: string;
  record: RunRecord;
  layout: ParameterLayout;
  network: FactoredNetwork;
  path: TrainingPath;
  data: RunMatrices;
  optimizer: OptimizerRecord;
  outputCount: number;
  /** For each training row, the steps whose batch held it. */
  stepsOf: Int32Array[];
  /** |B_s| of each step. */
  batchSizes: Int32Array;
  /**
   * A subsampled path (path-storage budget): its "steps" are the stretches between kept checkpoints,
   * explained as one plain step each with the per-example gradients at the stretch's start and a
   * per-parameter rate calibrated to the stretch's displacement (pathIndex.ts). Approximate: the
   * residual shows how far from exact.
   */
  approximate: boolean;
  /** Subsampled Adam paths: the second moment kept after each stretch's first step, [M, P]. */
  stretchSecondMoment: Float32Array | null;
  /** A stored index file whose content differs from training (runDigests.ts): the index is rebuilt, not read. */
  damagedIndex?: string | null;
}

/**
 * A complete run, checked: not a `.partial` folder (however named through links), status complete, and
 * every file as it was when training ended (runDigests.ts).
 */
export async function loadRun(runDir: string): Promise<LoadedRun> {
  const dir = path.resolve(runDir);
  const real = await fs.promises.realpath(dir).catch(() => dir);
  if (dir.endsWith(PARTIAL_SUFFIX) || real.endsWith(PARTIAL_SUFFIX)) {
    throw new UserError(
      'run is unfinished (a .partial folder: its training is running or was interrupted); only complete runs can be explained',
      {
        file: dir,
      },
    );
  }
  const record = await readRunRecord(dir);
  if (record.status !== 'complete') {
    throw new UserError(`run is ${record.status}${record.message ? ` (${record.message})` : ''}; only complete runs can be explained`, {
      file: dir,
    });
  }
  // Checked while it loads (the hashing runs on the thread pool); a damaged run is refused before any use.
  const [verified, loaded] = await Promise.allSettled([verifyRunFiles(dir, record), loadRecordedRun(dir, record)]);
  // The damage report wins: an edited file may also make the loader fail, less clearly.
  if (verified.status === 'rejected') throw verified.reason;
  if (loaded.status === 'rejected') throw loaded.reason;
  return { ...loaded.value, damagedIndex: verified.value.damagedIndex };
}

/** Reads a run's files into memory as `record` describes them (training uses it to build the index before the run is complete). */
export async function loadRecordedRun(dir: string, record: RunRecord): Promise<LoadedRun> {
  const pathFile = record.replay ? CHECKPOINT_FILES.weights : 'weights.npy';
  if (!fs.existsSync(path.join(dir, 'path', pathFile)))
    throw new UserError(`run has no recorded path (path/${pathFile} missing)`, { file: dir });
  const layout = recordedLayout(dir, record);
  const recorded = await damagedRunFile(() => readTrainingPath(dir, record));
  const data = await damagedRunFile(() => readRunData(dir));
  const approximate = recorded.checkpoints ? stretchPath(recorded) : null;
  const trainingPath = approximate ? approximate.path : recorded;
  const T = trainingPath.steps;
  const W = trainingPath.batchWidth;
  if (!trainingPath.replay && trainingPath.weights.length !== (T + 1) * layout.parameterCount)
    throw new UserError('path/weights.npy does not match the run layout', { file: dir });
  if (trainingPath.replay) checkCheckpoints(dir, trainingPath.replay, T, layout.parameterCount);
  const trainRows = record.trainRows;
  const batchSizes = new Int32Array(T);
  for (let k = 0; k < T * W; k++) if (trainingPath.batches[k] >= 0) batchSizes[Math.floor(k / W)]++;
  const stepsOf = stepsOfRows(trainingPath.batches, W, T, trainRows);
  const outputCount = layout.layers[layout.layers.length - 1].outputs;
  if (approximate) for (let m = 0; m < T; m++) batchSizes[m] = approximate.batchSizes[m];
  const optimizer: OptimizerRecord = approximate ? { ...record.optimizer, name: 'sgd', momentum: 0, nesterov: false } : record.optimizer;
  return {
    dir,
    record,
    layout,
    network: new FactoredNetwork(layout),
    path: trainingPath,
    data,
    optimizer,
    outputCount,
    stepsOf,
    batchSizes,
    approximate: approximate !== null,
    stretchSecondMoment: approximate && record.optimizer.name === 'adam' ? recorded.adamV : null,
  };
}

/**
 * The network of a run: rebuilt from its `model` and input shape when run.json has them (every run since
 * convolution), which must give exactly the recorded `layout`; from the layout's dense kernel/bias pairs before.
 */
function recordedLayout(dir: string, record: RunRecord): ParameterLayout {
  if (!record.model) return layoutFromEntries(record.layout);
  const image = record.image ? { ...record.image, channels: record.image.channels ?? 1 } : null;
  const outputs = record.layout[record.layout.length - 1].shape[0];
  const damaged = (why: string) =>
    new UserError(`the run is damaged (run.json: ${why}); train the experiment again`, { file: path.join(dir, 'run.json') });
  let layout: ParameterLayout;
  try {
    layout = buildLayout(record.preprocessing.featureNames.length, image, record.model.layers, outputs);
  } catch (error) {
    throw damaged(`model does not build: ${error instanceof Error ? error.message : String(error)}`);
  }
  const same =
    layout.entries.length === record.layout.length &&
    layout.entries.every((e, k) => {
      const r = record.layout[k];
      return e.name === r.name && e.offset === r.offset && e.activation === r.activation && e.shape.join() === r.shape.join();
    });
  if (!same) throw damaged('model and layout disagree');
  return layout;
}

/** Each checkpoint's weights against its fingerprint in run.json, and the last checkpoint at the last step. */
function checkCheckpoints(dir: string, replay: ReplayCheckpoints, T: number, P: number): void {
  if (replay.steps[replay.steps.length - 1] !== T)
    throw new UserError(`the run is damaged (its last checkpoint is not at step ${T}); train the experiment again`, {
      file: path.join(dir, 'path', CHECKPOINT_FILES.steps),
    });
  replay.fingerprints.forEach((fingerprint, m) => {
    if (weightsFingerprint(replay.weights.subarray(m * P, (m + 1) * P)) !== fingerprint)
      throw new UserError(
        `the run is damaged (checkpoint ${m} at step ${replay.steps[m]} does not match its fingerprint in run.json); train the experiment again`,
        { file: path.join(dir, 'path', CHECKPOINT_FILES.weights) },
      );
  });
}

/** For each of `rows` training rows, the steps (of `steps` in the plan `batches` [steps, width]) whose batch held it. */
export function stepsOfRows(batches: Int32Array, width: number, steps: number, rows: number): Int32Array[] {
  const counts = new Int32Array(rows);
  for (let k = 0; k < steps * width; k++) if (batches[k] >= 0) counts[batches[k]]++;
  const stepsOf = Array.from(counts, (n) => new Int32Array(n));
  counts.fill(0);
  for (let s = 0; s < steps; s++) {
    for (let b = 0; b < width; b++) {
      const i = batches[s * width + b];
      if (i >= 0) stepsOf[i][counts[i]++] = s;
    }
  }
  return stepsOf;
}

/** A run file that cannot be read (truncated, not .npy) is the user's to fix: say which, and what to do. */
async function damagedRunFile<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw damagedRunError(error);
  }
}

/**
 * The stretches between kept checkpoints as steps: their batches joined, and the per-row coefficient of
 * the original steps (1/|B|, as the average batch of the stretch).
 */
function stretchPath(recorded: TrainingPath): { path: TrainingPath; batchSizes: Int32Array } {
  const checkpoints = recorded.checkpoints as Int32Array;
  const M = checkpoints.length - 1;
  const W = recorded.batchWidth;
  const longest = Math.max(...Array.from({ length: M }, (_, m) => checkpoints[m + 1] - checkpoints[m]));
  const width = longest * W;
  const batches = new Int32Array(M * width).fill(-1);
  const batchSizes = new Int32Array(M);
  const learningRates = new Float32Array(M);
  for (let m = 0; m < M; m++) {
    let filled = 0;
    for (let s = checkpoints[m]; s < checkpoints[m + 1]; s++) {
      for (let b = 0; b < W; b++) {
        const i = recorded.batches[s * W + b];
        if (i >= 0) batches[m * width + filled++] = i;
      }
    }
    batchSizes[m] = Math.max(1, Math.round(filled / (checkpoints[m + 1] - checkpoints[m])));
    learningRates[m] = recorded.learningRates[checkpoints[m]];
  }
  return {
    path: {
      weights: recorded.weights,
      batches,
      batchWidth: width,
      learningRates,
      adamV: null,
      steps: M,
      checkpoints,
      replay: null,
      factors: null,
      firstStep: 0,
    },
    batchSizes,
  };
}

/** w_0, the untrained network's parameters [P] (stored or the first checkpoint). */
export function initialWeights(run: Pick<LoadedRun, 'path' | 'layout'>): Float32Array {
  const P = run.layout.parameterCount;
  return (run.path.replay ? run.path.replay.weights : run.path.weights).subarray(0, P);
}

/** w_T, the trained network's parameters [P] (the last stored row or checkpoint). */
export function finalWeights(run: Pick<LoadedRun, 'path' | 'layout'>): Float32Array {
  const P = run.layout.parameterCount;
  const rows = run.path.replay ? run.path.replay.weights : run.path.weights;
  return rows.subarray(rows.length - P, rows.length);
}
