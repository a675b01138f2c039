import * as tf from '@tensorflow/tfjs-core';
import type { LayerFactors } from '../../model/factoredLayer';
import { outputGradient } from '../../model/losses';
import { tidyRead } from '../../model/tidyRead';
import { factorWidth, isDenseOnly } from '../../model/parameterLayout';
import type { LoadedRun } from './loadedRun';

/**
 * The path index's training side: for every step s and every example of its batch, the per-layer
 * factors (a, δ) of that example's loss at w_s — the per-example gradients G_{i,s} in factored form
 * (path-kernel.md §3). Padding rows have δ = 0, so they contribute nothing.
 */
export interface TrainingFactors {
  /** Per layer: a [T, W, in], δ [T, W, out]; built on first use (again after `gradients` released them). */
  layers(): LayerFactors[];
  /**
   * Every example's parameter gradient [T, W, P] of a network with convolutions, formed once when it fits
   * TRAINING_SIDE_BYTES (null otherwise): the contraction is then one matrix product per step instead of forming
   * every training patch again. When the factors and the gradients do not fit together, the gradients are formed a
   * few steps at a time and the factors are let go. A typed array outside the wasm heap, so a contraction copies in
   * only the steps it needs (path-kernel.md §3.1 stores factors on disk; this is memory only).
   */
  gradients(): Float32Array | null;
  dispose(): void;
}

/**
 * Memory for the training side of a convolutional run: the factors and the per-example gradients together (the
 * issue's CNN on 8×8 digits: 89 + 164 MB), or the gradients alone (on 14×14 images: 197 MB; with the factors 423 MB).
 */
export const TRAINING_SIDE_BYTES = 384 * 2 ** 20;

/** Steps per batched pass: at most 256, fewer when a convolutional network's activations make a pass large. */
const STEP_CHUNK = 256;
const PASS_FLOATS = 8_000_000;

/**
 * The training rows of steps [s0, s0 + c) as a pass's inputs: x [c, W, F], targets [c, W] (int32 class indices or
 * float32 values) and a mask that is 0 on padding places, whose x and target stay 0.
 */
export function batchesOfSteps(
  run: LoadedRun,
  s0: number,
  c: number,
): { x: Float32Array; y: Float32Array | Int32Array; mask: Float32Array } {
  const { path: trainingPath, data } = run;
  const W = trainingPath.batchWidth;
  const F = data.featureCount;
  const x = new Float32Array(c * W * F);
  const y = run.record.task === 'regression' ? new Float32Array(c * W) : new Int32Array(c * W);
  const mask = new Float32Array(c * W);
  for (let k = 0; k < c * W; k++) {
    const i = trainingPath.batches[s0 * W + k];
    if (i < 0) continue;
    x.set(data.trainX.subarray(i * F, (i + 1) * F), k * F);
    y[k] = data.trainY[i];
    mask[k] = 1;
  }
  return { x, y, mask };
}

/** The factors of steps [s0, s0 + c): per layer a [c, W, in], δ [c, W, out] (new tensors; the caller disposes). */
function factorsOfSteps(run: LoadedRun, s0: number, c: number): LayerFactors[] {
  const { path: trainingPath, layout, network, data } = run;
  const W = trainingPath.batchWidth;
  const P = layout.parameterCount;
  const F = data.featureCount;
  const task = run.record.task;
  const { x, y, mask } = batchesOfSteps(run, s0, c);
  const factors = tf.tidy(() => {
    const weights = tf.tensor2d(trainingPath.weights.subarray(s0 * P, (s0 + c) * P), [c, P]);
    const xs = tf.tensor3d(x, [c, W, F]);
    const pass = network.forward(weights, xs);
    const ys = tf.tensor2d(y, [c, W], task === 'regression' ? 'float32' : 'int32');
    const g = tf.mul(outputGradient(task, pass.output, ys), tf.tensor3d(mask, [c, W, 1])) as tf.Tensor3D;
    return network
      .factors(pass, weights, g)
      .map((f) => [f.a, f.delta])
      .flat();
  });
  const layers: LayerFactors[] = [];
  for (let l = 0; l < factors.length; l += 2) layers.push({ a: factors[l] as tf.Tensor3D, delta: factors[l + 1] as tf.Tensor3D });
  return layers;
}

/** Steps per pass of `factorsOfSteps` (and of other batched passes over the path's steps). */
export function stepsPerPass(run: LoadedRun): number {
  const W = run.path.batchWidth;
  return Math.max(1, Math.min(STEP_CHUNK, Math.floor(PASS_FLOATS / (W * (factorWidth(run.layout) + (2 * run.layout.parameterCount) / W)))));
}

