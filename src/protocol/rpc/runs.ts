/** Requests about runs: train (with its progress notification), list, load, update, delete. */
import { NotificationType } from 'vscode-jsonrpc';
import { z } from 'zod';
import { LIMITS, TEXT_LIMITS } from '../limits';
import type { RunInfo, TrainProgress } from '../run';
import { EngineRequest } from './engineRequest';
import { filePath, integerIn } from './schemaParts';

export const trainParams = z.strictObject({
  experimentFile: filePath,
  /** Optional explicit run directory. */
  out: filePath.optional(),
  /** Run-folder budget in MiB (default 256): the full path when it fits, else checkpoints that explanations replay. */
  pathBudgetMb: integerIn(LIMITS.pathBudgetMb).optional(),
  /** Forces checkpoints every K steps (1: the full path), whatever the budget. */
  checkpointEvery: integerIn(LIMITS.checkpointEvery).optional(),
  /** Keeps every k-th weight row only, to fit the budget: explanations are approximate (flagged). Never chosen silently. */
  approximate: z.boolean().optional(),
  /** Echoed in every `run/progress` of this training, so trainings running at once are told apart. */
  progressToken: z.string().min(1).max(64).optional(),
});
export type TrainParams = z.infer<typeof trainParams>;
export const train = new EngineRequest<typeof trainParams, RunInfo>('run/train', trainParams);

/** Sent by the engine while `run/train` works. */
export const progress = new NotificationType<TrainProgress>('run/progress');

export const runListParams = z.strictObject({ experimentFile: filePath });
export type RunListParams = z.infer<typeof runListParams>;
export const listRuns = new EngineRequest<typeof runListParams, RunInfo[]>('run/list', runListParams);

export const runRefParams = z.strictObject({ runDir: filePath });
export type RunRef = z.infer<typeof runRefParams>;
export const loadRun = new EngineRequest<typeof runRefParams, RunInfo>('run/load', runRefParams);
export const deleteRun = new EngineRequest<typeof runRefParams, null>('run/delete', runRefParams);

export const runUpdateParams = z.strictObject({
  runDir: filePath,
  label: z.string().max(TEXT_LIMITS.runLabel).optional(),
  annotation: z.string().max(TEXT_LIMITS.runAnnotation).optional(),
  pinned: z.boolean().optional(),
});
export type RunUpdateParams = z.infer<typeof runUpdateParams>;
export const updateRun = new EngineRequest<typeof runUpdateParams, RunInfo>('run/update', runUpdateParams);
