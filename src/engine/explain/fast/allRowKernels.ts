import type { LoadedRun } from '../shared/loadedRun';
import type { QueryBlock } from '../shared/blockTypes';
import type { PathIndex } from '../pathIndex/pathIndex';
import type { QueryFactors } from './queryFactors';

/**
 * The path kernel K^p(x_q, x_i) of every training row at once, for a replayed segment whose output deltas were
 * recorded (path-kernel.md §2.4): per step s and batch example i, (η_s/|B_s|) Φ_s(x_q)·φ_e(x_i; w_s), with both sides
 * factored, Σ_layers Σ_k (a_k·a_i + 1)(δ_k·δ^e_i), where δ^e_i = Σ_c e_qc δ^(c)_i combines the recorded logits' deltas.
 * So the rows shown learn their kernel in the same replay as their contributions (no second replay once the top
 * rows are known). Steps whose Φ was refined use the dense Φ. Adds into `kernels[q]` [N].
 */
export function addAllRowKernels(
  segment: LoadedRun,
  index: PathIndex,
  block: QueryBlock,
  qf: QueryFactors,
  steps: { s0: number; c: number; nodes: number },
  dense: (step: number, row: number) => Float32Array | undefined,
  kernels: Float64Array[],
): void {
  const deltas = segment.path.outputDeltas;
  if (!deltas) return;
  const { s0, c, nodes: n } = steps;
  const Q = block.count;
  const C = segment.outputCount;
  const W = segment.path.batchWidth;
  const F = segment.data.featureCount;
  const layers = segment.layout.layers;
  const widest = Math.max(F, ...layers.map((l) => Math.max(l.inputs, l.outputs)));
  // One row's query factors at one node, made contiguous (the factors hold the row index fastest).
  const qa = new Float64Array(widest);
  const qd = new Float64Array(widest);
  const aa = new Float64Array(W);
  const dot = new Float64Array(W);
  for (let q = 0; q < Q; q++) {
    // The row's explained output on the recorded logits, and each layer's δ^e of every slot of the segment.
    const weights = deltas.classes.map((cls) => block.e[q * C + cls]);
    const de = layers.map((layer, l) => combinedDeltas(deltas.delta, weights, l, s0 * W * layer.outputs, c * W * layer.outputs));
    for (let k = 0; k < c; k++) {
      const r = s0 + k;
      const phi = dense(r, q);
      dot.fill(0);
      layers.forEach((layer, l) => {
        const { inputs, outputs, kernelOffset, biasOffset } = layer;
        const a = index.layers[l].a;
        const d = de[l];
        if (phi) {
          for (let b = 0; b < W; b++) {
            const aOff = (r * W + b) * inputs;
            const dOff = (k * W + b) * outputs;
            let sum = 0;
            for (let j = 0; j < inputs; j++) {
              const aj = a[aOff + j];
              if (aj === 0) continue;
              let t = 0;
              for (let o = 0; o < outputs; o++) t += phi[kernelOffset + j * outputs + o] * d[dOff + o];
              sum += aj * t;
            }
            for (let o = 0; o < outputs; o++) sum += phi[biasOffset + o] * d[dOff + o];
            dot[b] += sum;
          }
          return;
        }
        const factorA = qf.a[l];
        const factorD = qf.delta[l];
        for (let node = 0; node < n; node++) {
          const g = k * n + node;
          for (let j = 0; j < inputs; j++) qa[j] = factorA ? factorA[(g * inputs + j) * Q + q] : block.x[q * F + j];
          for (let o = 0; o < outputs; o++) qd[o] = factorD[(g * outputs + o) * Q + q];
          // (a_k·a_b + 1)(δ_k·δ^e_b) for every slot b: two matrix-vector products over the step's batch.
          for (let b = 0; b < W; b++) {
            const aOff = (r * W + b) * inputs;
            let sum = 1;
            for (let j = 0; j < inputs; j++) sum += qa[j] * a[aOff + j];
            aa[b] = sum;
          }
          for (let b = 0; b < W; b++) {
            const dOff = (k * W + b) * outputs;
            let sum = 0;
            for (let o = 0; o < outputs; o++) sum += qd[o] * d[dOff + o];
            dot[b] += aa[b] * sum;
          }
        }
      });
      const rate = segment.path.learningRates[r] / segment.batchSizes[r];
      for (let b = 0; b < W; b++) {
        const i = segment.path.batches[r * W + b];
        if (i >= 0) kernels[q][i] += rate * dot[b];
      }
    }
  }
}

/** Σ_c w_c δ^(c) of one layer over a range of slots (the recorded array itself when one class has weight 1). */
function combinedDeltas(perClass: Float32Array[][], weights: number[], layer: number, from: number, length: number): Float32Array {
  const used = weights.flatMap((w, j) => (w !== 0 ? [j] : []));
  if (used.length === 1 && weights[used[0]] === 1) return perClass[used[0]][layer].subarray(from, from + length);
  const out = new Float32Array(length);
  for (const j of used) {
    const d = perClass[j][layer];
    for (let k = 0; k < length; k++) out[k] += weights[j] * d[from + k];
  }
  return out;
}