/** Every step's factors, concatenated per layer, kept (a `tidy` around the first use does not dispose them). */
function allFactors(run: LoadedRun): LayerFactors[] {
  return concatenatedFactors(run).map((f) => ({ a: tf.keep(f.a), delta: tf.keep(f.delta) }));
}

function concatenatedFactors(run: LoadedRun): LayerFactors[] {
  const T = run.path.steps;
  const perPass = stepsPerPass(run);
  const chunks: LayerFactors[][] = [];
  for (let s0 = 0; s0 < T; s0 += perPass) chunks.push(factorsOfSteps(run, s0, Math.min(perPass, T - s0)));
  if (chunks.length === 1) return chunks[0];
  const layers = run.layout.layers.map((_, l) => ({
    a: tf.concat(
      chunks.map((ch) => ch[l].a),
      0,
    ) as tf.Tensor3D,
    delta: tf.concat(
      chunks.map((ch) => ch[l].delta),
      0,
    ) as tf.Tensor3D,
  }));
  for (const ch of chunks) for (const f of ch) tf.dispose([f.a, f.delta]);
  return layers;
}

export function buildTrainingFactors(run: LoadedRun): TrainingFactors {
  const T = run.path.steps;
  const W = run.path.batchWidth;
  const P = run.layout.parameterCount;
  const gradientBytes = T * W * P * 4;
  const factorBytes = T * W * factorWidth(run.layout) * 4;
  let layers: LayerFactors[] | null = null;
  let gradients: Float32Array | null | undefined;
  const release = (): void => {
    for (const f of layers ?? []) tf.dispose([f.a, f.delta]);
    layers = null;
  };
  return {
    layers: () => (layers ??= allFactors(run)),
    gradients: () => {
      if (gradients !== undefined) return gradients;
      if (isDenseOnly(run.layout) || gradientBytes > TRAINING_SIDE_BYTES) return (gradients = null);
      const together = gradientBytes + factorBytes <= TRAINING_SIDE_BYTES;
      if (together) {
        const all = (layers ??= allFactors(run));
        gradients = stackedGradients(run, (s0, c) => perExampleFactors(all, s0, c));
      } else {
        release();
        gradients = stackedGradients(run, (s0, c) => {
          const own = factorsOfSteps(run, s0, c);
          const perExample = perExampleFactors(own, 0, c);
          tf.dispose(own.flatMap((f) => [f.a, f.delta]));
          return perExample;
        });
      }
      return gradients;
    },
    dispose: () => {
      release();
      gradients = null;
    },
  };
}

/** [T, W, P] per-example gradients, a few steps per pass, from `factorsOf(s0, c)` (per-example groups, new tensors). */
function stackedGradients(run: LoadedRun, factorsOf: (s0: number, c: number) => LayerFactors[]): Float32Array {
  const T = run.path.steps;
  const W = run.path.batchWidth;
  const P = run.layout.parameterCount;
  const perPass = Math.max(1, Math.min(stepsPerPass(run), Math.floor(PASS_FLOATS / (W * (factorWidth(run.layout) + P)))));
  const stacked = new Float32Array(T * W * P);
  for (let s0 = 0; s0 < T; s0 += perPass) {
    const c = Math.min(perPass, T - s0);
    stacked.set(
      tidyRead(() => run.network.summedGradient(factorsOf(s0, c))),
      s0 * W * P,
    );
  }
  return stacked;
}

/** Steps [s0, s0 + c) of the index (new tensors; the caller disposes). */
export function sliceFactors(factors: TrainingFactors | LayerFactors[], s0: number, c: number): LayerFactors[] {
  return (Array.isArray(factors) ? factors : factors.layers()).map((f) => ({
    a: tf.slice(f.a, [s0, 0, 0], [c, -1, -1]) as tf.Tensor3D,
    delta: tf.slice(f.delta, [s0, 0, 0], [c, -1, -1]) as tf.Tensor3D,
  }));
}

/** Steps [s0, s0 + c) with each of their c·W examples a group of its own ([c·W, 1, width] per layer): summed gradients of these are per-example gradients. */
export function perExampleFactors(factors: TrainingFactors | LayerFactors[], s0: number, c: number): LayerFactors[] {
  return sliceFactors(factors, s0, c).map(({ a, delta }) => ({
    a: tf.reshape(a, [a.shape[0] * a.shape[1], 1, a.shape[2]]) as tf.Tensor3D,
    delta: tf.reshape(delta, [delta.shape[0] * delta.shape[1], 1, delta.shape[2]]) as tf.Tensor3D,
  }));
}
