import { gaussLegendre } from './gaussLegendre';
import type { LoadedRun } from './loadedRun';
import type { PathIndex } from './pathIndex';
import { queryFactors, type QueryFactors, type Rule } from './queryFactors';
import { refinedSegmentGradients, type QueryBlock } from './querySide';
import { contractStep } from './stepContraction';
import { kinkAwareSegmentGradients, kinkSteps } from './kinkDetection';
import { pathKernelForTops } from './pathKernelTop';
import { SimdContraction } from './simd/simdContraction';
import { topIndices, type ExplainBlockOptions, type RawExplanation } from './explainBlock';

/** Below this many queries a step is contracted query by query with the SIMD kernel, else by one matmul. */
const SIMD_BELOW = 8;
const simdKernels = new WeakMap<PathIndex, SimdContraction>();

function simdFor(index: PathIndex, P: number, W: number): SimdContraction {
  let kernel = simdKernels.get(index);
  if (!kernel) {
    kernel = new SimdContraction(index, P, W);
    simdKernels.set(index, kernel);
  }
  return kernel;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Floats of Φ/U held per chunk of steps ([c, P, Q]). */
const CHUNK_FLOATS = 8_000_000;

/**
 * The fast form of `explainBlock` (same numbers, path-kernel.md §2–3, §5): query factors for a chunk
 * of steps from one batched pass, Φ and the optimizer's reverse sweep in place in typed arrays with
 * the query index fastest ([c, P, Q]), and per step one contraction of U_r with the batch's factors.
 * Sums over steps and examples stay float64.
 */
export async function explainBlockFast(run: LoadedRun, index: PathIndex, block: QueryBlock, options: ExplainBlockOptions): Promise<RawExplanation[]> {
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const Q = block.count;
  const N = run.record.trainRows;
  const W = run.path.batchWidth;
  const F = run.data.featureCount;
  const rule: Rule = options.leftPointOnly ? { nodes: [0], weights: [1] } : gaussLegendre(options.nodes);
  const n = rule.nodes.length;
  const { name, momentum, nesterov, beta1 } = run.optimizer;
  const decay = name === 'adam' ? beta1 : name === 'momentum' ? momentum : 0;

  const endpoints = new Float64Array((T + 1) * Q);
  const ends = queryFactors(run, block, [], rule, [0, T]).endpoints;
  const kinks = options.leftPointOnly ? null : kinkSteps(run, block);
  const scale = Array.from({ length: Q }, (_, q) => Math.max(Math.abs(ends[Q + q] - ends[q]), 0.01));
  const contributions = Array.from({ length: Q }, () => new Float64Array(N));
  const quadratureError = new Float64Array(Q);
  let refinedSteps = 0;
  const refinedPhi = new Map<number, Float32Array>();
  const traceRows = new Set(options.traceRows ?? []);
  const traces = new Map<number, { steps: number[]; contributions: number[] }>();
  for (const i of traceRows) traces.set(i, { steps: [], contributions: [] });

  const xT = new Float32Array(F * Q);
  for (let q = 0; q < Q; q++) for (let f = 0; f < F; f++) xT[f * Q + q] = block.x[q * F + f];
  const chunk = Math.max(1, Math.min(T, Math.floor(CHUNK_FLOATS / (P * Q)), 256));
  const buffer = new Float32Array(Math.min(chunk, T) * P * Q);
  const carry = new Float64Array(P * Q);
  const terms = new Float64Array(W * Q);

  for (let end = T; end > 0; end -= chunk) {
    if (options.signal?.aborted) throw new Error('cancelled');
    const s0 = Math.max(0, end - chunk);
    const c = end - s0;
    const steps = Array.from({ length: c }, (_, k) => s0 + k);
    const qf = queryFactors(run, block, steps, rule, [...steps, end]);
    for (let k = 0; k < (c + 1) * Q; k++) endpoints[s0 * Q + k] = qf.endpoints[k];
    buildPhi(run, qf, xT, n, c, Q, buffer);
    if (!options.leftPointOnly) {
      refinedSteps += refine(run, block, buffer, s0, c, endpoints, kinks, scale, options, quadratureError, refinedPhi);
    }
    // Reverse sweep in place: buffer turns from Φ into U (optimizerSweep.ts, same recurrences).
    for (let local = c - 1; local >= 0; local--) {
      const r = s0 + local;
      const eta = run.path.learningRates[r];
      const base = local * P * Q;
      const diag = index.stepScale;
      for (let p = 0; p < P; p++) {
        const d = diag ? diag[r * P + p] : eta;
        const o = base + p * Q;
        const cb = p * Q;
        if (name === 'sgd') {
          for (let q = 0; q < Q; q++) buffer[o + q] = d * buffer[o + q];
        } else if (name === 'momentum' && nesterov) {
          for (let q = 0; q < Q; q++) {
            const step = d * buffer[o + q];
            const next = step + decay * carry[cb + q];
            carry[cb + q] = next;
            buffer[o + q] = step + decay * next;
          }
        } else {
          for (let q = 0; q < Q; q++) {
            const next = d * buffer[o + q] + decay * carry[cb + q];
            carry[cb + q] = next;
            buffer[o + q] = next;
          }
        }
      }
      const coef = (name === 'adam' ? 1 - beta1 : 1) / run.batchSizes[r];
      if (Q < SIMD_BELOW) {
        const simd = simdFor(index, P, W);
        for (let q = 0; q < Q; q++) {
          if (Q === 1) simd.u.set(buffer.subarray(base, base + P));
          else for (let p = 0; p < P; p++) simd.u[p] = buffer[base + p * Q + q];
          const t = simd.contract(r);
          for (let b = 0; b < W; b++) terms[b * Q + q] = t[b];
        }
      } else {
        contractStep(index, r, W, buffer.subarray(base, base + P * Q), Q, P, terms);
      }
      for (let b = 0; b < W; b++) {
        const i = run.path.batches[r * W + b];
        if (i < 0) continue;
        for (let q = 0; q < Q; q++) contributions[q][i] -= coef * terms[b * Q + q];
        if (traceRows.has(i)) {
          const trace = traces.get(i) as { steps: number[]; contributions: number[] };
          trace.steps.push(r);
          trace.contributions.push(-coef * terms[b * Q]);
        }
      }
    }
    await yieldToEventLoop();
  }
  for (const trace of traces.values()) {
    trace.steps.reverse();
    trace.contributions.reverse();
  }
  const tops = contributions.map((c) => topIndices(c, options.kernelTop));
  const kernels = options.kernelTop > 0 ? pathKernelForTops(run, block, tops, rule, refinedPhi) : tops.map(() => new Map<number, number>());
  return contributions.map((c, q) => ({
    bias: endpoints[q],
    network: endpoints[T * Q + q],
    contributions: c,
    quadratureError: quadratureError[q],
    refinedSteps,
    kernel: kernels[q],
    traces: q === 0 ? traces : new Map(),
  }));
}

/**
 * Φ [c, P, Q] from node factors: per layer Σ_k a_k ⊗ δ_k (kernel) and Σ_k δ_k (bias). The first
 * layer's input is x at every node, so its block is x ⊗ Σ_k δ_k: the node sum comes first.
 */
export function buildPhi(run: LoadedRun, qf: QueryFactors, xT: Float32Array, n: number, c: number, Q: number, phi: Float32Array): void {
  const P = run.layout.parameterCount;
  const widest = Math.max(...run.layout.layers.map((l) => l.outputs));
  const dsum = new Float64Array(widest * Q);
  run.layout.layers.forEach((layer, l) => {
    const { inputs, outputs, kernelOffset, biasOffset } = layer;
    const a = qf.a[l];
    const delta = qf.delta[l];
    for (let local = 0; local < c; local++) {
      const base = local * P * Q;
      dsum.fill(0, 0, outputs * Q);
      for (let k = 0; k < n; k++) {
        const dOff = (local * n + k) * outputs * Q;
        for (let mq = 0; mq < outputs * Q; mq++) dsum[mq] += delta[dOff + mq];
      }
      for (let mq = 0; mq < outputs * Q; mq++) phi[base + biasOffset * Q + mq] = dsum[mq];
      if (a === null) {
        for (let j = 0; j < inputs; j++) {
          const o = base + (kernelOffset + j * outputs) * Q;
          const xo = j * Q;
          for (let m = 0; m < outputs; m++) {
            for (let q = 0; q < Q; q++) phi[o + m * Q + q] = xT[xo + q] * dsum[m * Q + q];
          }
        }
        continue;
      }
      const kernelBase = base + kernelOffset * Q;
      for (let k = 0; k < inputs * outputs * Q; k++) phi[kernelBase + k] = 0;
      for (let k = 0; k < n; k++) {
        const g = local * n + k;
        const aOff = g * inputs * Q;
        const dOff = g * outputs * Q;
        for (let j = 0; j < inputs; j++) {
          const o = kernelBase + j * outputs * Q;
          for (let m = 0; m < outputs; m++) {
            for (let q = 0; q < Q; q++) phi[o + m * Q + q] += a[aOff + j * Q + q] * delta[dOff + m * Q + q];
          }
        }
      }
    }
  });
}

/**
 * The per-step quadrature check r_s = [f_e(w_{s+1}) − f_e(w_s)] − Φ_s·Δ_s (path-kernel.md §5) and the
 * adaptive refinement of steps that fail it (4, 16, then 64 sub-segments), as in explainBlock.ts.
 */
function refine(
  run: LoadedRun,
  block: QueryBlock,
  phi: Float32Array,
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
  const T = run.path.steps;
  const residuals = new Float64Array(c * Q);
  const dots = new Float64Array(Q);
  for (let local = 0; local < c; local++) {
    const s = s0 + local;
    dots.fill(0);
    const base = local * P * Q;
    const w = run.path.weights;
    for (let p = 0; p < P; p++) {
      // The increment as a float64 difference of the recorded float32 weights, as the direct method.
      const d = w[(s + 1) * P + p] - w[s * P + p];
      const o = base + p * Q;
      for (let q = 0; q < Q; q++) dots[q] += phi[o + q] * d;
    }
    for (let q = 0; q < Q; q++) residuals[local * Q + q] = endpoints[(s + 1) * Q + q] - endpoints[s * Q + q] - dots[q];
  }
  const checkDense = (s: number, dense: Float32Array): number => {
    let dot = 0;
    const w = run.path.weights;
    for (let p = 0; p < P; p++) dot += dense[p] * (w[(s + 1) * P + p] - w[s * P + p]);
    return dot;
  };
  let pending: { step: number; row: number }[] = [];
  const kinked: { step: number; row: number }[] = [];
  for (let local = 0; local < c; local++) {
    const s = s0 + local;
    for (let q = 0; q < Q; q++) {
      const f0 = Math.abs(endpoints[s * Q + q]);
      const f1 = Math.abs(endpoints[(s + 1) * Q + q]);
      const threshold = Math.max((0.05 * options.tolerance * scale[q]) / T, 4e-7 * (1 + f0 + f1));
      if (kinks !== null && kinks[s * Q + q] === 1) kinked.push({ step: s, row: q });
      else if (Math.abs(residuals[local * Q + q]) > threshold) pending.push({ step: s, row: q });
    }
  }
  let refined = 0;
  // Steps where a ReLU flips along the segment: integrate piecewise between the kinks (kinkDetection.ts).
  if (kinked.length > 0) {
    refined += kinked.length;
    const exact = kinkAwareSegmentGradients(run, block, kinked, options.nodes);
    kinked.forEach(({ step, row }, j) => {
      const dense = exact.slice(j * P, (j + 1) * P);
      const base = (step - s0) * P * Q;
      for (let p = 0; p < P; p++) phi[base + p * Q + row] = dense[p];
      refinedPhi.set(step * Q + row, dense);
      residuals[(step - s0) * Q + row] = endpoints[(step + 1) * Q + row] - endpoints[step * Q + row] - checkDense(step, dense);
    });
  }
  for (const pieces of [4, 16, 64]) {
    if (pending.length === 0) break;
    refined += pending.length;
    const better = refinedSegmentGradients(run, block, pending, options.nodes, pieces);
    const still: { step: number; row: number }[] = [];
    pending.forEach(({ step, row }, j) => {
      const dense = better.slice(j * P, (j + 1) * P);
      const base = (step - s0) * P * Q;
      for (let p = 0; p < P; p++) phi[base + p * Q + row] = dense[p];
      refinedPhi.set(step * Q + row, dense);
      const k = (step - s0) * Q + row;
      const before = residuals[k];
      const r = endpoints[(step + 1) * Q + row] - endpoints[step * Q + row] - checkDense(step, dense);
      residuals[k] = r;
      if (Math.abs(r) > 1e-3 * Math.abs(before) + 1e-12 && Math.abs(r) > 4e-7 * (1 + Math.abs(endpoints[step * Q + row]))) still.push({ step, row });
    });
    pending = still;
  }
  for (let k = 0; k < c * Q; k++) quadratureError[k % Q] += Math.abs(residuals[k]);
  return refined;
}

