import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { finalWeights } from '../explain/shared/loadedRun';
import * as tf from '@tensorflow/tfjs-core';
import { tidyRead } from '../model/tidyRead';
import type { SuspectScoring } from '../../protocol';
import { throwIfCancelled } from '../errors';
import type { IndexedRun } from '../explain/explainService';
import type { LoadedRun } from '../explain/shared/loadedRun';
import { buildPathIndex, type PathIndex } from '../explain/pathIndex/pathIndex';
import { isReplayed } from '../explain/replay/segments';
import { pathSegments, segmentContraction } from '../explain/replay/pathSegments';
import { lossFromOutputGradient, perExampleLoss } from '../model/losses';
import { isDenseOnly } from '../model/parameterLayout';
import { adamDiagonal, type SweepInput } from '../explain/shared/optimizerSweep';
import { batchesOfSteps, perExampleFactors, stepsPerPass } from '../explain/shared/trainingFactors';

/** The scorings computed from the path alone (no explanation of the training rows: those are in suspects.ts). */
export type SelfInfluenceScoring = Extract<SuspectScoring, 'tracin' | 'adam' | 'loss' | 'path-loss'>;
/** The scorings summed over the steps that used each row. */
export type PathScoring = Exclude<SelfInfluenceScoring, 'loss'>;

const STEP_CHUNK = 128;
/** Between chunks the event loop runs, so a `$/cancelRequest` can reach the signal. */

/**
 * Self-influence of every training row along the recorded path: how hard the row pulled its own loss
 * down over the steps that used it. From the stored path index's per-example factors (a, δ), per layer
 * ‖G‖² = ‖a‖²‖δ‖² + ‖δ‖² and, with a diagonal D, GᵀDG = (a²)ᵀ D_kernel (δ²) + D_bias · δ², so no
 * per-example gradient is ever materialized.
 * - tracin: Σ_{s: i∈B_s} η_s ‖G_{i,s}‖²               (TracIn's first-order self-influence)
 * - adam:   Σ_{s: i∈B_s} η_s G_{i,s}ᵀ D_s G_{i,s}     (the step Adam actually took: η_s D_s is the index's
 *           step scale, from the recorded v; identical to tracin for sgd and momentum runs)
 * - loss:   ℓ_i(w_T), the final loss (a baseline that ignores the path)
 * - path-loss: mean over the steps s that used row i of ℓ_i(w_s), the loss it had when it was trained on (a row
 *           the network fits late, or never, keeps a high mean; on a subsampled path, at each kept stretch's start)
 */
export async function selfInfluenceScores(indexed: IndexedRun, scoring: SelfInfluenceScoring, signal?: AbortSignal): Promise<Float64Array> {
  throwIfCancelled(signal);
  if (scoring === 'loss') return finalLosses(indexed);
  return (await pathScores(indexed, [scoring], signal))[0];
}

/** Several path scorings of every row in one pass over the path (a checkpointed run is replayed once for all). */
export async function pathScores(indexed: IndexedRun, scorings: PathScoring[], signal?: AbortSignal): Promise<Float64Array[]> {
  throwIfCancelled(signal);
  const { run } = indexed;
  const N = run.record.trainRows;
  // A convolutional run has no typed-array index: its per-example gradients come from the tensor factors.
  if (!isDenseOnly(run.layout)) {
    const scores: Float64Array[] = [];
    for (const scoring of scorings)
      scores.push(
        scoring === 'path-loss' ? await pathLossesByTensors(indexed, signal) : await selfInfluenceByTensors(indexed, scoring, signal),
      );
    return scores;
  }
  const scores = scorings.map(() => new Float64Array(N));
  const losses = new PathLossSums(run);
  await forEachSegmentIndex(indexed, signal, async (segment, index) => {
    for (const [k, scoring] of scorings.entries()) {
      if (scoring === 'path-loss') losses.add(segment, index.layers[index.layers.length - 1].delta);
      else await addSelfInfluence(segment, index, scoring, scores[k], signal);
    }
  });
  throwIfCancelled(signal);
  return scorings.map((scoring, k) => (scoring === 'path-loss' ? losses.means() : scores[k]));
}

