import type { RowSource } from '../../protocol';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PreparedData } from '../data/preparedData';
import type { ReplayCheckpoints, TrainingPath } from './trainingPath';
import type { RunRecord } from './runRecord';
import { UserError } from '../errors';
import { readFloat32Npy, readFloat32NpySync, readInt32Npy, readNpy, writeNpy } from './npy';
import { messageOf } from '../../shared/messageOf';

/** The preprocessed design matrices, so an explanation never depends on re-parsing the source file. */
export async function writeRunData(dir: string, data: PreparedData): Promise<void> {
  const dataDir = path.join(dir, 'data');
  await fs.promises.mkdir(dataDir, { recursive: true });
  const f = data.featureCount;
  for (const [name, matrix] of [
    ['train', data.train],
    ['test', data.test],
  ] as const) {
    await writeNpy(path.join(dataDir, `${name}_x.npy`), { dtype: 'float32', shape: [matrix.count, f], data: matrix.x });
    const y = matrix.y;
    await writeNpy(
      path.join(dataDir, `${name}_y.npy`),
      y instanceof Int32Array ? { dtype: 'int32', shape: [matrix.count], data: y } : { dtype: 'float32', shape: [matrix.count], data: y },
    );
  }
  const text = runDataText(data);
  await fs.promises.writeFile(path.join(dataDir, 'rows.json'), text.rows);
  await fs.promises.writeFile(path.join(dataDir, 'raw.json'), text.raw);
}

/** The JSON files of data/: each row's source, and the raw cell text and labels for showing rows without the CSV. */
function runDataText(data: PreparedData): { rows: string; raw: string } {
  const rows = { train: data.train.rows, test: data.test.rows };
  const raw = { train: { values: data.train.raw, labels: data.train.labels }, test: { values: data.test.raw, labels: data.test.labels } };
  return { rows: JSON.stringify(rows), raw: JSON.stringify(raw) };
}

/** The bytes data/ takes on disk (for the run-folder budget), before it is written. */
export function runDataBytes(data: PreparedData): number {
  const text = runDataText(data);
  const matrices = 4 * (data.train.count + data.test.count) * (data.featureCount + 1);
  return matrices + 4 * 128 + Buffer.byteLength(text.rows) + Buffer.byteLength(text.raw);
}

/** Evaluations written after training (`lds`): outside the training digests, validated when read. */
export const EVALUATIONS_DIR = 'evaluations';

/** A checkpointed run's files in `path/` (README, "Run directory"): the state every K steps, one row per checkpoint. */
export const CHECKPOINT_FILES = {
  steps: 'checkpoint_steps.npy',
  weights: 'checkpoint_weights.npy',
  first: 'checkpoint_first.npy',
  second: 'checkpoint_second.npy',
  powers: 'checkpoint_powers.npy',
} as const;

export async function writeTrainingPath(dir: string, trainingPath: TrainingPath, parameterCount: number): Promise<void> {
  const pathDir = path.join(dir, 'path');
  await fs.promises.mkdir(pathDir, { recursive: true });
  const T = trainingPath.steps;
  if (trainingPath.replay) {
    await writeCheckpoints(pathDir, trainingPath.replay, parameterCount);
  } else {
    const stored = trainingPath.weights.length / parameterCount;
    await writeNpy(path.join(pathDir, 'weights.npy'), { dtype: 'float32', shape: [stored, parameterCount], data: trainingPath.weights });
  }
  if (trainingPath.checkpoints)
    await writeNpy(path.join(pathDir, 'checkpoints.npy'), {
      dtype: 'int32',
      shape: [trainingPath.checkpoints.length],
      data: trainingPath.checkpoints,
    });
  await writeNpy(path.join(pathDir, 'batches.npy'), { dtype: 'int32', shape: [T, trainingPath.batchWidth], data: trainingPath.batches });
  await writeNpy(path.join(pathDir, 'lr.npy'), { dtype: 'float32', shape: [T], data: trainingPath.learningRates });
  if (trainingPath.adamV)
    await writeNpy(path.join(pathDir, 'adam_v.npy'), {
      dtype: 'float32',
      shape: [trainingPath.adamV.length / parameterCount, parameterCount],
      data: trainingPath.adamV,
    });
}

async function writeCheckpoints(pathDir: string, replay: ReplayCheckpoints, P: number): Promise<void> {
  const M = replay.steps.length;
  await writeNpy(path.join(pathDir, CHECKPOINT_FILES.steps), { dtype: 'int32', shape: [M], data: replay.steps });
  await writeNpy(path.join(pathDir, CHECKPOINT_FILES.weights), { dtype: 'float32', shape: [M, P], data: replay.weights });
  if (replay.first) await writeNpy(path.join(pathDir, CHECKPOINT_FILES.first), { dtype: 'float32', shape: [M, P], data: replay.first });
  if (replay.second) await writeNpy(path.join(pathDir, CHECKPOINT_FILES.second), { dtype: 'float32', shape: [M, P], data: replay.second });
  if (replay.powers) await writeNpy(path.join(pathDir, CHECKPOINT_FILES.powers), { dtype: 'float32', shape: [M, 2], data: replay.powers });
}

