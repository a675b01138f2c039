import * as tf from '@tensorflow/tfjs-core';
import { tidyRead } from '../../model/tidyRead';
import { factorWidth } from '../../model/parameterLayout';
import type { LoadedRun } from '../shared/loadedRun';
import { endpointOutputs, stepGradients } from './tensorQuerySide';
import { newSweepCarry, stepCoefficient, sweepChunk, type SweepInput } from '../shared/optimizerSweep';
import { sliceFactors, type TrainingFactors } from '../shared/trainingFactors';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { throwIfCancelled } from '../../errors';
import { checkAndRefineSteps } from '../shared/stepRefinement';
import type { ExplainBlockOptions, QueryBlock, RawExplanation } from '../shared/blockTypes';
import { rawExplanations, StepTraces } from '../shared/rawExplanations';
import { topIndices } from '../shared/topRows';
import { tensorSegmentIntegrator } from './tensorSegmentIntegrator';
import { kinkSteps } from './kinkDetection';
import { batchedProductInto } from '../../kernels/batchedProduct';

const PHI_BUDGET = 48_000_000; // floats of Φ kept for every step (for K^p of the top rows)
const DOT_FLOATS = 8_000_000; // floats of one contraction pass with the training factors
const STEPS_PER_YIELD = 64;
const WINDOW_FLOATS = 4_000_000; // floats of a chunk's Φ (its kinked pairs' piecewise Φ is held in float64 beside it)

/**
 * Explains a block of rows exactly (path-kernel.md §2–3, §5): Φ per step by quadrature, refined where
 * the per-step check fails, the optimizer's reverse sweep, and a contraction with the per-example
 * training factors, all accumulated in float64.
 */
export async function explainBlock(
  run: LoadedRun,
  factors: TrainingFactors,
  block: QueryBlock,
  options: ExplainBlockOptions,
): Promise<RawExplanation[]> {
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const Q = block.count;
  const N = run.record.trainRows;
  const endpoints = endpointOutputs(run, block);
  const kinks = options.leftPointOnly ? null : kinkSteps(run, block);
  const sweepInput: SweepInput = {
    optimizer: run.optimizer,
    learningRates: run.path.learningRates,
    adamV: run.path.adamV,
    batchSizes: run.batchSizes,
    parameterCount: P,
    queries: Q,
  };
  const carry = newSweepCarry(sweepInput);
  const gradients = factors.gradients();
  const contributions = Array.from({ length: Q }, () => new Float64Array(N));
  const quadratureError = new Float64Array(Q);
  let refinedSteps = 0;
  const traces = new StepTraces(options.traceRows);
  // Φ is kept for the steps where the top rows appear (for K^p), so hold it all when it fits.
  const keepPhi = T * Q * P <= PHI_BUDGET;
  const phiAll = keepPhi ? new Float32Array(T * Q * P) : null;
  // At most STEPS_PER_YIELD steps (and WINDOW_FLOATS of Φ) between two turns of the event loop: the engine keeps
  // answering other requests, a cancellation among them.
  const chunk = Math.max(1, Math.min(T, STEPS_PER_YIELD, Math.floor(WINDOW_FLOATS / (Q * P))));
  const scale = Array.from({ length: Q }, (_, q) => Math.max(Math.abs(endpoints[T * Q + q] - endpoints[q]), 0.01));

  // Chunks of steps from the last to the first, because the optimizer sweep runs backwards.
  for (let end = T; end > 0; end -= chunk) {
    throwIfCancelled(options.signal);
    const s0 = Math.max(0, end - chunk);
    const c = end - s0;
    const phi = options.leftPointOnly ? leftPointGradients(run, block, s0, c) : chunkGradients(run, block, s0, c, options.nodes, kinks);
    if (!options.leftPointOnly) refinedSteps += refine(run, block, phi, s0, c, endpoints, kinks, scale, options, quadratureError);
    if (phiAll) phiAll.set(phi, s0 * Q * P);
    const u = sweepChunk(sweepInput, phi, s0, c, carry);
    contract(run, sweepInput, factors, gradients, u, s0, c, contributions, traces);
    await yieldToEventLoop();
  }
  const kernels = contributions.map((c, q) =>
    phiAll ? pathKernelForTop(run, block, q, c, phiAll, options.kernelTop) : new Map<number, number>(),
  );
  return rawExplanations({ endpoints, steps: T, contributions, quadratureError, refinedSteps, kernels, traces });
}

