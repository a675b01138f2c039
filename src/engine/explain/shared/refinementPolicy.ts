/**
 * When the per-step quadrature check r_s (path-kernel.md §5) asks for more quadrature. Shared by the
 * direct and the fast method so both refine the same steps.
 */

/** Relative float32 evaluation noise of f_e: below it, r_s says nothing about the quadrature. */
const NOISE = 4e-7;

/**
 * A step needs refining when |r_s| exceeds both its share of the tolerance budget (5% of the
 * tolerance, spread over T steps, in the row's scale) and the noise of evaluating f_e at both ends.
 */
export function needsRefinement(residual: number, f0: number, f1: number, tolerance: number, scale: number, steps: number): boolean {
  const threshold = Math.max((0.05 * tolerance * scale) / steps, NOISE * (1 + Math.abs(f0) + Math.abs(f1)));
  return Math.abs(residual) > threshold;
}

/** After a refinement: refine again only if |r| fell by less than 1000× and is still above noise. */
export function worthRefiningAgain(residual: number, before: number, f0: number): boolean {
  return Math.abs(residual) > 1e-3 * Math.abs(before) + 1e-12 && Math.abs(residual) > NOISE * (1 + Math.abs(f0));
}
