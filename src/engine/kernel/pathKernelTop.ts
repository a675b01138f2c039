import * as tf from '@tensorflow/tfjs-core';
import type { LoadedRun } from './loadedRun';
import { queryFactors, type Rule } from './queryFactors';
import type { QueryBlock } from './querySide';

const STEP_CHUNK = 128;
const PAIR_CHUNK = 2048;

/**
 * K^p(x_q, x_i) = Σ_{s: i∈B_s} (η_s/|B_s|) Φ_s(x_q) · φ(x_i; w_s) for each query's top rows
 * (path-kernel.md §2.4), with the training side's gradient of the explained output (not the loss).
 * Both sides stay factored: Φ_s·φ_i = Σ_layers Σ_k (a_k·a_i)(δ_k·δ_i) + (Σ_k δ_k)·δ_i; steps whose Φ
 * was refined use the refined dense Φ.
 */
export function pathKernelForTops(run: LoadedRun, block: QueryBlock, tops: number[][], rule: Rule, refinedPhi: Map<number, Float32Array>): Map<number, number>[] {
  const Q = block.count;
  const F = run.data.featureCount;
  const n = rule.nodes.length;
  const kernels = tops.map((top) => new Map<number, number>(top.map((i) => [i, 0])));
  const byStep = new Map<number, { q: number; i: number }[]>();
  tops.forEach((top, q) => {
    for (const i of top) for (const s of run.stepsOf[i]) {
      const list = byStep.get(s) ?? [];
      list.push({ q, i });
      byStep.set(s, list);
    }
  });
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  const layers = run.layout.layers;
  for (let c0 = 0; c0 < steps.length; c0 += STEP_CHUNK) {
    const chunkSteps = steps.slice(c0, c0 + STEP_CHUNK);
    const qf = queryFactors(run, block, chunkSteps, rule, []);
    const pairs: { pos: number; s: number; q: number; i: number }[] = [];
    chunkSteps.forEach((s, pos) => {
      for (const { q, i } of byStep.get(s) as { q: number; i: number }[]) pairs.push({ pos, s, q, i });
    });
    for (let p0 = 0; p0 < pairs.length; p0 += PAIR_CHUNK) {
      const part = pairs.slice(p0, p0 + PAIR_CHUNK);
      const train = trainingOutputFactors(run, block, part);
      part.forEach(({ pos, s, q, i }, j) => {
        const dense = refinedPhi.get(s * Q + q);
        let dot = 0;
        layers.forEach((layer, l) => {
          const { inputs, outputs, kernelOffset, biasOffset } = layer;
          const ai = l === 0 ? run.data.trainX.subarray(i * F, (i + 1) * F) : train.a[l].subarray(j * inputs, (j + 1) * inputs);
          const di = train.delta[l].subarray(j * outputs, (j + 1) * outputs);
          if (dense) {
            for (let a = 0; a < inputs; a++) {
              let t = 0;
              for (let m = 0; m < outputs; m++) t += dense[kernelOffset + a * outputs + m] * di[m];
              dot += ai[a] * t;
            }
            for (let m = 0; m < outputs; m++) dot += dense[biasOffset + m] * di[m];
            return;
          }
          const qa = qf.a[l];
          const qd = qf.delta[l];
          for (let k = 0; k < n; k++) {
            const g = pos * n + k;
            let aa = 0;
            for (let a = 0; a < inputs; a++) aa += (qa ? qa[(g * inputs + a) * Q + q] : block.x[q * F + a]) * ai[a];
            let dd = 0;
            for (let m = 0; m < outputs; m++) dd += qd[(g * outputs + m) * Q + q] * di[m];
            dot += (aa + 1) * dd;
          }
        });
        const kernel = kernels[q];
        kernel.set(i, (kernel.get(i) as number) + (run.path.learningRates[s] / run.batchSizes[s]) * dot);
      });
    }
  }
  return kernels;
}

/** Factors of f_e = e_qᵀ f at (x_i, w_s) for each pair: per layer a [K, in], δ [K, out]. */
function trainingOutputFactors(run: LoadedRun, block: QueryBlock, pairs: { s: number; q: number; i: number }[]): { a: Float32Array[]; delta: Float32Array[] } {
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const K = pairs.length;
  const weights = new Float32Array(K * P);
  const xs = new Float32Array(K * F);
  const es = new Float32Array(K * C);
  pairs.forEach(({ s, q, i }, j) => {
    weights.set(run.path.weights.subarray(s * P, (s + 1) * P), j * P);
    xs.set(run.data.trainX.subarray(i * F, (i + 1) * F), j * F);
    es.set(block.e.subarray(q * C, (q + 1) * C), j * C);
  });
  return tf.tidy(() => {
    const w = tf.tensor2d(weights, [K, P]);
    const pass = run.mlp.forward(w, tf.tensor3d(xs, [K, 1, F]));
    const factors = run.mlp.factors(pass, w, tf.tensor3d(es, [K, 1, C]));
    return {
      a: factors.map((f) => f.a.dataSync() as Float32Array),
      delta: factors.map((f) => f.delta.dataSync() as Float32Array),
    };
  });
}
