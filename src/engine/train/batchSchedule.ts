import { createRng, shuffleInPlace } from '../random';

/** The batches of every step, as the training loop consumes them. */
export interface BatchPlan {
  /** [steps, width] training-row indices, −1 padding. */
  batches: Int32Array;
  steps: number;
  width: number;
  stepsPerEpoch: number;
  /** Epoch of each step, when epochs have different step counts (a filtered plan); else step / stepsPerEpoch. */
  epochOfStep?: Int32Array;
}

/**
 * The batches of every step: each epoch a seeded permutation of the training rows, cut into batches;
 * a last partial batch is a normal step. Returned as int32 [T, Bmax] with −1 padding (path/batches.npy).
 */
export function batchSchedule(rows: number, batchSize: number, epochs: number, seed: number): BatchPlan {
  const width = Math.min(batchSize, rows);
  const stepsPerEpoch = Math.ceil(rows / width);
  const steps = stepsPerEpoch * epochs;
  const batches = new Int32Array(steps * width).fill(-1);
  const rng = createRng(seed);
  const order = new Int32Array(rows);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < rows; i++) order[i] = i;
    shuffleInPlace(order, rng);
    for (let i = 0; i < rows; i++) {
      const step = epoch * stepsPerEpoch + Math.floor(i / width);
      batches[step * width + (i % width)] = order[i];
    }
  }
  return { batches, steps, width, stepsPerEpoch };
}

/** The rows of one step (padding removed). */
export function batchRows(batches: Int32Array, width: number, step: number): number[] {
  const rows: number[] = [];
  for (let b = 0; b < width; b++) {
    const row = batches[step * width + b];
    if (row >= 0) rows.push(row);
  }
  return rows;
}

/** The epoch a step belongs to, and whether it is the last step of that epoch. */
export function stepEpoch(plan: BatchPlan, step: number): { epoch: number; last: boolean } {
  if (!plan.epochOfStep) return { epoch: Math.floor(step / plan.stepsPerEpoch), last: (step + 1) % plan.stepsPerEpoch === 0 };
  const epoch = plan.epochOfStep[step];
  return { epoch, last: step + 1 === plan.steps || plan.epochOfStep[step + 1] !== epoch };
}

/**
 * A recorded plan with some rows taken out (to retrain without them): every batch keeps its other rows in the
 * same order, a batch left empty is dropped, so everything else sees the original order.
 */
export function withoutRows(plan: BatchPlan, removed: ReadonlySet<number>): BatchPlan {
  const kept: number[][] = [];
  const epochs: number[] = [];
  for (let s = 0; s < plan.steps; s++) {
    const rows = batchRows(plan.batches, plan.width, s).filter((i) => !removed.has(i));
    if (rows.length === 0) continue;
    kept.push(rows);
    epochs.push(plan.epochOfStep ? plan.epochOfStep[s] : Math.floor(s / plan.stepsPerEpoch));
  }
  const batches = new Int32Array(kept.length * plan.width).fill(-1);
  kept.forEach((rows, s) => batches.set(rows, s * plan.width));
  return { batches, steps: kept.length, width: plan.width, stepsPerEpoch: plan.stepsPerEpoch, epochOfStep: Int32Array.from(epochs) };
}