/**
 * Φ by quadrature for the steps [s0, s0 + c), [c, Q, P], left zero at the steps where every row kinks: those are
 * integrated piecewise between their kinks (kinkDetection.ts) and their quadrature would be thrown away.
 */
function chunkGradients(run: LoadedRun, block: QueryBlock, s0: number, c: number, nodes: number, kinks: Uint8Array | null): Float32Array {
  const Q = block.count;
  const P = run.layout.parameterCount;
  const steps: number[] = [];
  for (let s = s0; s < s0 + c; s++) if (kinks === null || !kinks.subarray(s * Q, (s + 1) * Q).every((k) => k === 1)) steps.push(s);
  if (steps.length === c) return stepGradients(run, block, steps, nodes);
  const phi = new Float32Array(c * Q * P);
  if (steps.length === 0) return phi;
  const some = stepGradients(run, block, steps, nodes);
  steps.forEach((s, k) => phi.set(some.subarray(k * Q * P, (k + 1) * Q * P), (s - s0) * Q * P));
  return phi;
}

/** c_i −= coef_r · g_{i,r} · u_r for the steps r of [s0, s0 + c), u from the sweep [c, Q, P]. */
function contract(
  run: LoadedRun,
  sweepInput: SweepInput,
  factors: TrainingFactors,
  gradients: Float32Array | null,
  u: Float32Array,
  s0: number,
  c: number,
  contributions: Float64Array[],
  traces: StepTraces,
): void {
  const P = run.layout.parameterCount;
  const W = run.path.batchWidth;
  const Q = contributions.length;
  const terms = new Float32Array(c * W * Q);
  // With the cached per-example gradients, terms[r, b, q] = g_{b,r} · u_{r,q}: one SIMD product per step on the plain
  // arrays (for a few queries, dot products of rows), without copying the gradients into a tensor first.
  if (gradients)
    batchedProductInto(
      gradients.subarray(s0 * W * P, (s0 + c) * W * P),
      u.subarray(0, c * Q * P),
      { aBatch: c, bBatch: c, M: W, K: P, N: Q, transposeA: false, transposeB: true },
      terms,
    );
  else {
    // The factored contraction holds [steps, W, Q, out] per layer (a conv layer's out is positions × filters): a few
    // steps a pass.
    const dotSteps = Math.max(1, Math.floor(DOT_FLOATS / (W * Q * factorWidth(run.layout))));
    for (let k = 0; k < c; k += dotSteps) {
      const m = Math.min(dotSteps, c - k);
      const part = tidyRead(() =>
        run.network.gradientDot(tf.tensor3d(u.subarray(k * Q * P, (k + m) * Q * P), [m, Q, P]), sliceFactors(factors, s0 + k, m)),
      );
      terms.set(part, k * W * Q);
    }
  }
  for (let local = 0; local < c; local++) {
    const r = s0 + local;
    const coef = stepCoefficient(sweepInput, r);
    for (let b = 0; b < W; b++) {
      const i = run.path.batches[r * W + b];
      if (i < 0) continue;
      for (let q = 0; q < Q; q++) {
        const value = -coef * terms[(local * W + b) * Q + q];
        contributions[q][i] += value;
        if (q === 0 && traces.has(i)) traces.record(i, r, value);
      }
    }
  }
}

