import type { LoadedRun } from '../explain/shared/loadedRun';
import { finalWeights, initialWeights } from '../explain/shared/loadedRun';
import type { DataMatrix, ResolvedExperiment } from '../data/preparedData';
import { withoutRows, type BatchPlan } from '../train/batchSchedule';
import { runTrainingLoop } from '../train/trainLoop';
import { CancelledError } from '../errors';

/** The batch plan a run was trained with, read back from its recorded path. */
export function recordedPlan(run: LoadedRun): BatchPlan {
  const width = run.path.batchWidth;
  return { batches: run.path.batches, steps: run.path.steps, width, stepsPerEpoch: Math.ceil(run.record.trainRows / width) };
}

/** The run's training settings as recorded (the optimizer constants it actually used, ε included). */
export function recordedTraining(run: LoadedRun): ResolvedExperiment['training'] {
  const o = run.record.optimizer;
  return {
    optimizer: o.name,
    learningRate: o.learningRate,
    epochs: run.record.epochs,
    batchSize: run.record.batchSize,
    seed: run.record.seed,
    momentum: o.momentum,
    nesterov: o.nesterov,
    beta1: o.beta1,
    beta2: o.beta2,
    epsilon: o.epsilon,
  };
}

/**
 * Retrains a run without some training rows: the recorded w_0, the recorded batch order with the rows filtered
 * out, the run's own design matrices (its preprocessing, frozen) and optimizer constants. With nothing removed
 * this replays the original training step for step, so on the same backend it reproduces w_T exactly.
 * Returns the final weights.
 */
export async function retrainWithout(run: LoadedRun, removed: ReadonlySet<number>, signal?: AbortSignal): Promise<Float32Array> {
  const F = run.data.featureCount;
  const train: DataMatrix = {
    x: run.data.trainX,
    y: run.data.trainY,
    rows: run.data.rows.train,
    raw: [],
    labels: run.data.raw.train.labels,
    count: run.record.trainRows,
  };
  const test: DataMatrix = { x: new Float32Array(0), y: new Float32Array(0), rows: [], raw: [], labels: [], count: 0 };
  const result = await runTrainingLoop(
    {
      layout: run.layout,
      task: run.record.task,
      initial: initialWeights(run).slice(),
      train,
      test,
      featureCount: F,
      training: recordedTraining(run),
      targetStd: run.record.preprocessing.targetScale?.std ?? null,
      schedule: withoutRows(recordedPlan(run), removed),
      // Only the trained weights are read: no path is kept beyond the first and last checkpoint.
      pathLayout: { kind: 'checkpoints', every: Number.MAX_SAFE_INTEGER },
    },
    { signal },
  );
  if (result.status === 'cancelled') throw new CancelledError();
  if (result.status === 'failed') throw new Error(`retraining failed: ${result.message}`);
  return finalWeights({ path: result.path, layout: run.layout }).slice();
}
