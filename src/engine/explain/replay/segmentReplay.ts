import * as path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { TrainingStepper } from '../../train/trainingStepper';
import { settingsOfRecord } from '../../train/optimizers';
import { batchRows } from '../../train/batchSchedule';
import { newPathFactors, placeStepFactors } from '../../train/pathRecorder';
import { weightsFingerprint } from '../../run/weightsFingerprint';
import { CHECKPOINT_FILES } from '../../run/runFiles';
import type { TrainingPath } from '../../run/trainingPath';
import { currentBackend } from '../../backend';
import { UserError, throwIfCancelled } from '../../errors';
import type { LoadedRun } from '../shared/loadedRun';
import type { Segment } from './segments';

/** Steps replayed between two looks at the cancellation signal. */
const STEPS_PER_YIELD = 8;

/**
 * Regenerates one segment of a checkpointed run in memory (path-kernel.md §3.2): from the checkpoint's weights and
 * optimizer state, the same training steps (trainingStepper.ts) on the recorded batches, keeping every step's
 * weights and Adam's second moments. The end must match the next checkpoint's fingerprint bit for bit; a replay
 * that drifted (another backend or TensorFlow.js version) is an error, never a silently different explanation.
 */
export async function replaySegment(
  run: LoadedRun,
  segment: Segment,
  options: { signal?: AbortSignal; factors?: boolean } = {},
): Promise<TrainingPath> {
  const { signal } = options;
  const replay = run.path.replay;
  if (!replay) throw new Error('replaySegment needs a checkpointed run');
  const P = run.layout.parameterCount;
  const W = run.path.batchWidth;
  const { index: m, start, end } = segment;
  const c = end - start;
  const adam = run.optimizer.name === 'adam';
  const weights = new Float32Array((c + 1) * P);
  // Each checkpoint was checked against its fingerprint when the run was loaded (loadedRun.ts).
  const startWeights = replay.weights.subarray(m * P, (m + 1) * P);
  weights.set(startWeights, 0);
  const adamV = adam ? new Float32Array(c * P) : null;
  const shape = { batches: run.path.batches, width: W, layers: run.layout.layers };
  const factors = options.factors ? newPathFactors(shape, c) : null;
  const row = (values: Float32Array | null) => (values ? values.subarray(m * P, (m + 1) * P) : null);
  const stepper = new TrainingStepper({
    layout: run.layout,
    task: run.record.task,
    trainX: run.data.trainX,
    trainY: run.data.trainY,
    featureCount: run.data.featureCount,
    training: settingsOfRecord(run.record.optimizer),
    weights: startWeights,
    resume: {
      step: start,
      state: {
        first: row(replay.first),
        second: row(replay.second),
        powers: replay.powers ? replay.powers.subarray(m * 2, m * 2 + 2) : null,
      },
    },
  });
  try {
    for (let s = start; s < end; s++) {
      const result = stepper.step(batchRows(run.path.batches, W, s), factors !== null);
      if (factors && result.factors) placeStepFactors(factors, shape, s, s - start, result.factors);
      weights.set(stepper.weights(), (s - start + 1) * P);
      if (adamV) adamV.set(stepper.secondMoment() as Float32Array, (s - start) * P);
      if ((s - start) % STEPS_PER_YIELD === STEPS_PER_YIELD - 1) {
        await yieldToEventLoop();
        throwIfCancelled(signal);
      }
    }
  } finally {
    stepper.dispose();
  }
  if (weightsFingerprint(weights.subarray(c * P)) !== replay.fingerprints[m + 1]) {
    const now = currentBackend().backend;
    throw new UserError(
      `replaying steps ${start}–${end} did not reproduce checkpoint ${m + 1} bit for bit: the run was trained on the ${run.record.backend} backend, ` +
        `this engine runs ${now}${now === run.record.backend ? ' (another TensorFlow.js version, or a changed checkpoint)' : ''}; ` +
        `explain it with --backend ${run.record.backend}, or train it again here`,
      { file: path.join(run.dir, 'path', CHECKPOINT_FILES.weights) },
    );
  }
  return {
    weights,
    batches: run.path.batches.subarray(start * W, end * W),
    batchWidth: W,
    learningRates: run.path.learningRates.subarray(start, end),
    adamV,
    steps: c,
    checkpoints: null,
    replay: null,
    factors,
    firstStep: start,
  };
}

/**
 * The run seen through one replayed segment: its steps 0 … c−1 are the run's start … end−1, so every per-step
 * computation written for a stored path (query factors, training factors, refinement, the path kernel) runs on
 * it unchanged. Absolute step numbers are `path.firstStep + s`.
 */
export function segmentRun(run: LoadedRun, segmentPath: TrainingPath): LoadedRun {
  const { firstStep: start, steps: c, batchWidth: W } = segmentPath;
  const counts = new Int32Array(run.record.trainRows);
  for (let k = 0; k < c * W; k++) if (segmentPath.batches[k] >= 0) counts[segmentPath.batches[k]]++;
  const stepsOf = Array.from(counts, (n) => new Int32Array(n));
  counts.fill(0);
  for (let s = 0; s < c; s++)
    for (let b = 0; b < W; b++) {
      const i = segmentPath.batches[s * W + b];
      if (i >= 0) stepsOf[i][counts[i]++] = s;
    }
  return { ...run, path: segmentPath, stepsOf, batchSizes: run.batchSizes.subarray(start, start + c) };
}
