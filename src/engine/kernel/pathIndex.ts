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
  if (run.optimizer.name === 'adam') {
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

