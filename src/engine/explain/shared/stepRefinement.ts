import type { LoadedRun } from './loadedRun';
import type { ExplainBlockOptions, QueryBlock } from './blockTypes';
import { needsRefinement, worthRefiningAgain } from './refinementPolicy';

export type StepRow = { step: number; row: number };

/** How a method computes a dense Φ over a step's segment for (step, row) pairs: Float32Array [pairs, P]. */
export interface SegmentIntegrator {
  /** Piecewise between the ReLU kinks of the segment, `nodes` Gauss–Legendre nodes per piece. */
  kinkAware(pairs: StepRow[], nodes: number): Float32Array;
  /** `pieces` equal sub-segments, `nodes` nodes each. */
  composite(pairs: StepRow[], nodes: number, pieces: number): Float32Array;
}

/** Steps [s0, s0 + c) of a block, with the endpoint outputs f_e(w_s) [(T+1), Q] and each row's scale. */
export interface StepWindow {
  run: LoadedRun;
  block: QueryBlock;
  s0: number;
  c: number;
  endpoints: Float64Array;
  /** [T, Q] ReLU pattern changes, or null. */
  kinks: Uint8Array | null;
  scale: number[];
  options: ExplainBlockOptions;
  integrator: SegmentIntegrator;
  /** Steps of the whole run (`run` may be one replayed segment of it): each step's share of the tolerance. */
  totalSteps?: number;
}

/**
 * The refinement driven by the per-step quadrature check (path-kernel.md §5), shared by the direct and
 * the fast method: kinked ReLU steps are integrated piecewise between their kinks, steps failing the
 * check get 4, 16, then 64 sub-segments. `residuals` [c, Q] holds r_s on entry and after; `accept`
 * takes a refined dense Φ for a (step, row), stores it the method's way and returns the new r_s.
 * Adds Σ|r_s| per row to `quadratureError`; returns how many (step, row) refinements were made.
 */
export function refineSteps(
  window: StepWindow,
  residuals: Float64Array,
  quadratureError: Float64Array,
  accept: (pair: StepRow, phi: Float32Array) => number,
): number {
  const { run, block, s0, c, endpoints, kinks, scale, options, integrator } = window;
  const P = run.layout.parameterCount;
  const Q = block.count;
  const T = window.totalSteps ?? run.path.steps;
  let pending: StepRow[] = [];
  const kinked: StepRow[] = [];
  for (let s = s0; s < s0 + c; s++) {
    for (let q = 0; q < Q; q++) {
      if (kinks !== null && kinks[s * Q + q] === 1) kinked.push({ step: s, row: q });
      else if (
        needsRefinement(residuals[(s - s0) * Q + q], endpoints[s * Q + q], endpoints[(s + 1) * Q + q], options.tolerance, scale[q], T)
      )
        pending.push({ step: s, row: q });
    }
  }
  let refined = 0;
  if (kinked.length > 0) {
    refined += kinked.length;
    const exact = integrator.kinkAware(kinked, options.nodes);
    kinked.forEach((pair, j) => {
      residuals[(pair.step - s0) * Q + pair.row] = accept(pair, exact.subarray(j * P, (j + 1) * P));
    });
  }
  for (const pieces of [4, 16, 64]) {
    if (pending.length === 0) break;
    refined += pending.length;
    const better = integrator.composite(pending, options.nodes, pieces);
    const still: StepRow[] = [];
    pending.forEach((pair, j) => {
      const k = (pair.step - s0) * Q + pair.row;
      const before = residuals[k];
      residuals[k] = accept(pair, better.subarray(j * P, (j + 1) * P));
      if (worthRefiningAgain(residuals[k], before, endpoints[pair.step * Q + pair.row])) still.push(pair);
    });
    pending = still;
  }
  for (let k = 0; k < c * Q; k++) quadratureError[k % Q] += Math.abs(residuals[k]);
  return refined;
}

/**
 * The per-step quadrature check r_s = [f_e(w_{s+1}) − f_e(w_s)] − Φ_s·Δ_s (path-kernel.md §5) over a
 * window, then `refineSteps`. Each method says how it forms Φ_s·Δ_s (`increment`, for step s and row q)
 * and how it keeps a refined Φ (`accept`, which returns the new Φ_s·Δ_s).
 */
export function checkAndRefineSteps(
  window: StepWindow,
  quadratureError: Float64Array,
  increment: (step: number, row: number) => number,
  accept: (pair: StepRow, phi: Float32Array) => number,
): number {
  const { s0, c, endpoints } = window;
  const Q = window.block.count;
  const change = (s: number, q: number): number => endpoints[(s + 1) * Q + q] - endpoints[s * Q + q];
  const residuals = new Float64Array(c * Q);
  for (let s = s0; s < s0 + c; s++) for (let q = 0; q < Q; q++) residuals[(s - s0) * Q + q] = change(s, q) - increment(s, q);
  return refineSteps(window, residuals, quadratureError, (pair, phi) => change(pair.step, pair.row) - accept(pair, phi));
}
