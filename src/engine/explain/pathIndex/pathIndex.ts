import type { LoadedRun } from '../shared/loadedRun';
import { adamCorrections, type SweepInput } from '../shared/optimizerSweep';
import { buildTrainingFactors } from '../shared/trainingFactors';
import { SimdContraction } from '../fast/wasm/simdContraction';
import { messageOf } from '../../errors';
import { loadRecordedRun } from '../shared/loadedRun';
import type { RunRecord } from '../../run/runRecord';
import type { PathFactors } from '../../run/trainingPath';
import { readPathIndexInto, writePathIndex } from './pathIndexFiles';

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
 * The path index in typed arrays, built once per loaded run: per-example loss factors of every step and
 * the per-step diagonal of the optimizer sweep. Its arrays live in the memory of the WebAssembly module
 * that sweeps and contracts over them (`contraction`), one copy per thread.
 */
export interface PathIndex {
  layers: IndexLayer[];
  /** [T, P]: η_r D_r for Adam; null for sgd/momentum (the diagonal is η_r, a scalar). */
  stepScale: Float32Array | null;
  contraction: SimdContraction;
  /** Read from the run's `index/` (written when training ended) or built here (runs from before). */
  source: 'stored' | 'built';
  /** Time it took to read or build. */
  ms: number;
}

/**
 * The run's stored index (pathIndexFiles.ts). A run without one (written before indexes were stored)
 * or with a damaged one gets it built in memory; the damage is reported on stderr with the file.
 */
export function loadPathIndex(run: LoadedRun): PathIndex {
  const started = performance.now();
  const contraction = newContraction(run);
  if (run.damagedIndex) {
    console.error(`${run.damagedIndex}: changed since training; the path index is rebuilt in memory`);
    return buildPathIndex(run, contraction);
  }
  try {
    if (!readPathIndexInto(run, contraction)) return buildPathIndex(run, contraction);
  } catch (error) {
    console.error(`${messageOf(error)}; the path index is rebuilt in memory`);
    return buildPathIndex(run, contraction);
  }
  return {
    layers: indexLayers(run, contraction),
    stepScale: contraction.stepScale,
    contraction,
    source: 'stored',
    ms: performance.now() - started,
  };
}

/** The layers' shapes with their factor storage in the contraction module's memory. */
function indexLayers(run: LoadedRun, contraction: SimdContraction): IndexLayer[] {
  return run.layout.layers.map((l, k) => ({
    inputs: l.inputs,
    outputs: l.outputs,
    kernelOffset: l.kernelOffset,
    biasOffset: l.biasOffset,
    ...contraction.factors[k],
  }));
}

/** The sweep needs a per-parameter scale for Adam and for subsampled paths' calibrated stretches. */
function newContraction(run: LoadedRun): SimdContraction {
  return new SimdContraction(run, run.approximate || run.optimizer.name === 'adam');
}

/**
 * Builds the index from the recorded path: one batched forward/backward over all steps, then the sweep's
 * scale, into `contraction`'s storage (every value is written, so a half-read one can be reused).
 */
export function buildPathIndex(run: LoadedRun, contraction: SimdContraction = newContraction(run)): PathIndex {
  const started = performance.now();
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const layers = indexLayers(run, contraction);
  const recorded = run.path.factors;
  if (recorded) {
    // The factors the optimizer used, recorded by training or by the replay.
    layers.forEach((layer, k) => {
      layer.a.set(recorded[k].a);
      layer.delta.set(recorded[k].delta);
    });
  } else {
    const factors = buildTrainingFactors(run);
    layers.forEach((layer, k) => {
      layer.a.set(factors.layers()[k].a.dataSync() as Float32Array);
      layer.delta.set(factors.layers()[k].delta.dataSync() as Float32Array);
    });
    factors.dispose();
  }
  const stepScale = contraction.stepScale;
  if (run.approximate) {
    calibratedStretchScale(run, layers, stepScale as Float32Array);
  } else if (stepScale) {
    const input = sweepInputOf(run, 1);
    const v = input.adamV as Float32Array;
    for (let r = 0; r < T; r++)
      contraction.fillStepScale(r, v.subarray(r * P, (r + 1) * P), adamCorrections(input, r), run.path.learningRates[r]);
  }
  return { layers, stepScale, contraction, source: 'built', ms: performance.now() - started };
}

/**
 * For a subsampled path: each stretch is explained as one step −S ⊙ ḡ, with ḡ the stretch's summed
 * batch-mean gradient at its start. S keeps the optimizer's shape (Adam: 1/(√v̂ + ε) from the second
 * moment kept after the stretch's first step; otherwise 1) and takes one non-negative size per layer,
 * the least-squares fit of the stretch's actual displacement Δ. Where the optimizer went elsewhere than
 * the gradient at the stretch's start points, the residual shows it.
 */
function calibratedStretchScale(run: LoadedRun, layers: IndexLayer[], scale: Float32Array): void {
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const W = run.path.batchWidth;
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
}

export function sweepInputOf(run: LoadedRun, queries: number): SweepInput {
  return {
    optimizer: run.optimizer,
    learningRates: run.path.learningRates,
    adamV: run.path.adamV,
    batchSizes: run.batchSizes,
    parameterCount: run.layout.parameterCount,
    queries,
    firstStep: run.path.firstStep,
  };
}

/** Memory the index holds, in bytes (for the path-storage budget and the bench). */
export function pathIndexBytes(index: PathIndex): number {
  let bytes = index.stepScale?.byteLength ?? 0;
  for (const l of index.layers) bytes += l.a.byteLength + l.delta.byteLength;
  return bytes;
}

/**
 * Stores a freshly trained run's index in the run directory (the end of `train`, before the run is complete): the
 * factors training recorded, and the sweep's scale from the recorded path.
 */
export async function storePathIndex(
  dir: string,
  record: RunRecord,
  factors: PathFactors[] | null,
): Promise<{ buildMs: number; bytes: number }> {
  const loaded = await loadRecordedRun(dir, record);
  const run = { ...loaded, path: { ...loaded.path, factors } };
  const index = buildPathIndex(run);
  await writePathIndex(dir, run, index);
  return { buildMs: Math.round(index.ms), bytes: pathIndexBytes(index) };
}