/** Reads the checkpoints `record.replay` describes; a missing or misshapen file is "the run is damaged", naming it. */
async function readCheckpoints(
  pathDir: string,
  record: Pick<RunRecord, 'replay' | 'parameters' | 'optimizer'>,
): Promise<ReplayCheckpoints> {
  const described = record.replay as NonNullable<RunRecord['replay']>;
  const M = described.fingerprints.length;
  const P = record.parameters;
  const file = (name: string) => path.join(pathDir, name);
  const matrix = async (name: string, width: number): Promise<Float32Array> => {
    const read = await readFloat32Npy(file(name));
    if (read.shape.length !== 2 || read.shape[0] !== M || read.shape[1] !== width)
      throw new UserError(
        `the run is damaged (${name} has shape [${read.shape.join(', ')}], expected [${M}, ${width}]); train the experiment again`,
        {
          file: file(name),
        },
      );
    return read.data;
  };
  const steps = (await readInt32Npy(file(CHECKPOINT_FILES.steps))).data;
  if (steps.length !== M)
    throw new UserError(
      `the run is damaged (${CHECKPOINT_FILES.steps} has ${steps.length} checkpoints, run.json ${M}); train the experiment again`,
      { file: file(CHECKPOINT_FILES.steps) },
    );
  const name = record.optimizer.name;
  return {
    every: described.every,
    steps,
    weights: await matrix(CHECKPOINT_FILES.weights, P),
    first: name === 'sgd' ? null : await matrix(CHECKPOINT_FILES.first, P),
    second: name === 'adam' ? await matrix(CHECKPOINT_FILES.second, P) : null,
    powers: name === 'adam' ? await matrix(CHECKPOINT_FILES.powers, 2) : null,
    fingerprints: described.fingerprints,
  };
}

export interface RunMatrices {
  trainX: Float32Array;
  trainY: Int32Array | Float32Array;
  testX: Float32Array;
  testY: Int32Array | Float32Array;
  featureCount: number;
  rows: { train: RowSource[]; test: RowSource[] };
  raw: { train: { values: string[][]; labels: string[] }; test: { values: string[][]; labels: string[] } };
}

export async function readRunData(dir: string): Promise<RunMatrices> {
  const dataDir = path.join(dir, 'data');
  const trainX = await readFloat32Npy(path.join(dataDir, 'train_x.npy'));
  const testX = await readFloat32Npy(path.join(dataDir, 'test_x.npy'));
  const trainY = (await readNpy(path.join(dataDir, 'train_y.npy'))).data;
  const testY = (await readNpy(path.join(dataDir, 'test_y.npy'))).data;
  const rows = JSON.parse(await fs.promises.readFile(path.join(dataDir, 'rows.json'), 'utf8')) as RunMatrices['rows'];
  const raw = JSON.parse(await fs.promises.readFile(path.join(dataDir, 'raw.json'), 'utf8')) as RunMatrices['raw'];
  return { trainX: trainX.data, trainY, testX: testX.data, testY, featureCount: trainX.shape[1], rows, raw };
}

export async function readTrainingPath(dir: string, record: Pick<RunRecord, 'replay' | 'parameters' | 'optimizer'>): Promise<TrainingPath> {
  const pathDir = path.join(dir, 'path');
  const replay = record.replay ? await readCheckpoints(pathDir, record) : null;
  const weights = replay ? new Float32Array(0) : (await readFloat32Npy(path.join(pathDir, 'weights.npy'))).data;
  const batches = await readInt32Npy(path.join(pathDir, 'batches.npy'));
  const lr = await readFloat32Npy(path.join(pathDir, 'lr.npy'));
  const checkpointFile = path.join(pathDir, 'checkpoints.npy');
  const checkpoints = fs.existsSync(checkpointFile) ? (await readInt32Npy(checkpointFile)).data : null;
  const trainingPath = {
    weights,
    batches: batches.data,
    batchWidth: batches.shape[1],
    learningRates: lr.data,
    steps: batches.shape[0],
    checkpoints,
    replay,
    factors: null,
    firstStep: 0,
  } as TrainingPath;
  // Adam's second moments ([T, P], as large as the weights) are needed to build the path index and by the
  // direct method, not by explanations from a stored index: read on first use.
  const vFile = path.join(pathDir, 'adam_v.npy');
  let adamV: Float32Array | null | undefined = fs.existsSync(vFile) ? undefined : null;
  Object.defineProperty(trainingPath, 'adamV', {
    enumerable: true,
    get: (): Float32Array | null => {
      if (adamV !== undefined) return adamV;
      try {
        return (adamV = readFloat32NpySync(vFile).data);
      } catch (error) {
        throw damagedRunError(error);
      }
    },
  });
  return trainingPath;
}

/** A run file that cannot be read (truncated, not .npy) as one clear line: which file, and what to do. */
export function damagedRunError(error: unknown): UserError {
  if (error instanceof UserError) return error;
  const message = messageOf(error);
  const file = /^(.+?\.(npy|json)):/.exec(message)?.[1];
  const reason = file ? message.slice(file.length + 1).trim() : message;
  return new UserError(`the run is damaged (${reason}); train the experiment again`, file ? { file } : {});
}
