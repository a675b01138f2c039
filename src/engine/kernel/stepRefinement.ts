import type { LoadedRun } from './loadedRun';
import type { ExplainBlockOptions } from './explainBlock';
import { kinkAwareSegmentGradients } from './kinkDetection';
import { refinedSegmentGradients, type QueryBlock } from './querySide';
import { needsRefinement, worthRefiningAgain } from './refinementPolicy';

export type StepRow = { step: number; row: number };

/** How a method computes a dense Φ over a step's segment for (step, row) pairs: Float32Array [pairs, P]. */
export interface SegmentIntegrator {
  /** Piecewise between the ReLU kinks of the segment, `nodes` Gauss–Legendre nodes per piece. */
  kinkAware(pairs: StepRow[], nodes: number): Float32Array;
  /** `pieces` equal sub-segments, `nodes` nodes each. */
  composite(pairs: StepRow[], nodes: number, pieces: number): Float32Array;
}

/** The direct method's integrator: batched TensorFlow.js passes (float32). */
export function tensorSegmentIntegrator(run: LoadedRun, block: QueryBlock): SegmentIntegrator {
  return {
    kinkAware: (pairs, nodes) => kinkAwareSegmentGradients(run, block, pairs, nodes),
    composite: (pairs, nodes, pieces) => refinedSegmentGradients(run, block, pairs, nodes, pieces),
  };
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
}

/**
 * The refinement driven by the per-step quadrature check (path-kernel.md §5), shared by the direct and
 * the fast method: kinked ReLU steps are integrated piecewise between their kinks, steps failing the
 * check get 4, 16, then 64 sub-segments. `residuals` [c, Q] holds r_s on entry and after; `accept`
 * takes a refined dense Φ for a (step, row), stores it the method's way and returns the new r_s.
 * Adds Σ|r_s| per row to `quadratureError`; returns how many (step, row) refinements were made.
 */
export function refineSteps(window: StepWindow, residuals: Float64Array, quadratureError: Float64Array, accept: (pair: StepRow, phi: Float32Array) => number): number {
  const { run, block, s0, c, endpoints, kinks, scale, options, integrator } = window;
  const P = run.layout.parameterCount;
  const Q = block.count;
  const T = run.path.steps;
  let pending: StepRow[] = [];
  const kinked: StepRow[] = [];
  for (let s = s0; s < s0 + c; s++) {
    for (let q = 0; q < Q; q++) {
      if (kinks !== null && kinks[s * Q + q] === 1) kinked.push({ step: s, row: q });
      else if (needsRefinement(residuals[(s - s0) * Q + q], endpoints[s * Q + q], endpoints[(s + 1) * Q + q], options.tolerance, scale[q], T)) pending.push({ step: s, row: q });
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
