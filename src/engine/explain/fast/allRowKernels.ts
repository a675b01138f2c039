import type { LoadedRun } from '../shared/loadedRun';
import type { QueryBlock } from '../shared/blockTypes';
import type { PathIndex } from '../pathIndex/pathIndex';
import type { QueryFactors } from './queryFactors';
import { scratchArrays } from '../shared/scratchArrays';
import { matrixProduct } from '../../simd/matrixProduct';

/**
 * The path kernel K^p(x_q, x_i) of every training row at once, for a replayed segment whose output deltas were
 * recorded (path-kernel.md §2.4): per step s and batch example i, (η_s/|B_s|) Φ_s(x_q)·φ_e(x_i; w_s), with both sides
 * factored, Σ_layers Σ_k (a_k·a_i + 1)(δ_k·δ^e_i), where δ^e_i = Σ_c e_qc δ^(c)_i combines the recorded logits' deltas.
 * So the rows shown learn their kernel in the same replay as their contributions (no second replay once the top
 * rows are known). Both dot products are matrix products over the step's batch and the (node, row) columns, in
 * WebAssembly (wasm/matrixProduct.wat, float32 terms, float64 sums). Steps whose Φ was refined use the dense Φ.
 * Adds into `kernels[q]` [N].
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
  // Rows explaining the same output share one array of δ^e per layer (the recorded logit's own for a single class).
  const groups = new Map<string, number[]>();
  for (let q = 0; q < Q; q++) {
    const key = deltas.classes.map((cls) => block.e[q * C + cls]).join(',');
    groups.set(key, [...(groups.get(key) ?? []), q]);
  }
  const grouped = [...groups.values()].map((rows) => {
    const weights = deltas.classes.map((cls) => block.e[rows[0] * C + cls]);
    return { rows, de: layers.map((layer, l) => combinedDeltas(deltas.delta, weights, l, s0 * W * layer.outputs, c * W * layer.outputs)) };
  });
  const dot = new Float64Array(Q * W);
  for (let k = 0; k < c; k++) {
    const r = s0 + k;
    dot.fill(0);
    layers.forEach((layer, l) => {
      const { inputs, outputs } = layer;
      const a = index.layers[l].a.subarray(r * W * inputs, (r + 1) * W * inputs);
      // (a_node·a_b + 1) for every slot b and (node, row) column: [W, in] · [in, n·Q].
      const factorA = qf.a[l];
      const qa = scratch('qa', inputs * n * Q);
      for (let j = 0; j < inputs; j++) {
        for (let node = 0; node < n; node++) {
          const to = (j * n + node) * Q;
          if (factorA) {
            for (let q = 0; q < Q; q++) qa[to + q] = factorA[(q * qf.points + k * n + node) * inputs + j];
          } else {
            for (let q = 0; q < Q; q++) qa[to + q] = block.x[q * F + j];
          }
        }
      }
      const aa = scratch('aa', W * n * Q);
      aa.set(matrixProduct().rowsTimes((into) => into.set(a), qa, W, inputs, n * Q));
      // (δ_node·δ^e_b) for the rows of each output: [W, out] · [out, n·|rows|].
      const factorD = qf.delta[l];
      for (const { rows, de } of grouped) {
        const G = rows.length;
        const qd = scratch('qd', outputs * n * G);
        for (let o = 0; o < outputs; o++) {
          for (let node = 0; node < n; node++) {
            const to = (o * n + node) * G;
            for (let g = 0; g < G; g++) qd[to + g] = factorD[(rows[g] * qf.points + k * n + node) * outputs + o];
          }
        }
        const dd = matrixProduct().rowsTimes(
          (into) => into.set(de[l].subarray(k * W * outputs, (k + 1) * W * outputs)),
          qd,
          W,
          outputs,
          n * G,
        );
        for (let g = 0; g < G; g++) {
          const q = rows[g];
          for (let b = 0; b < W; b++) {
            let sum = 0;
            for (let node = 0; node < n; node++) sum += (aa[b * n * Q + node * Q + q] + 1) * dd[b * n * G + node * G + g];
            dot[q * W + b] += sum;
          }
        }
      }
    });
    const rate = segment.path.learningRates[r] / segment.batchSizes[r];
    for (let q = 0; q < Q; q++) {
      // A refined step's Φ is dense: its dot with each slot's factored φ_e replaces the nodes' sum.
      const phi = dense(r, q);
      if (phi)
        denseDots(
          phi,
          index,
          grouped.find((g) => g.rows.includes(q))?.de as Float32Array[],
          layers,
          r,
          k,
          W,
          dot.subarray(q * W, (q + 1) * W),
        );
      for (let b = 0; b < W; b++) {
        const i = segment.path.batches[r * W + b];
        if (i >= 0) kernels[q][i] += rate * dot[q * W + b];
      }
    }
  }
}

/** One row's Φ_r (dense) dotted with each slot's factored φ_e = a_b ⊗ δ^e_b (kernel and bias) at local step k; overwrites `dot`. */
function denseDots(
  phi: Float32Array,
  index: PathIndex,
  de: Float32Array[],
  layers: LoadedRun['layout']['layers'],
  r: number,
  k: number,
  W: number,
  dot: Float64Array,
): void {
  dot.fill(0);
  layers.forEach((layer, l) => {
    const { inputs, outputs, kernelOffset, biasOffset } = layer;
    const a = index.layers[l].a;
    const d = de[l];
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
  });
}

const scratch = scratchArrays();

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
