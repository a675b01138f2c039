import type { LoadedRun } from './loadedRun';
import { adamDiagonal, type SweepInput } from './optimizerSweep';
import { buildTrainingFactors } from './trainingFactors';

/** One layer's training-side factors as typed arrays: a [T, W, in], δ [T, W, out] (path-kernel.md §3). */
export interface IndexLayer {
  inputs: number;
  outputs: number;
  kernelOffset: number;
  biasOffset: number;
  a: Float32Array;
  delta: Float32Array;
}

/**
 * The path index in plain typed arrays, built once per loaded run: per-example loss factors of every
 * step, the per-step diagonal of the optimizer sweep and the weight increments. Typed-array loops over
 * these beat small TensorFlow.js ops by an order of magnitude (performance-notes.md).
 */
export interface PathIndex {
  layers: IndexLayer[];
  /** [T, P]: η_r D_r for Adam; null for sgd/momentum (the diagonal is η_r, a scalar). */
  stepScale: Float32Array | null;
  /** [T, P]: Δ_s = w_{s+1} − w_s. */
  increments: Float32Array;
  buildMs: number;
}

export function buildPathIndex(run: LoadedRun): PathIndex {
  const started = performance.now();
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const factors = buildTrainingFactors(run);
  const layers = run.layout.layers.map((l, k) => ({
    inputs: l.inputs,
    outputs: l.outputs,
    kernelOffset: l.kernelOffset,
    biasOffset: l.biasOffset,
    a: factors.layers[k].a.dataSync() as Float32Array,
    delta: factors.layers[k].delta.dataSync() as Float32Array,
  }));
  factors.dispose();
  let stepScale: Float32Array | null = null;
  if (run.approximate) {
    stepScale = calibratedStretchScale(run, layers);
  } else if (run.optimizer.name === 'adam') {
    stepScale = new Float32Array(T * P);
    const input = sweepInputOf(run, 1);
    const d = new Float64Array(P);
    for (let r = 0; r < T; r++) {
      adamDiagonal(input, r, d);
      const eta = run.path.learningRates[r];
      for (let p = 0; p < P; p++) stepScale[r * P + p] = eta * d[p];
    }
  }
  const w = run.path.weights;
  const increments = new Float32Array(T * P);
  for (let k = 0; k < T * P; k++) increments[k] = w[k + P] - w[k];
  return { layers, stepScale, increments, buildMs: performance.now() - started };
}

/**
 * For a subsampled path: each stretch is explained as one step −S ⊙ ḡ, with ḡ the stretch's summed
 * batch-mean gradient at its start. S keeps the optimizer's shape (Adam: 1/(√v̂ + ε) from the second
 * moment kept after the stretch's first step; otherwise 1) and takes one non-negative size per layer,
 * the least-squares fit of the stretch's actual displacement Δ. Where the optimizer went elsewhere than
 * the gradient at the stretch's start points, the residual shows it.
 */
function calibratedStretchScale(run: LoadedRun, layers: IndexLayer[]): Float32Array {
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const W = run.path.batchWidth;
  const scale = new Float32Array(T * P);
  const g = new Float64Array(P);
  const w = run.path.weights;
  const v = run.stretchSecondMoment;
  const { beta2, epsilon } = run.optimizer;
  for (let m = 0; m < T; m++) {
    g.fill(0);
    for (const layer of layers) {
      const { inputs, outputs, kernelOffset, biasOffset } = layer;
      for (let b = 0; b < W; b++) {
        const aOff = (m * W + b) * inputs;
        const dOff = (m * W + b) * outputs;
        for (let j = 0; j < inputs; j++) {
          const aj = layer.a[aOff + j];
          if (aj === 0) continue;
          for (let o = 0; o < outputs; o++) g[kernelOffset + j * outputs + o] += aj * layer.delta[dOff + o];
        }
        for (let o = 0; o < outputs; o++) g[biasOffset + o] += layer.delta[dOff + o];
      }
    }
    const coef = 1 / run.batchSizes[m];
    const firstStep = run.path.checkpoints ? run.path.checkpoints[m] : m;
    const c2 = 1 - Math.pow(beta2, firstStep + 1);
    for (const layer of layers) {
      const from = layer.kernelOffset;
      const to = layer.biasOffset + layer.outputs;
      let num = 0;
      let den = 0;
      for (let p = from; p < to; p++) {
        const shape = v ? 1 / (Math.sqrt(v[m * P + p] / c2) + epsilon) : 1;
        const direction = shape * coef * g[p];
        const step = w[(m + 1) * P + p] - w[m * P + p];
        num -= step * direction;
        den += direction * direction;
        scale[m * P + p] = shape;
      }
      const size = den > 0 ? Math.max(0, num / den) : 0;
      for (let p = from; p < to; p++) scale[m * P + p] *= size;
    }
  }
  return scale;
}

export function sweepInputOf(run: LoadedRun, queries: number): SweepInput {
  return {
    optimizer: run.optimizer,
    learningRates: run.path.learningRates,
    adamV: run.path.adamV,
    batchSizes: run.batchSizes,
    parameterCount: run.layout.parameterCount,
    queries,
  };
}

/** Memory the index holds, in bytes (for the path-storage budget and the bench). */
export function pathIndexBytes(index: PathIndex): number {
  let bytes = index.increments.byteLength + (index.stepScale?.byteLength ?? 0);
  for (const l of index.layers) bytes += l.a.byteLength + l.delta.byteLength;
  return bytes;
}

