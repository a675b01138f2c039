import { gaussLegendre } from '../shared/gaussLegendre';
import type { LoadedRun } from '../shared/loadedRun';
import type { PathIndex } from '../pathIndex/pathIndex';
import { QUERY_STEPS_PER_CALL } from './wasm/simdQuerySide';
import { queryFactors, type QueryFactors, type Rule } from './queryFactors';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { throwIfCancelled } from '../../errors';
import type { ExplainBlockOptions, QueryBlock, RawExplanation } from '../shared/blockTypes';
import { rawExplanations, StepTraces } from '../shared/rawExplanations';
import { topIndices } from '../shared/topRows';
import { checkAndRefineSteps } from '../shared/stepRefinement';
import { wasmSegmentIntegrator } from './segmentIntegrals';
import { pathKernelForTops } from './pathKernelTop';
import { type SimdContraction, type SweepStep } from './wasm/simdContraction';

/** Steps whose query factors are computed in one pass (bounded so the factors stay small). */
const STEP_CHUNK = QUERY_STEPS_PER_CALL;

/**
 * The fast form of `explainBlock` (same numbers, path-kernel.md §2–3, §5). Per chunk of steps, from
 * the last to the first: the query factors of all Q rows in one typed-array pass; the per-step
 * quadrature check straight from the factors; refinement of kinked or failing steps; then, row by
 * row and step by step, the optimizer's sweep fused with the construction of Φ (never stored) into
 * U_r in the contraction module's memory, and the contraction G_{r,b}·U_r there. Carries and sums are float64.
 */
export async function explainBlockFast(
  run: LoadedRun,
  index: PathIndex,
  block: QueryBlock,
  options: ExplainBlockOptions,
): Promise<RawExplanation[]> {
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const Q = block.count;
  const N = run.record.trainRows;
  const W = run.path.batchWidth;
  const F = run.data.featureCount;
  const rule: Rule = options.leftPointOnly ? { nodes: [0], weights: [1] } : gaussLegendre(options.nodes);
  const n = rule.nodes.length;
  const { name, nesterov } = run.optimizer;
  // The optimizers hold μ and β1 as float32 scalars (optimizerSweep.ts).
  const decay = Math.fround(name === 'adam' ? run.optimizer.beta1 : name === 'momentum' ? run.optimizer.momentum : 0);
  const simd = index.contraction;
  const layers = run.layout.layers;

  const endpoints = new Float64Array((T + 1) * Q);
  const ends = queryFactors(run, block, [], rule, [0, T]).endpoints;
  // ReLU steps whose on/off pattern changes are integrated piecewise; the patterns come with each chunk's endpoints.
  const hasRelu = run.layout.layers.some((l) => l.activation === 'relu');
  const kinks = options.leftPointOnly || !hasRelu ? null : new Uint8Array(T * Q);
  const scale = Array.from({ length: Q }, (_, q) => Math.max(Math.abs(ends[Q + q] - ends[q]), 0.01));
  const contributions = Array.from({ length: Q }, () => new Float64Array(N));
  simd.resetCarries(Q);
  const quadratureError = new Float64Array(Q);
  let refinedSteps = 0;
  const refinedPhi = new Map<number, Float32Array>();
  const traces = new StepTraces(options.traceRows);

  for (let end = T; end > 0; end -= STEP_CHUNK) {
    throwIfCancelled(options.signal);
    const s0 = Math.max(0, end - STEP_CHUNK);
    const c = end - s0;
    const steps = Array.from({ length: c }, (_, k) => s0 + k);
    const qf = queryFactors(run, block, steps, rule, [...steps, end], { incrementDots: !options.leftPointOnly, reluKinks: kinks !== null });
    kinks?.set(qf.kinks, s0 * Q);
    for (let k = 0; k < (c + 1) * Q; k++) endpoints[s0 * Q + k] = qf.endpoints[k];
    if (!options.leftPointOnly) {
      refinedSteps += refine(run, block, qf, s0, c, endpoints, kinks, scale, options, quadratureError, refinedPhi);
    }
    for (let q = 0; q < Q; q++) {
      for (let j = 0; j < F; j++) simd.x[j] = block.x[q * F + j];
      for (let local = c - 1; local >= 0; local--) {
        const r = s0 + local;
        const sweep = { r, eta: run.path.learningRates[r], decay, nesterov };
        const dense = refinedPhi.get(r * Q + q);
        // Φ_r (never stored beyond this step) becomes U_r = S_r ⊙ Φ_r + decay · U_{r+1}
        // (Nesterov: S_r ⊙ Φ_r + μ U_r) in the contraction module's memory, layer by layer.
        if (dense) {
          simd.phi.set(dense);
          simd.sweepDense(q, sweep, 0, P);
        } else {
          layers.forEach((layer, l) => sweepLayer(simd, qf, n, local, q, Q, l, layer, sweep));
        }
        const coef = (name === 'adam' ? Math.fround(1 - run.optimizer.beta1) : 1) / run.batchSizes[r];
        const terms = simd.contract(r);
        const contribution = contributions[q];
        for (let b = 0; b < W; b++) {
          const i = run.path.batches[r * W + b];
          if (i < 0) continue;
          const value = -coef * terms[b];
          contribution[i] += value;
          if (q === 0 && traces.has(i)) traces.record(i, r, value);
        }
      }
    }
    await yieldToEventLoop();
  }
  const tops = contributions.map((c) => topIndices(c, options.kernelTop));
  const kernels = options.kernelTop > 0 ? pathKernelForTops(run, block, tops, rule, refinedPhi) : tops.map(() => new Map<number, number>());
  return rawExplanations({ endpoints, steps: T, contributions, quadratureError, refinedSteps, kernels, traces });
}