/** φ at the left end of each step only (no quadrature). */
function leftPointGradients(run: LoadedRun, block: QueryBlock, s0: number, c: number): Float32Array {
  const P = run.layout.parameterCount;
  const pairs: { step: number; row: number }[] = [];
  for (let s = s0; s < s0 + c; s++) for (let q = 0; q < block.count; q++) pairs.push({ step: s, row: q });
  // A composite rule with one node at t = 0 is not Gauss; evaluate directly at w_s instead.
  const phi = new Float32Array(c * block.count * P);
  const values = tidyRead(() => {
    const F = run.data.featureCount;
    const C = run.outputCount;
    const weights = tf.tensor2d(run.path.weights.subarray(s0 * P, (s0 + c) * P), [c, P]);
    const pass = run.network.forward(weights, tf.tensor3d(block.x, [1, block.count, F]));
    const grad = tf.broadcastTo(tf.tensor3d(block.e, [1, block.count, C]), [c, block.count, C]) as tf.Tensor3D;
    const factors = run.network.factors(pass, weights, grad);
    const grouped = factors.map((f) => ({
      a: tf.reshape(f.a, [c * block.count, 1, f.a.shape[2]]) as tf.Tensor3D,
      delta: tf.reshape(f.delta, [c * block.count, 1, f.delta.shape[2]]) as tf.Tensor3D,
    }));
    return run.network.summedGradient(grouped);
  });
  phi.set(values);
  return phi;
}

/**
 * The per-step quadrature check with Φ_s·Δ_s from this chunk's Φ (Δ_s in float64), and its refinement
 * (stepRefinement.ts); a refined Φ replaces the chunk's. Returns how many steps were refined.
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
): number {
  const P = run.layout.parameterCount;
  const Q = block.count;
  const w = run.path.weights;
  const increment = (s: number, q: number): number => {
    const base = ((s - s0) * Q + q) * P;
    let dot = 0;
    for (let p = 0; p < P; p++) dot += phi[base + p] * (w[(s + 1) * P + p] - w[s * P + p]);
    return dot;
  };
  const window = { run, block, s0, c, endpoints, kinks, scale, options, integrator: tensorSegmentIntegrator(run, block) };
  return checkAndRefineSteps(window, quadratureError, increment, ({ step, row }, dense) => {
    phi.set(dense, ((step - s0) * Q + row) * P);
    return increment(step, row);
  });
}

/**
 * K^p(x, x_i) = Σ_{s: i∈B_s} (η_s/|B_s|) Φ_s(x) · φ(x_i; w_s) for the top rows by |c_i|: the
 * training side's gradient of the explained output (not the loss), one more backward pass per step.
 */
function pathKernelForTop(
  run: LoadedRun,
  block: QueryBlock,
  q: number,
  contributions: Float64Array,
  phiAll: Float32Array,
  top: number,
): Map<number, number> {
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const Q = block.count;
  const order = topIndices(contributions, top);
  const pairs: { i: number; s: number }[] = [];
  for (const i of order) for (const s of run.stepsOf[i]) pairs.push({ i, s });
  const kernel = new Map<number, number>(order.map((i) => [i, 0]));
  if (pairs.length === 0) return kernel;
  const G = pairs.length;
  const grads = tidyRead(() => {
    const weights = new Float32Array(G * P);
    const xs = new Float32Array(G * F);
    pairs.forEach(({ i, s }, j) => {
      weights.set(run.path.weights.subarray(s * P, (s + 1) * P), j * P);
      xs.set(run.data.trainX.subarray(i * F, (i + 1) * F), j * F);
    });
    const w = tf.tensor2d(weights, [G, P]);
    const pass = run.network.forward(w, tf.tensor3d(xs, [G, 1, F]));
    const e = tf.broadcastTo(tf.tensor3d(block.e.subarray(q * C, (q + 1) * C), [1, 1, C]), [G, 1, C]) as tf.Tensor3D;
    return run.network.summedGradient(run.network.factors(pass, w, e));
  });
  pairs.forEach(({ i, s }, j) => {
    const base = (s * Q + q) * P;
    let dot = 0;
    for (let p = 0; p < P; p++) dot += phiAll[base + p] * grads[j * P + p];
    kernel.set(i, (kernel.get(i) as number) + (run.path.learningRates[s] / run.batchSizes[s]) * dot);
  });
  return kernel;
}
