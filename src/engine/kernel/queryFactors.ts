import * as tf from '@tensorflow/tfjs-core';
import { activateArray, multiplyByDerivative } from '../model/scalarActivations';
import type { LoadedRun } from './loadedRun';
import type { QueryBlock } from './querySide';

/** A quadrature rule on [0, 1]; left-point is { nodes: [0], weights: [1] }. */
export interface Rule {
  nodes: number[];
  weights: number[];
}

/**
 * Query-side factors of a block of Q rows at the rule's nodes of the listed steps, with the query
 * index fastest: per layer a [G, in, Q] (null for the first layer: its input is x) and node-weighted
 * δ [G, out, Q], G = steps × nodes (step-major). Φ_s = Σ_k a_k ⊗ δ_k per layer.
 */
export interface QueryFactors {
  a: (Float32Array | null)[];
  delta: Float32Array[];
  /** f_e(x_q; w_s) for the requested endpoint weight indices: [E, Q]. */
  endpoints: Float64Array;
  /** Per listed step, the first layer's pre-activation increment z₀(w_{s+1}) − z₀(w_s): [steps, out0, Q]. */
  firstLayerIncrements: Float64Array;
}

/** From this many (point × query) first-layer rows on, one wasm matmul beats the typed-array loop. */
const MATMUL_FROM = 4096;

/**
 * First-layer pre-activations x·W_s + b_s at the given weight indices: [S, out0, Q], float64.
 * Along a step the first layer's input x is fixed, so z₀(t) = (1 − t) z₀(w_s) + t z₀(w_{s+1}) exactly:
 * the nodes never need their own first-layer products.
 */
function firstLayer(run: LoadedRun, block: QueryBlock, indices: number[]): Float64Array {
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const Q = block.count;
  const { outputs: out, kernelOffset, biasOffset } = run.layout.layers[0];
  const S = indices.length;
  const z = new Float64Array(S * out * Q);
  const w = run.path.weights;
  if (S * Q >= MATMUL_FROM) {
    // X [Q, F] @ K [F, S·out] as one large 2-D matmul (≈ 25 GFLOP/s in wasm).
    const kernels = new Float32Array(F * S * out);
    indices.forEach((s, j) => {
      for (let f = 0; f < F; f++) kernels.set(w.subarray(s * P + kernelOffset + f * out, s * P + kernelOffset + (f + 1) * out), f * S * out + j * out);
    });
    const product = tf.tidy(() => tf.matMul(tf.tensor2d(block.x, [Q, F]), tf.tensor2d(kernels, [F, S * out])).dataSync());
    indices.forEach((s, j) => {
      for (let m = 0; m < out; m++) {
        const b = w[s * P + biasOffset + m];
        for (let q = 0; q < Q; q++) z[(j * out + m) * Q + q] = product[q * S * out + j * out + m] + b;
      }
    });
    return z;
  }
  const acc = new Float64Array(out);
  indices.forEach((s, j) => {
    for (let q = 0; q < Q; q++) {
      acc.fill(0);
      for (let f = 0; f < F; f++) {
        const xf = block.x[q * F + f];
        if (xf === 0) continue;
        const row = s * P + kernelOffset + f * out;
        for (let m = 0; m < out; m++) acc[m] += xf * w[row + m];
      }
      for (let m = 0; m < out; m++) z[(j * out + m) * Q + q] = acc[m] + w[s * P + biasOffset + m];
    }
  });
  return z;
}

/**
 * All query-side factors in typed arrays (float64 arithmetic): the first layer from interpolated
 * endpoint products, later layers with the interpolated weights W_s + tΔ_s formed once per point and
 * shared by the Q rows. For small blocks this is an order of magnitude faster than batched tensor ops,
 * whose per-op cost and copies dominate at these sizes (performance-notes.md).
 */