/**
 * One layer of Φ_r for one row swept into U_r, from its node factors: the first layer's kernel is
 * x ⊗ Σ_k δ_k (x is fixed along the step), later kernels Σ_k a_k ⊗ δ_k, every bias Σ_k δ_k.
 */
function sweepLayer(
  simd: SimdContraction,
  qf: QueryFactors,
  n: number,
  local: number,
  q: number,
  Q: number,
  l: number,
  layer: LoadedRun['layout']['layers'][number],
  sweep: SweepStep,
): void {
  const { inputs, outputs } = layer;
  const delta = qf.delta[l];
  const d = simd.d;
  const a = qf.a[l];
  if (a === null) {
    d.fill(0, 0, outputs);
    for (let k = 0; k < n; k++) {
      const dOff = (local * n + k) * outputs * Q + q;
      for (let m = 0; m < outputs; m++) d[m] += delta[dOff + m * Q];
    }
    simd.sweepFactored(q, sweep, layer, 1, true);
    return;
  }
  const factorA = simd.a;
  for (let k = 0; k < n; k++) {
    const g = local * n + k;
    for (let j = 0; j < inputs; j++) factorA[k * inputs + j] = a[(g * inputs + j) * Q + q];
    for (let m = 0; m < outputs; m++) d[k * outputs + m] = delta[(g * outputs + m) * Q + q];
  }
  simd.sweepFactored(q, sweep, layer, n, false);
}

/** Φ_s·Δ_s for a dense (refined) Φ, with Δ_s = w_{s+1} − w_s rounded to float32 as recorded. */
function denseDotIncrement(run: LoadedRun, dense: Float32Array, s: number, P: number): number {
  const w = run.path.weights;
  let dot = 0;
  for (let p = 0; p < P; p++) dot += dense[p] * Math.fround(w[(s + 1) * P + p] - w[s * P + p]);
  return dot;
}

/**
 * The per-step quadrature check with Φ_s·Δ_s from the query factors, and its refinement
 * (stepRefinement.ts); a refined dense Φ goes into `refinedPhi` (key step·Q + row).
 */
function refine(
  run: LoadedRun,
  block: QueryBlock,
  qf: QueryFactors,
  s0: number,
  c: number,
  endpoints: Float64Array,
  kinks: Uint8Array | null,
  scale: number[],
  options: ExplainBlockOptions,
  quadratureError: Float64Array,
  refinedPhi: Map<number, Float32Array>,
): number {
  const P = run.layout.parameterCount;
  const Q = block.count;
  const window = { run, block, s0, c, endpoints, kinks, scale, options, integrator: wasmSegmentIntegrator(run, block) };
  const increment = (s: number, q: number): number => qf.incrementDots[(s - s0) * Q + q];
  return checkAndRefineSteps(window, quadratureError, increment, ({ step, row }, values) => {
    const dense = values.slice();
    refinedPhi.set(step * Q + row, dense);
    return denseDotIncrement(run, dense, step, P);
  });
}
