import * as path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { TrainingStepper } from '../../train/trainingStepper';
import { settingsOfRecord } from '../../train/optimizers';
import { batchRows } from '../../train/batchSchedule';
import { placeStepFactors } from '../../train/pathRecorder';
import { weightsFingerprint } from '../../run/weightsFingerprint';
import { CHECKPOINT_FILES } from '../../run/runFiles';
import type { TrainingPath } from '../../run/trainingPath';
import { currentBackend } from '../../backend';
import { engineVersions } from '../../engineVersions';
import { UserError, throwIfCancelled } from '../../errors';
import { stepsOfRows, type LoadedRun } from '../shared/loadedRun';
import type { Segment } from './segments';
import { logitDeltas, logitDeltasApply } from './logitDeltas';
import { scratchArrays } from '../shared/scratchArrays';

/** Steps replayed between two looks at the cancellation signal. */
const STEPS_PER_YIELD = 8;

/**
 * Regenerates one segment of a checkpointed run in memory (path-kernel.md §3.2): from the checkpoint's weights and
 * optimizer state, the same training steps (trainingStepper.ts) on the recorded batches, keeping every step's
 * weights and Adam's second moments (in arrays the next replay of the run reuses). The end must match the next checkpoint's fingerprint bit for bit; a replay
 * that drifted (another backend or TensorFlow.js version) is an error, never a silently different explanation.
 */
export async function replaySegment(
  run: LoadedRun,
  segment: Segment,
  options: { signal?: AbortSignal; factors?: boolean; outputClasses?: readonly number[] } = {},
): Promise<TrainingPath> {
  const { signal } = options;
  const replay = run.path.replay;
  if (!replay) throw new Error('replaySegment needs a checkpointed run');
  const P = run.layout.parameterCount;
  const W = run.path.batchWidth;
  const { index: m, start, end } = segment;
  const c = end - start;
  const adam = run.optimizer.name === 'adam';
  const buffer = buffersOf(run);
  const weights = buffer('weights', (c + 1) * P);
  // Each checkpoint was checked against its fingerprint when the run was loaded (loadedRun.ts).
  const startWeights = replay.weights.subarray(m * P, (m + 1) * P);
  weights.set(startWeights, 0);
  const adamV = adam ? buffer('adamV', c * P) : null;
  const shape = { batches: run.path.batches, width: W, layers: run.layout.layers };
  // Padding slots must read zero: the reused factor buffers are cleared.
  const factors = options.factors
    ? run.layout.layers.map((l, k) => ({ a: buffer(`a${k}`, c * W * l.inputs, true), delta: buffer(`d${k}`, c * W * l.outputs, true) }))
    : null;
  const classes = [...(options.outputClasses ?? [])];
  // The logits' deltas from the step's own factors and weights where the activations allow it, else TensorFlow.js.
  const inTypedArrays = classes.length > 0 && logitDeltasApply(run.layout.layers);
  const layerOutputs = run.layout.layers.map((l) => l.outputs);
  const classDeltas = classes.map((_, j) =>
    run.layout.layers.map((l, k) => ({ a: new Float32Array(0), delta: buffer(`c${j}_${k}`, c * W * l.outputs, true) })),
  );
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
      const rows = batchRows(run.path.batches, W, s);
      const result = stepper.step(rows, factors !== null || inTypedArrays, inTypedArrays ? [] : classes);
      if (factors && result.factors) placeStepFactors(factors, shape, s, s - start, result.factors);
      const stepWeights = weights.subarray((s - start) * P, (s - start + 1) * P);
      let deltas = result.classDeltas;
      if (inTypedArrays && result.factors && rows.length === W) {
        // A full batch: its deltas go straight into the step's rows of the segment's buffers.
        const into = classDeltas.map((perLayer) =>
          perLayer.map((l, k) => l.delta.subarray((s - start) * W * layerOutputs[k], (s - start + 1) * W * layerOutputs[k])),
        );
        logitDeltas(run.layout.layers, stepWeights, result.factors, classes, W, into);
        deltas = null;
      } else if (inTypedArrays && result.factors) {
        deltas = logitDeltas(run.layout.layers, stepWeights, result.factors, classes, rows.length);
      }
      deltas?.forEach((perLayer, k) =>
        placeStepFactors(
          classDeltas[k],
          shape,
          s,
          s - start,
          perLayer.map((delta) => ({ a: new Float32Array(0), delta })),
        ),
      );
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
    const then = run.record.replay?.versions;
    const here = engineVersions();
    const trained = `the ${run.record.backend} backend${then ? ` with Kernel Lens ${then.kernelLens} and TensorFlow.js ${then.tfjs}` : ''}`;
    throw new UserError(
      `replaying steps ${start}–${end} did not reproduce checkpoint ${m + 1} bit for bit: the run was trained on ${trained}, ` +
        `this engine runs ${now} with Kernel Lens ${here.kernelLens} and TensorFlow.js ${here.tfjs}` +
        `${now === run.record.backend && then?.kernelLens === here.kernelLens && then?.tfjs === here.tfjs ? ' (so a checkpoint was changed)' : ''}; ` +
        `explain it where it was trained (--backend ${run.record.backend}), or train it again here`,
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
    outputDeltas: classes.length > 0 ? { classes, delta: classDeltas.map((layers) => layers.map((l) => l.delta)) } : undefined,
    firstStep: start,
  };
}

const pools = new WeakMap<LoadedRun, ReturnType<typeof scratchArrays>>();

/**
 * The arrays a run's replays fill, kept from one segment to the next (segments are replayed one at a time and read
 * before the next, pathSegments.ts): the engine's memory stays one segment's worth instead of growing with garbage.
 */
function buffersOf(run: LoadedRun): (name: string, length: number, zeroed?: boolean) => Float32Array {
  let pool = pools.get(run);
  if (!pool) pools.set(run, (pool = scratchArrays()));
  const held = pool;
  return (name, length, zeroed = false) => {
    const view = held(name, length);
    if (zeroed) view.fill(0);
    return view;
  };
}

/**
 * The run seen through one replayed segment: its steps 0 … c−1 are the run's start … end−1, so every per-step
 * computation written for a stored path (query factors, training factors, refinement, the path kernel) runs on
 * it unchanged. Absolute step numbers are `path.firstStep + s`.
 */
export function segmentRun(run: LoadedRun, segmentPath: TrainingPath): LoadedRun {
  const { firstStep: start, steps: c, batchWidth: W } = segmentPath;
  const stepsOf = stepsOfRows(segmentPath.batches, W, c, run.record.trainRows);
  return { ...run, path: segmentPath, stepsOf, batchSizes: run.batchSizes.subarray(start, start + c) };
}
