import { LIMITS } from '../../protocol/limits';
import { UserError } from '../errors';
import type { PathLayout } from '../run/pathLayout';
import { checkpointCount, trainingMemory, type TrainingShape } from './trainingMemory';

/** What the caller asked for: a run-folder budget, a forced checkpoint spacing, or the approximate mode. */
export interface PathLayoutRequest {
  /** MiB for the whole run folder (default LIMITS.pathBudgetMb.default). */
  budgetMb?: number;
  /** Checkpoints every K steps whatever the budget (1: the full path). */
  checkpointEvery?: number;
  /** Every k-th weight row to fit the budget (explanations approximate); never chosen without being asked. */
  approximate?: boolean;
}

/** Files, headers, run.json and `du`'s block rounding, beside the arrays counted exactly. */
const FOLDER_OVERHEAD = 512 * 1024;
const MIB = 1024 * 1024;

/**
 * The path layout of a training (README, "Run directory"): the full path and its index when the whole run folder
 * fits the budget (single rows then explain from the stored index); otherwise checkpoints every K steps, K ≈ √T
 * (memory O((T/K + K)·P) when explaining) or larger until the checkpoints fit. `dataBytes`: the run's data/ folder.
 */
export function choosePathLayout(
  shape: Omit<TrainingShape, 'layout'>,
  dataBytes: number,
  request: PathLayoutRequest,
): { layout: PathLayout; folderBytes: number } {
  const budgetMb = request.budgetMb ?? (LIMITS.pathBudgetMb.default as number);
  const folderBytes = (layout: PathLayout) => {
    const m = trainingMemory({ ...shape, layout });
    return m.pathBytes + m.indexBytes + dataBytes + FOLDER_OVERHEAD;
  };
  const { steps, parameters } = trainingMemory({ ...shape, layout: { kind: 'full' } });
  if (request.approximate) {
    const stride = pathStride(steps, parameters, shape.optimizer === 'adam', budgetMb);
    const layout: PathLayout = stride > 1 ? { kind: 'approximate', stride } : { kind: 'full' };
    return { layout, folderBytes: folderBytes(layout) };
  }
  if (request.checkpointEvery !== undefined) {
    const every = Math.min(request.checkpointEvery, Math.max(1, steps));
    const layout: PathLayout = every > 1 ? { kind: 'checkpoints', every } : { kind: 'full' };
    return { layout, folderBytes: folderBytes(layout) };
  }
  const budget = budgetMb * MIB;
  const fullBytes = folderBytes({ kind: 'full' });
  if (fullBytes <= budget || steps < 2) return { layout: { kind: 'full' }, folderBytes: fullBytes };
  // The folder shrinks as K grows: start at √T and widen the spacing until it fits (at most one segment).
  let every = Math.max(2, Math.ceil(Math.sqrt(steps)));
  while (folderBytes({ kind: 'checkpoints', every }) > budget && checkpointCount(steps, every) > 2) {
    every = Math.ceil(steps / Math.max(1, checkpointCount(steps, every) - 2));
  }
  const layout: PathLayout = { kind: 'checkpoints', every: Math.min(every, steps) };
  const bytes = folderBytes(layout);
  if (bytes > budget) {
    throw new UserError(
      `the run needs at least ${Math.ceil(bytes / MIB)} MiB even with the fewest checkpoints, more than --path-budget-mb ${budgetMb}; raise the budget`,
    );
  }
  return { layout, folderBytes: bytes };
}

/** The stride of the approximate mode: every k-th weight row so that the kept path fits the budget. */
export function pathStride(steps: number, parameters: number, adam: boolean, budgetMb: number | undefined): number {
  if (budgetMb === undefined || !(budgetMb > 0)) return 1;
  const bytes = ((steps + 1) * parameters + (adam ? steps * parameters : 0)) * 4;
  return Math.max(1, Math.ceil(bytes / (budgetMb * MIB)));
}