/**
 * `visit` with the path index of each part of a dense run: the whole run when its path is stored; each replayed
 * segment in turn for a checkpointed run (indexed into storage sized once for the longest).
 */
async function forEachSegmentIndex(
  indexed: IndexedRun,
  signal: AbortSignal | undefined,
  visit: (segment: LoadedRun, index: PathIndex) => Promise<void>,
): Promise<void> {
  const { run } = indexed;
  if (!isReplayed(run)) return visit(run, indexed.index);
  const contraction = segmentContraction(run);
  for await (const segment of pathSegments(run, { signal, factors: true })) await visit(segment, buildPathIndex(segment, contraction));
}

/**
 * Each row's summed loss over the steps that used it, and their count: recovered from the output layer's δ, which is
 * the loss's output gradient at w_s (losses.ts), so no forward pass is run again.
 */
class PathLossSums {
  private readonly sums: Float64Array;
  private readonly visits: Float64Array;

  constructor(private readonly run: LoadedRun) {
    this.sums = new Float64Array(run.record.trainRows);
    this.visits = new Float64Array(run.record.trainRows);
  }

  /** Every step of `segment`, from the output δ [steps, W, C] of its path index. */
  add(segment: LoadedRun, outputDelta: ArrayLike<number>): void {
    const { task } = this.run.record;
    const C = this.run.outputCount;
    this.addEach(segment, 0, segment.path.steps, (k, i) => lossFromOutputGradient(task, outputDelta, k * C, C, this.run.data.trainY[i]));
  }

  /** Steps [from, from + steps) of `segment` with one loss per batch place [steps, W]. */
  addLosses(segment: LoadedRun, losses: ArrayLike<number>, from: number, steps: number): void {
    this.addEach(segment, from, steps, (k) => losses[k]);
  }

  means(): Float64Array {
    return Float64Array.from(this.sums, (sum, i) => (this.visits[i] > 0 ? sum / this.visits[i] : 0));
  }

  /** The loss of each batch place k of steps [from, from + steps) that holds a row i (padding places skipped). */
  private addEach(segment: LoadedRun, from: number, steps: number, lossAt: (k: number, i: number) => number): void {
    const W = segment.path.batchWidth;
    for (let k = 0; k < steps * W; k++) {
      const i = segment.path.batches[from * W + k];
      if (i < 0) continue;
      this.sums[i] += lossAt(k, i);
      this.visits[i] += 1;
    }
  }
}

/**
 * Path losses of a convolutional run by forward passes at the weights of a few steps at a time (its tensor factors
 * may not be held beside its per-example gradients, so they are not built again for this).
 */
async function pathLossesByTensors(indexed: IndexedRun, signal?: AbortSignal): Promise<Float64Array> {
  const run = await indexed.wholePathRun(signal);
  const { batchWidth: W, steps: T, weights } = run.path;
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const task = run.record.task;
  const sums = new PathLossSums(run);
  const perPass = stepsPerPass(run);
  for (let s0 = 0; s0 < T; s0 += perPass) {
    const c = Math.min(perPass, T - s0);
    const { x, y } = batchesOfSteps(run, s0, c);
    const losses = tidyRead(() => {
      const output = run.network.forward(tf.tensor2d(weights.subarray(s0 * P, (s0 + c) * P), [c, P]), tf.tensor3d(x, [c, W, F])).output;
      return perExampleLoss(task, output, tf.tensor2d(y, [c, W], task === 'regression' ? 'float32' : 'int32'));
    });
    sums.addLosses(run, losses, s0, c);
    await yieldToEventLoop();
    throwIfCancelled(signal);
  }
  return sums.means();
}