export function queryFactors(run: LoadedRun, block: QueryBlock, steps: ArrayLike<number>, rule: Rule, endpointSteps: ArrayLike<number>): QueryFactors {
  const P = run.layout.parameterCount;
  const C = run.outputCount;
  const Q = block.count;
  const n = rule.nodes.length;
  const layers = run.layout.layers;
  const L = layers.length;
  const kinds = layers.map((l) => l.activation);
  const w = run.path.weights;
  const E = endpointSteps.length;
  const stepList = Array.from(steps);
  // First-layer products at every weight index needed: the endpoints and both ends of every step.
  const needed = [...new Set([...Array.from(endpointSteps), ...stepList, ...stepList.map((s) => s + 1)])].sort((a, b) => a - b);
  const position = new Map(needed.map((s, j) => [s, j]));
  const z0 = firstLayer(run, block, needed);
  const out0 = layers[0].outputs;
  const width = Math.max(...layers.map((l) => Math.max(l.inputs, l.outputs)));
  const G = stepList.length * n;

  // Per-point scratch: activations and pre-activations of every layer for the Q rows.
  const h = layers.map((l) => new Float64Array(l.outputs * Q));
  const zs = layers.map((l) => new Float64Array(l.outputs * Q));
  const delta = new Float64Array(width * Q);
  const next = new Float64Array(width * Q);
  // The interpolated weights of each layer at the current point (forward fills, backward reuses).
  const wts = layers.map((l) => new Float64Array(l.inputs * l.outputs + l.outputs));

  const aOut: (Float32Array | null)[] = layers.map((l, k) => (k === 0 ? null : new Float32Array(G * l.inputs * Q)));
  const dOut = layers.map((l) => new Float32Array(G * l.outputs * Q));
  const endpoints = new Float64Array(E * Q);

  /** wt ← w_s + t (w_{s+1} − w_s) over [offset, offset + count): kernel then bias, contiguous in the layout. */
  const interpolate = (wt: Float64Array, s: number, t: number, offset: number, count: number): void => {
    const a = s * P + offset;
    if (t === 0) {
      for (let k = 0; k < count; k++) wt[k] = w[a + k];
      return;
    }
    const b = (s + 1) * P + offset;
    for (let k = 0; k < count; k++) wt[k] = w[a + k] + t * (w[b + k] - w[a + k]);
  };
  /** Forward from the first layer's pre-activations (already in zs[0]) with weights w_s + tΔ_s. */
  const forward = (s: number, t: number): void => {
    activateArray(kinds[0], zs[0], h[0], out0 * Q);
    for (let l = 1; l < L; l++) {
      const { inputs, outputs, kernelOffset } = layers[l];
      const wt = wts[l];
      interpolate(wt, s, t, kernelOffset, inputs * outputs + outputs);
      const z = zs[l];
      const prev = h[l - 1];
      for (let m = 0; m < outputs; m++) {
        const b = wt[inputs * outputs + m];
        for (let q = 0; q < Q; q++) z[m * Q + q] = b;
      }
      if (Q === 1) {
        for (let m = 0; m < outputs; m++) {
          let acc = z[m];
          for (let j = 0; j < inputs; j++) acc += prev[j] * wt[j * outputs + m];
          z[m] = acc;
        }
      } else {
        for (let j = 0; j < inputs; j++) {
          for (let m = 0; m < outputs; m++) {
            const wjm = wt[j * outputs + m];
            for (let q = 0; q < Q; q++) z[m * Q + q] += prev[j * Q + q] * wjm;
          }
        }
      }
      activateArray(kinds[l], z, h[l], outputs * Q);
    }
  };

  for (let k = 0; k < E; k++) {
    const s = endpointSteps[k];
    const j = position.get(s) as number;
    zs[0].set(z0.subarray(j * out0 * Q, (j + 1) * out0 * Q));
    forward(s, 0);
    const last = h[L - 1];
    for (let q = 0; q < Q; q++) {
      let f = 0;
      for (let c = 0; c < C; c++) f += block.e[q * C + c] * last[c * Q + q];
      endpoints[k * Q + q] = f;
    }
  }

  const lastOut = layers[L - 1].outputs;
  const firstLayerIncrements = new Float64Array(stepList.length * out0 * Q);
  stepList.forEach((s, j) => {
    const z0a = (position.get(s) as number) * out0 * Q;
    const z0b = (position.get(s + 1) as number) * out0 * Q;
    for (let i = 0; i < out0 * Q; i++) firstLayerIncrements[j * out0 * Q + i] = z0[z0b + i] - z0[z0a + i];
    for (let k = 0; k < n; k++) {
      const t = rule.nodes[k];
      const weight = rule.weights[k];
      const g = j * n + k;
      const first = zs[0];
      for (let i = 0; i < out0 * Q; i++) first[i] = (1 - t) * z0[z0a + i] + t * z0[z0b + i];
      forward(s, t);
      // Backward: δ_L = e ⊙ σ'(z_L); δ_l = (W_{l+1}(t) δ_{l+1}) ⊙ σ'(z_l). The node weight is folded into δ.
      for (let c = 0; c < lastOut; c++) for (let q = 0; q < Q; q++) delta[c * Q + q] = block.e[q * C + c];
      multiplyByDerivative(kinds[L - 1], zs[L - 1], h[L - 1], delta, lastOut * Q);
      for (let l = L - 1; l >= 0; l--) {
        const { inputs, outputs } = layers[l];
        const dO = dOut[l];
        const dBase = g * outputs * Q;
        for (let m = 0; m < outputs * Q; m++) dO[dBase + m] = weight * delta[m];
        if (l === 0) break;
        const aO = aOut[l] as Float32Array;
        const prev = h[l - 1];
        const aBase = g * inputs * Q;
        for (let m = 0; m < inputs * Q; m++) aO[aBase + m] = prev[m];
        const wt = wts[l];
        if (Q === 1) {
          for (let a = 0; a < inputs; a++) {
            let acc = 0;
            const row = a * outputs;
            for (let m = 0; m < outputs; m++) acc += wt[row + m] * delta[m];
            next[a] = acc;
          }
        } else {
          next.fill(0, 0, inputs * Q);
          for (let a = 0; a < inputs; a++) {
            for (let m = 0; m < outputs; m++) {
              const wam = wt[a * outputs + m];
              for (let q = 0; q < Q; q++) next[a * Q + q] += wam * delta[m * Q + q];
            }
          }
        }
        for (let m = 0; m < inputs * Q; m++) delta[m] = next[m];
        multiplyByDerivative(kinds[l - 1], zs[l - 1], h[l - 1], delta, inputs * Q);
      }
    }
  });
  return { a: aOut, delta: dOut, endpoints, firstLayerIncrements };
}
