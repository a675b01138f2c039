/**
 * What both explanation methods (direct and fast) take and give for a block of query rows. They live
 * apart from either method so that neither, nor the workers or the refinement, depends on the other.
 */

/** Q query rows of one explanation block. */
export interface QueryBlock {
  /** Q rows of encoded inputs, row-major [Q, F]. */
  x: Float32Array;
  /** Q rows of the explained-output selector e, row-major [Q, C]. */
  e: Float32Array;
  count: number;
}

/** Per-step contributions of one traced training row, by ascending step. */
export interface StepTrace {
  steps: number[];
  contributions: number[];
}

/** The raw numbers of an explanation, in the model's own units (logits, standardized target). */
export interface RawExplanation {
  bias: number;
  network: number;
  /** c_i for every training row, float64. */
  contributions: Float64Array;
  /** Σ over steps of the quadrature check |r_s| after refinement (model units). */
  quadratureError: number;
  /** Steps refined adaptively. */
  refinedSteps: number;
  /** Path kernel K^p(x, x_i) for the requested training rows. */
  kernel: Map<number, number>;
  /** Per-step contribution of traced training rows. */
  traces: Map<number, StepTrace>;
}

export interface ExplainBlockOptions {
  nodes: number;
  tolerance: number;
  /** Drop the quadrature: left endpoint only (TracIn's first-order form), for comparisons. */
  leftPointOnly?: boolean;
  /** How many top rows (by |c|) get K^p and a_i. */
  kernelTop: number;
  /** Training rows whose per-step contributions are recorded (for one-query blocks). */
  traceRows?: number[];
  signal?: AbortSignal;
}
