import * as path from 'node:path';
import * as fs from 'node:fs';
import type { OptimizerRecord } from '../../protocol';
import { FactoredMlp } from '../model/mlp';
import { layoutFromEntries, type ParameterLayout } from '../model/parameterLayout';
import { readRunData, readTrainingPath, type RunMatrices } from '../run/runFiles';
import { readRunRecord } from '../run/runStore';
import type { RunRecord } from '../run/runRecord';
import type { TrainingPath } from '../train/trainLoop';
import { UserError } from '../errors';

/** A run read into memory: its record, the recorded path and the design matrices. */
export interface LoadedRun {
  dir: string;
  record: RunRecord;
  layout: ParameterLayout;
  mlp: FactoredMlp;
  path: TrainingPath;
  data: RunMatrices;
  optimizer: OptimizerRecord;
  outputCount: number;
  /** For each training row, the steps whose batch held it. */
  stepsOf: Int32Array[];
  /** |B_s| of each step. */
  batchSizes: Int32Array;
}

export async function loadRun(runDir: string): Promise<LoadedRun> {
  const dir = path.resolve(runDir);
  const record = await readRunRecord(dir);
  if (record.status !== 'complete') {
    throw new UserError(`run is ${record.status}${record.message ? ` (${record.message})` : ''}; only complete runs can be explained`, { file: dir });
  }
  if (!fs.existsSync(path.join(dir, 'path', 'weights.npy'))) throw new UserError('run has no recorded path (path/weights.npy missing)', { file: dir });
  const layout = layoutFromEntries(record.layout);
  const trainingPath = await readTrainingPath(dir);
  const data = await readRunData(dir);
  const T = trainingPath.steps;
  const W = trainingPath.batchWidth;
  if (trainingPath.weights.length !== (T + 1) * layout.parameterCount) throw new UserError('path/weights.npy does not match the run layout', { file: dir });
  const trainRows = record.trainRows;
  const counts = new Int32Array(trainRows);
  const batchSizes = new Int32Array(T);
  for (let s = 0; s < T; s++) {
    for (let b = 0; b < W; b++) {
      const i = trainingPath.batches[s * W + b];
      if (i >= 0) {
        counts[i]++;
        batchSizes[s]++;
      }
    }
  }
  const stepsOf = Array.from(counts, (c) => new Int32Array(c));
  const filled = new Int32Array(trainRows);
  for (let s = 0; s < T; s++) {
    for (let b = 0; b < W; b++) {
      const i = trainingPath.batches[s * W + b];
      if (i >= 0) stepsOf[i][filled[i]++] = s;
    }
  }
  const outputCount = layout.layers[layout.layers.length - 1].outputs;
  return { dir, record, layout, mlp: new FactoredMlp(layout), path: trainingPath, data, optimizer: record.optimizer, outputCount, stepsOf, batchSizes };
}
