import * as tf from '@tensorflow/tfjs-core';
import type { NeuronContribution, NeuronExplanation } from '../../../protocol';
import { tidyRead } from '../../model/tidyRead';
import { UserError, throwIfCancelled } from '../../errors';
import { currentBackend } from '../../backend';
import { initialWeights, finalWeights, type LoadedRun } from '../shared/loadedRun';
import { newSweepCarry, stepCoefficient, sweepChunk, type SweepInput } from '../shared/optimizerSweep';
import { perExampleFactors, type TrainingFactors } from '../shared/trainingFactors';
import { rowsByMagnitude } from '../shared/topRows';

/** Steps whose per-example gradients are formed in one pass (at most; fewer for a wide layer). */
const STEP_CHUNK = 64;
const PASS_FLOATS = 8_000_000;

/** Which flat parameters are a unit's incoming weights (kernel only: the bias is not drawn), and their shape. */
function unitParameters(run: LoadedRun, layer: number, unit: number): { indices: Int32Array; shape: number[]; layoutLayer: number } {
  const hidden = run.record.model?.layers ?? run.layout.layers.slice(0, -1).map(() => ({ type: 'dense' as const }));
  if (!Number.isInteger(layer) || layer < 0 || layer >= hidden.length)
    throw new UserError(`--layer ${layer} is out of range: the model has ${hidden.length} hidden layers (0-based)`);
  const type = hidden[layer].type;
  if (type !== 'dense' && type !== 'conv2d')
    throw new UserError(`model.layers[${layer}] is a ${type} layer: it has no weights (pick a dense or conv2d layer)`);
  const layoutLayer = hidden.slice(0, layer).filter((l) => l.type === 'dense' || l.type === 'conv2d').length;
  const l = run.layout.layers[layoutLayer];
  const units = l.kind === 'dense' ? l.outputs : l.output.channels;
  if (!Number.isInteger(unit) || unit < 0 || unit >= units)
    throw new UserError(
      `--unit ${unit} is out of range: layer ${layer} has ${units} ${l.kind === 'dense' ? 'units' : 'filters'} (0-based)`,
    );
  const fanIn = l.kind === 'dense' ? l.inputs : l.kernel * l.kernel * l.input.channels;
  const indices = Int32Array.from({ length: fanIn }, (_, j) => l.kernelOffset + j * units + unit);
  const shape = l.kind === 'dense' ? [l.inputs] : [l.kernel, l.kernel, l.input.channels];
  return { indices, shape, layoutLayer };
}

/**
 * Δw of one unit decomposed into v_i = −Σ_{r: i∈B_r} coef_r U_r ⊙ G_{i,r}: the optimizer sweep of path-kernel.md §2
 * with the explained "output" the unit's weights themselves (Φ = the indicator of those weights, exact at every step,
 * no quadrature), so Σ_i v_i = w_T − w_0 on those weights up to float rounding. The per-example gradients G_{i,r}
 * come from the run's training factors, restricted to the unit.
 */
