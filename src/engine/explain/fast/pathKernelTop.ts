import type { LoadedRun } from '../shared/loadedRun';
import { HELD_ROWS, QUERY_STEPS_PER_CALL, querySideFor } from './wasm/simdQuerySide';
import { queryFactors, type Rule } from './queryFactors';
import type { QueryBlock } from '../shared/blockTypes';

/** Steps whose query factors are computed in one pass (bounded so the factors stay small). */
const STEP_CHUNK = QUERY_STEPS_PER_CALL;
const PAIR_CHUNK = 2048;

/**
 * K^p(x_q, x_i) = Σ_{s: i∈B_s} (η_s/|B_s|) Φ_s(x_q) · φ(x_i; w_s) for each query's top rows
 * (path-kernel.md §2.4), with the training side's gradient of the explained output (not the loss).
 * Both sides stay factored: Φ_s·φ_i = Σ_layers Σ_k (a_k·a_i)(δ_k·δ_i) + (Σ_k δ_k)·δ_i; steps whose Φ
 * was refined use the refined dense Φ.
 */
export function pathKernelForTops(
  run: LoadedRun,
  block: QueryBlock,
  tops: number[][],
  rule: Rule,
  refinedPhi: Map<number, Float32Array>,
): Map<number, number>[] {
  const Q = block.count;
  const F = run.data.featureCount;
  const n = rule.nodes.length;
  const kernels = tops.map((top) => new Map<number, number>(top.map((i) => [i, 0])));
  const byStep = new Map<number, { q: number; i: number }[]>();
  tops.forEach((top, q) => {
    for (const i of top)
      for (const s of run.stepsOf[i]) {
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
            const point = q * qf.points + pos * n + k;
            let aa = 0;
            for (let a = 0; a < inputs; a++) aa += (qa ? qa[point * inputs + a] : block.x[q * F + a]) * ai[a];
            let dd = 0;
            for (let m = 0; m < outputs; m++) dd += qd[point * outputs + m] * di[m];
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

/**
 * Factors of f_e = e_qᵀ f at (x_i, w_s) for each pair: per layer a [K, in] (the first layer's is x_i itself, left
 * unfilled), δ [K, out], by the query side's kernel (the pairs of one step a few at a time, at its point t = 0).
 */
function trainingOutputFactors(
  run: LoadedRun,
  block: QueryBlock,
  pairs: { s: number; q: number; i: number }[],
): { a: Float32Array[]; delta: Float32Array[] } {
  const F = run.data.featureCount;
  const C = run.outputCount;
  const K = pairs.length;
  const layers = run.layout.layers;
  const side = querySideFor(run);
  const a = layers.map((l, k) => new Float32Array(k === 0 ? 0 : K * l.inputs));
  const delta = layers.map((l) => new Float32Array(K * l.outputs));
  // The pairs come step by step (pathKernelForTops lists them so).
  for (let k0 = 0; k0 < K;) {
    const s = pairs[k0].s;
    let count = 1;
    while (count < HELD_ROWS && k0 + count < K && pairs[k0 + count].s === s) count++;
    for (let r = 0; r < count; r++) {
      const i = pairs[k0 + r].i;
      for (let f = 0; f < F; f++) side.x[f] = run.data.trainX[i * F + f];
      side.firstLayer([s], r);
      side.firstLayerAt(0, 0, 0, r);
    }
    side.interpolateAt(s, 0);
    side.forwardRows(count);
    const offsets = pairs.slice(k0, k0 + count).map((p) => p.q * C);
    // The pairs k0 … k0 + count − 1 are consecutive rows of a and δ.
    side.backwardRows(offsets, block.e, (l) => {
      const { inputs, outputs } = layers[l];
      delta[l].set(side.keptFactors(outputs, count, 1), k0 * outputs);
      if (l > 0) a[l].set(side.keptFactors(inputs, count, 1, l - 1), k0 * inputs);
    });
    k0 += count;
  }
  return { a, delta };
}
