import type { LoadedRun } from '../shared/loadedRun';
import { logitDeltasApply } from './logitDeltas';

/*
 * What the parts of a replayed explanation cost, to choose between ways of doing it. The constants are nanoseconds
 * per multiply-add measured on W2 (docs/performance.md, "Checkpoints and replay"); a replay costs about the run's
 * own training, as recorded.
 */

/**
 * One row's sweep of one step (contraction, query side, index), per multiply-add of the contraction (B·P): on W2 at
 * 8-row blocks 0.25 on the receiving thread and 0.43 beside the replay, so a row of the replaying thread's is
 * counted a little dear.
 */
const SWEEP_NS_PER_MAC = 0.3;
/** One class's logit deltas of one step (wasm/matrixProduct.wat), per multiply-add (B · in · out of the inner layers). */
const DELTA_NS_PER_MAC = 0.17;
/** One row's path kernel against every example of one step (allRowKernels.ts), per multiply-add (B · nodes · Σ in + out). */
const ALL_ROW_KERNEL_NS_PER_MAC = 1.0;
/** Logits whose deltas TensorFlow.js computes in the replay (activations logitDeltas cannot serve): about a backward pass each. */
const TENSOR_DELTA_CLASSES = 2;

/** The receiving thread's own work per step of a shared replay whatever its rows (the segment's index, its weights moved into the query side), per B·P. */
const RECEIVER_FIXED_NS_PER_MAC = 0.5;
/** Below this share the receiving thread replays nothing itself (one segment in twenty). */
const LEAST_RECEIVER_SHARE = 0.05;

/** A replay beside a sweep on the other core runs this much slower than the training did alone (both stream memory). */
const REPLAY_BESIDE_SWEEP = 1.2;

/** Replays shorter than this stay on one thread: a worker's start (its backend, its copy of the run) would cost more. */
export const SHARED_REPLAY_FROM_MS = 3000;

/** The run's training time as recorded (about what a replay of it costs); 0 when unknown. */
export function trainingMs(run: LoadedRun): number {
  const ms = Date.parse(run.record.finishedAt ?? '') - Date.parse(run.record.createdAt);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

function replayNsPerStep(run: LoadedRun): number {
  return (trainingMs(run) * 1e6) / Math.max(1, run.path.steps);
}

/** One logit's deltas for one step's batch: a product per layer between the first and the last. */
function deltaNsPerClassStep(run: LoadedRun): number {
  const inner = run.layout.layers.slice(1, -1).reduce((sum, l) => sum + l.inputs * l.outputs, 0);
  return DELTA_NS_PER_MAC * run.path.batchWidth * inner;
}

/** A replay's step (recording `deltaClasses` logits' deltas) beside a sweep on the other core. */
function replayBesideSweepNsPerStep(run: LoadedRun, deltaClasses: number): number {
  return REPLAY_BESIDE_SWEEP * (replayNsPerStep(run) + deltaClasses * deltaNsPerClassStep(run));
}

/**
 * Whether the path kernels of `rows` rows explaining these logits are summed during the contributions' replay
 * (recording each logit's deltas, then every row against every example, allRowKernels.ts) rather than by a second
 * replay for the top rows only: whichever costs less per step.
 */
export function kernelsInPass(run: LoadedRun, classes: number, rows: number, nodes: number): boolean {
  const { layers } = run.layout;
  const W = run.path.batchWidth;
  if (!logitDeltasApply(layers) || trainingMs(run) === 0) return classes <= TENSOR_DELTA_CLASSES;
  const sides = layers.reduce((sum, l) => sum + l.inputs + l.outputs, 0);
  const inPass = classes * deltaNsPerClassStep(run) + rows * ALL_ROW_KERNEL_NS_PER_MAC * W * nodes * sides;
  return inPass < replayNsPerStep(run);
}

/**
 * How many of `Q` rows the replaying thread also explains, so both threads finish together: it spends about a
 * training on the replay (and the logits' deltas, `classes` of them when they are recorded), the other only sweeps.
 */
export function replayingThreadRows(run: LoadedRun, Q: number, deltaClasses: number): number {
  const replay = replayBesideSweepNsPerStep(run, deltaClasses);
  const sweep = SWEEP_NS_PER_MAC * run.path.batchWidth * run.layout.parameterCount;
  // Rounded down: a replaying thread that finishes early waits for nobody, a late one keeps the other waiting.
  const rows = Math.floor((Q - replay / sweep) / 2);
  return Math.min(Math.floor(Q / 2), Math.max(0, rows));
}

/**
 * The share of the segments the receiving thread replays itself when the replaying one explains no rows
 * (sharedReplay.ts `receiverShare`), so both finish together: it sweeps its `Q` rows (and indexes every segment)
 * and replays a share f of the run, the other replays the rest: f·R + sweeps = (1 − f)·R. 0 when its rows leave no time.
 */
export function receiverShare(run: LoadedRun, Q: number, deltaClasses: number): number {
  const replay = replayBesideSweepNsPerStep(run, deltaClasses);
  const macs = run.path.batchWidth * run.layout.parameterCount;
  const sweeps = (RECEIVER_FIXED_NS_PER_MAC + Q * SWEEP_NS_PER_MAC) * macs;
  const share = Math.min(0.5, (replay - sweeps) / (2 * replay));
  return share >= LEAST_RECEIVER_SHARE ? share : 0;
}
