import type { LoadedRun } from '../shared/loadedRun';
import type { QueryBlock } from '../shared/blockTypes';
import { HELD_ROWS, querySideFor } from './wasm/simdQuerySide';

/** A quadrature rule on [0, 1]; left-point is { nodes: [0], weights: [1] }. */
export interface Rule {
  nodes: number[];
  weights: number[];
}

/**
 * Query-side factors of a block of Q rows at the rule's nodes of the listed steps, row by row: per layer
 * a [Q, G, in] (null for the first layer: its input is x) and node-weighted δ [Q, G, out], G = steps × nodes
 * (step-major), so each row's factors at a point are contiguous. Φ_s = Σ_k a_k ⊗ δ_k per layer.
 */
export interface QueryFactors {
  a: (Float32Array | null)[];
  delta: Float32Array[];
  /** G, the points (steps × nodes) per row. */
  points: number;
  /** f_e(x_q; w_s) for the requested endpoint weight indices: [E, Q]. */
  endpoints: Float64Array;
  /** With `incrementDots`: Φ_s·Δ_s per listed step and row, [steps, Q] (else empty). */
  incrementDots: Float64Array;
  /** With `reluKinks`: 1 where a row's ReLU on/off pattern differs between w_s and w_{s+1}, [steps, Q] (else empty). */
  kinks: Uint8Array;
}

/**
 * All query-side factors, row by row in WebAssembly (wasm/querySide.wat, float64): the first layer from
 * interpolated endpoint products (x is fixed along a step, so z₀(t) = (1 − t) z₀(w_s) + t z₀(w_{s+1})
 * exactly; the nodes never need their own first-layer products), later layers with the interpolated
 * weights W_s + tΔ_s. With `incrementDots`, also Φ_s·Δ_s per step and row straight from the factors:
 * the first layer's part is Σ_m (z₀(w_{s+1}) − z₀(w_s))_m Σ_k δ_k,m, later layers' Σ_k a_kᵀ ΔW δ_k + Δb·δ_k.
 */
export function queryFactors(
  run: LoadedRun,
  block: QueryBlock,
  steps: ArrayLike<number>,
  rule: Rule,
  endpointSteps: ArrayLike<number>,
  options: { incrementDots?: boolean; reluKinks?: boolean } = {},
): QueryFactors {
  const C = run.outputCount;
  const F = run.data.featureCount;
  const Q = block.count;
  const n = rule.nodes.length;
  const layers = run.layout.layers;
  const L = layers.length;
  const E = endpointSteps.length;
  const stepList = Array.from(steps);
  // First-layer products at every weight index needed: the endpoints and both ends of every step.
  const needed = [...new Set([...Array.from(endpointSteps), ...stepList, ...stepList.map((s) => s + 1)])].sort((a, b) => a - b);
  const position = new Map(needed.map((s, j) => [s, j]));
  const G = stepList.length * n;

  const aOut: (Float32Array | null)[] = layers.map((l, k) => (k === 0 ? null : new Float32Array(G * l.inputs * Q)));
  const dOut = layers.map((l) => new Float32Array(G * l.outputs * Q));
  const endpoints = new Float64Array(E * Q);
  const incrementDots = new Float64Array(options.incrementDots ? stepList.length * Q : 0);
  // ReLU patterns at the endpoints (every listed step and its successor must be among them).
  const reluKinks = options.reluKinks === true && layers.some((l) => l.activation === 'relu');
  const patterns: string[] = [];

  const side = querySideFor(run);
  const { x } = side;

  // Rows a few at a time: at each point they share its interpolated weights (and pass through them four at a time).
  for (let q0 = 0; q0 < Q; q0 += HELD_ROWS) {
    const count = Math.min(HELD_ROWS, Q - q0);
    const rows = Array.from({ length: count }, (_, k) => q0 + k);
    const offsets = rows.map((q) => q * C);
    for (const q of rows) {
      for (let f = 0; f < F; f++) x[f] = block.x[q * F + f];
      side.firstLayer(needed, q - q0);
    }
    for (let k = 0; k < E; k++) {
      const j = position.get(endpointSteps[k]) as number;
      side.interpolateAt(endpointSteps[k], 0);
      rows.forEach((_, r) => side.firstLayerAt(j, j, 0, r));
      side.forwardRows(rows.length);
      const last = side.layers[L - 1].h;
      rows.forEach((q, r) => {
        let f = 0;
        for (let c = 0; c < C; c++) f += block.e[q * C + c] * last[r * C + c];
        endpoints[k * Q + q] = f;
        if (reluKinks) patterns[k * Q + q] = side.reluPattern(r);
      });
    }
    stepList.forEach((s, j) => {
      const ja = position.get(s) as number;
      const jb = position.get(s + 1) as number;
      const dots = new Float64Array(count);
      for (let k = 0; k < n; k++) {
        const t = rule.nodes[k];
        const weight = rule.weights[k];
        const g = j * n + k;
        side.interpolateAt(s, t);
        for (let r = 0; r < count; r++) side.firstLayerAt(ja, jb, t, r);
        side.forwardRows(count);
        // Each layer's δ, with the node weight folded in, and (after the first layer) its input activations.
        side.backwardRows(offsets, block.e, (l) => {
          const { inputs, outputs } = layers[l];
          const dO = dOut[l];
          const layerDots = options.incrementDots && l > 0 ? side.incrementDots(l, s, count) : null;
          const weighted = side.keptFactors(outputs, count, weight);
          for (let r = 0; r < count; r++) {
            dO.set(weighted.subarray(r * outputs, (r + 1) * outputs), ((q0 + r) * G + g) * outputs);
            if (layerDots) dots[r] += weight * layerDots[r];
            else if (options.incrementDots) dots[r] = side.firstLayerDot(dots[r], r, ja, jb, weight);
          }
          if (l === 0) return;
          const aO = aOut[l] as Float32Array;
          const activations = side.keptFactors(inputs, count, 1, l - 1);
          for (let r = 0; r < count; r++) aO.set(activations.subarray(r * inputs, (r + 1) * inputs), ((q0 + r) * G + g) * inputs);
        });
      }
      if (options.incrementDots) rows.forEach((q, r) => (incrementDots[j * Q + q] = dots[r]));
    });
  }
  const kinks = new Uint8Array(reluKinks ? stepList.length * Q : 0);
  if (reluKinks) {
    const endpointOf = new Map(Array.from(endpointSteps, (s, k) => [s, k]));
    stepList.forEach((s, j) => {
      const a = endpointOf.get(s);
      const b = endpointOf.get(s + 1);
      if (a === undefined || b === undefined) throw new Error('queryFactors: reluKinks needs both ends of every step among the endpoints');
      for (let q = 0; q < Q; q++) kinks[j * Q + q] = patterns[a * Q + q] !== patterns[b * Q + q] ? 1 : 0;
    });
  }
  return { a: aOut, delta: dOut, points: G, endpoints, incrementDots, kinks };
}
