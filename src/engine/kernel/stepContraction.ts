import * as tf from '@tensorflow/tfjs-core';
import type { PathIndex } from './pathIndex';

/** From this many queries on, one wasm matmul per step beats the typed-array loop. */
const MATMUL_FROM = 8;

/**
 * terms[b, q] = G_{b,r} · U_r[:, q] for the W examples of step r's batch: G from the index's factors
 * (a_b ⊗ δ_b per layer, δ_b for the bias), U as [P, Q] with the query index fastest.
 */
export function contractStep(index: PathIndex, r: number, W: number, u: Float32Array, Q: number, P: number, terms: Float64Array): void {
  if (Q >= MATMUL_FROM) return contractByMatmul(index, r, W, u, Q, P, terms);
  terms.fill(0, 0, W * Q);
  for (const layer of index.layers) {
    const { inputs, outputs, kernelOffset, biasOffset } = layer;
    for (let b = 0; b < W; b++) {
      const aOff = (r * W + b) * inputs;
      const dOff = (r * W + b) * outputs;
      const A = layer.a;
      const D = layer.delta;
      if (Q === 1) {
        // Σ_j a_j Σ_m U_jm δ_m: the factored rowsum of path-kernel.md §3.
        let acc = 0;
        for (let j = 0; j < inputs; j++) {
          const aj = A[aOff + j];
          if (aj === 0) continue;
          const uo = kernelOffset + j * outputs;
          let s = 0;
          for (let m = 0; m < outputs; m++) s += u[uo + m] * D[dOff + m];
          acc += aj * s;
        }
        for (let m = 0; m < outputs; m++) acc += u[biasOffset + m] * D[dOff + m];
        terms[b] += acc;
        continue;
      }
      for (let j = 0; j < inputs; j++) {
        const aj = A[aOff + j];
        if (aj === 0) continue;
        for (let m = 0; m < outputs; m++) {
          const g = aj * D[dOff + m];
          const uo = (kernelOffset + j * outputs + m) * Q;
          for (let q = 0; q < Q; q++) terms[b * Q + q] += g * u[uo + q];
        }
      }
      for (let m = 0; m < outputs; m++) {
        const g = D[dOff + m];
        const uo = (biasOffset + m) * Q;
        for (let q = 0; q < Q; q++) terms[b * Q + q] += g * u[uo + q];
      }
    }
  }
}

let gBuffer = new Float32Array(0);

function contractByMatmul(index: PathIndex, r: number, W: number, u: Float32Array, Q: number, P: number, terms: Float64Array): void {
  if (gBuffer.length < W * P) gBuffer = new Float32Array(W * P);
  const G = gBuffer;
  for (const layer of index.layers) {
    const { inputs, outputs, kernelOffset, biasOffset } = layer;
    for (let b = 0; b < W; b++) {
      const aOff = (r * W + b) * inputs;
      const dOff = (r * W + b) * outputs;
      for (let j = 0; j < inputs; j++) {
        const aj = layer.a[aOff + j];
        const go = b * P + kernelOffset + j * outputs;
        for (let m = 0; m < outputs; m++) G[go + m] = aj * layer.delta[dOff + m];
      }
      for (let m = 0; m < outputs; m++) G[b * P + biasOffset + m] = layer.delta[dOff + m];
    }
  }
  const values = tf.tidy(() => tf.matMul(tf.tensor2d(G.subarray(0, W * P), [W, P]), tf.tensor2d(u, [P, Q])).dataSync());
  for (let k = 0; k < W * Q; k++) terms[k] = values[k];
}