/** Adds the self-influence of the steps of `run` (a whole stored run, or one replayed segment) to `scores`. */
async function addSelfInfluence(
  run: LoadedRun,
  index: PathIndex,
  scoring: Exclude<PathScoring, 'path-loss'>,
  scores: Float64Array,
  signal?: AbortSignal,
): Promise<void> {
  const T = run.path.steps;
  const W = run.path.batchWidth;
  const P = run.layout.parameterCount;
  // A subsampled path's step scale is a calibrated stretch rate, not Adam's D (its optimizer reads as sgd).
  const scale = scoring === 'adam' && run.optimizer.name === 'adam' ? index.stepScale : null;
  for (let s = 0; s < T; s++) {
    const eta = run.path.learningRates[s];
    for (let b = 0; b < W; b++) {
      const i = run.path.batches[s * W + b];
      if (i < 0) continue;
      let norm = 0;
      for (const { a, delta, inputs, outputs, kernelOffset, biasOffset } of index.layers) {
        const aOff = (s * W + b) * inputs;
        const dOff = (s * W + b) * outputs;
        if (scale) {
          for (let j = 0; j < inputs; j++) {
            const a2 = a[aOff + j] * a[aOff + j];
            if (a2 === 0) continue;
            const row = s * P + kernelOffset + j * outputs;
            let inner = 0;
            for (let m = 0; m < outputs; m++) inner += scale[row + m] * delta[dOff + m] * delta[dOff + m];
            norm += a2 * inner;
          }
          for (let m = 0; m < outputs; m++) norm += scale[s * P + biasOffset + m] * delta[dOff + m] * delta[dOff + m];
        } else {
          let a2 = 1;
          for (let j = 0; j < inputs; j++) a2 += a[aOff + j] * a[aOff + j];
          let d2 = 0;
          for (let m = 0; m < outputs; m++) d2 += delta[dOff + m] * delta[dOff + m];
          norm += eta * a2 * d2;
        }
      }
      scores[i] += norm;
    }
    if (s % STEP_CHUNK === STEP_CHUNK - 1) {
      await yieldToEventLoop();
      throwIfCancelled(signal);
    }
  }
}

/**
 * The same scores from per-example gradients formed as tensors (each example of a chunk of steps its own group of
 * the network's summed gradient): for networks the typed-array index does not serve (convolutions).
 */
export async function selfInfluenceByTensors(
  indexed: IndexedRun,
  scoring: Exclude<PathScoring, 'path-loss'>,
  signal?: AbortSignal,
): Promise<Float64Array> {
  const run = await indexed.wholePathRun(signal);
  const factors = indexed.factors;
  const scores = new Float64Array(run.record.trainRows);
  const T = run.path.steps;
  const W = run.path.batchWidth;
  const P = run.layout.parameterCount;
  const adam = scoring === 'adam' && run.optimizer.name === 'adam';
  const sweep: SweepInput = {
    optimizer: run.optimizer,
    learningRates: run.path.learningRates,
    adamV: run.path.adamV,
    batchSizes: run.batchSizes,
    parameterCount: P,
    queries: 1,
  };
  const diagonal = new Float64Array(P);
  const chunk = Math.max(1, Math.floor(4_000_000 / (W * P)));
  for (let s0 = 0; s0 < T; s0 += chunk) {
    const c = Math.min(chunk, T - s0);
    const cached = factors.gradients();
    const grads = cached
      ? cached.subarray(s0 * W * P, (s0 + c) * W * P)
      : tidyRead(() => run.network.summedGradient(perExampleFactors(factors, s0, c)));
    for (let k = 0; k < c; k++) {
      const s = s0 + k;
      const eta = run.path.learningRates[s];
      if (adam) adamDiagonal(sweep, s, diagonal);
      for (let b = 0; b < W; b++) {
        const i = run.path.batches[s * W + b];
        if (i < 0) continue;
        let norm = 0;
        const base = (k * W + b) * P;
        for (let p = 0; p < P; p++) norm += (adam ? diagonal[p] : 1) * grads[base + p] * grads[base + p];
        scores[i] += eta * norm;
      }
    }
    await yieldToEventLoop();
    throwIfCancelled(signal);
  }
  return scores;
}

function finalLosses(indexed: IndexedRun): Float64Array {
  const { run } = indexed;
  const P = run.layout.parameterCount;
  const N = run.record.trainRows;
  const values = tidyRead(() => {
    const w = tf.tensor2d(finalWeights(run), [1, P]);
    const output = tf.squeeze(run.network.forward(w, tf.tensor3d(run.data.trainX, [1, N, run.data.featureCount])).output, [0]);
    const y = tf.tensor1d(run.data.trainY, run.data.trainY instanceof Int32Array ? 'int32' : 'float32');
    return perExampleLoss(run.record.task, output, y);
  });
  return Float64Array.from(values);
}