export function explainNeuron(
  run: LoadedRun,
  factors: TrainingFactors,
  options: { layer: number; unit: number; top: number; signal?: AbortSignal },
): NeuronExplanation {
  const { indices, shape, layoutLayer } = unitParameters(run, options.layer, options.unit);
  const d = indices.length;
  const T = run.path.steps;
  const W = run.path.batchWidth;
  const N = run.record.trainRows;
  const P = run.layout.parameterCount;
  const layer = run.network.layers[layoutLayer];
  const offset = layer.parameterOffset;
  // The sweep over the unit's weights only: the optimizers act per parameter.
  let adamV: Float32Array | null = null;
  if (run.path.adamV) {
    const v = run.path.adamV;
    adamV = new Float32Array(T * d);
    for (let s = 0; s < T; s++) for (let j = 0; j < d; j++) adamV[s * d + j] = v[s * P + indices[j]];
  }
  const sweepInput: SweepInput = {
    optimizer: run.optimizer,
    learningRates: run.path.learningRates,
    adamV,
    batchSizes: run.batchSizes,
    parameterCount: d,
    queries: 1,
  };
  const carry = newSweepCarry(sweepInput);
  const vectors = new Float64Array(N * d);
  const local = Int32Array.from(indices, (p) => p - offset);
  const cached = factors.gradients();
  // Each pass forms every per-example gradient of the unit's layer: as many steps as fit PASS_FLOATS.
  const chunk = Math.max(1, Math.min(STEP_CHUNK, Math.floor(PASS_FLOATS / (W * layer.parameterCount))));
  for (let end = T; end > 0; end -= chunk) {
    throwIfCancelled(options.signal);
    const s0 = Math.max(0, end - chunk);
    const c = end - s0;
    const u = sweepChunk(sweepInput, new Float32Array(c * d).fill(1), s0, c, carry);
    // Per-example gradients of the unit's layer: each of the c·W rows its own group.
    const grads = cached
      ? unitGradients(cached, s0, c, W, run.layout.parameterCount, indices)
      : tidyRead(() => {
          const perExample = layer.summedGradient(perExampleFactors(factors, s0, c)[layoutLayer]);
          return tf.gather(perExample, tf.tensor1d(local, 'int32'), 1);
        });
    for (let k = 0; k < c; k++) {
      const r = s0 + k;
      const coef = stepCoefficient(sweepInput, r);
      for (let b = 0; b < W; b++) {
        const i = run.path.batches[r * W + b];
        if (i < 0) continue;
        for (let j = 0; j < d; j++) vectors[i * d + j] -= coef * u[k * d + j] * grads[(k * W + b) * d + j];
      }
    }
  }
  const w0 = initialWeights(run);
  const wT = finalWeights(run);
  const initial = Array.from(indices, (p) => w0[p]);
  const final = Array.from(indices, (p) => wT[p]);
  const change = final.map((w, j) => w - initial[j]);
  const norm2 = change.reduce((sum, x) => sum + x * x, 0);
  const projections = new Float64Array(N);
  const total = new Float64Array(d);
  for (let i = 0; i < N; i++) {
    let dot = 0;
    for (let j = 0; j < d; j++) {
      dot += vectors[i * d + j] * change[j];
      total[j] += vectors[i * d + j];
    }
    projections[i] = norm2 > 0 ? dot / Math.sqrt(norm2) : 0;
  }
  const residualAbs = Math.sqrt(change.reduce((sum, x, j) => sum + (x - total[j]) ** 2, 0));
  const image = run.record.image;
  const contributions: NeuronContribution[] = rowsByMagnitude(projections)
    .slice(0, options.top)
    .map((i) => ({
      index: i,
      file: run.data.rows.train[i].file,
      line: run.data.rows.train[i].line,
      label: run.data.raw.train.labels[i],
      projection: projections[i],
      share: norm2 > 0 ? projections[i] / Math.sqrt(norm2) : 0,
      vector: Array.from(vectors.subarray(i * d, (i + 1) * d)),
    }));
  return {
    layer: options.layer,
    unit: options.unit,
    shape,
    imageShape: layoutLayer === 0 && image && shape.length === 1 ? [image.height, image.width, image.channels ?? 1] : null,
    initial,
    final,
    residual: { abs: residualAbs, rel: norm2 > 0 ? residualAbs / Math.sqrt(norm2) : 0 },
    contributions,
    backend: currentBackend().backend,
  };
}

/** The unit's parameters' columns of the cached per-example gradients of steps [s0, s0 + c): [c·W, indices]. */
function unitGradients(cached: Float32Array, s0: number, c: number, W: number, P: number, indices: ArrayLike<number>): Float32Array {
  const d = indices.length;
  const out = new Float32Array(c * W * d);
  for (let row = 0; row < c * W; row++) {
    const base = (s0 * W + row) * P;
    for (let j = 0; j < d; j++) out[row * d + j] = cached[base + indices[j]];
  }
  return out;
}
