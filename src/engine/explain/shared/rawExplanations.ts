import type { RawExplanation, StepTrace } from './blockTypes';

/**
 * The per-step contributions of the traced training rows of a block's first query (the only one traced),
 * collected in whatever order a method visits the steps and handed out by ascending step.
 */
export class StepTraces {
  private readonly traces = new Map<number, StepTrace>();

  constructor(rows: readonly number[] = []) {
    for (const i of rows) this.traces.set(i, { steps: [], contributions: [] });
  }

  /** Cheap enough for the innermost loop: methods call `record` only when this is true. */
  has(row: number): boolean {
    return this.traces.has(row);
  }

  record(row: number, step: number, contribution: number): void {
    const trace = this.traces.get(row);
    if (trace === undefined) return;
    trace.steps.push(step);
    trace.contributions.push(contribution);
  }

  /** The traces by ascending step. */
  sorted(): Map<number, StepTrace> {
    for (const trace of this.traces.values()) {
      const order = trace.steps.map((_, k) => k).sort((a, b) => trace.steps[a] - trace.steps[b]);
      trace.steps = order.map((k) => trace.steps[k]);
      trace.contributions = order.map((k) => trace.contributions[k]);
    }
    return this.traces;
  }
}

/** What a method has accumulated for a block of Q rows. */
export interface BlockTotals {
  /** f_e(w_s) for s = 0..T, [(T+1), Q]; only s = 0 and s = T are read here. */
  endpoints: Float64Array;
  steps: number;
  contributions: Float64Array[];
  quadratureError: Float64Array;
  refinedSteps: number;
  kernels: Map<number, number>[];
  traces: StepTraces;
}

/** One RawExplanation per row of the block: bias f_e(w_0), network f_e(w_T), the traces on row 0. */
export function rawExplanations(totals: BlockTotals): RawExplanation[] {
  const Q = totals.contributions.length;
  const traces = totals.traces.sorted();
  return totals.contributions.map((contributions, q) => ({
    bias: totals.endpoints[q],
    network: totals.endpoints[totals.steps * Q + q],
    contributions,
    quadratureError: totals.quadratureError[q],
    refinedSteps: totals.refinedSteps,
    kernel: totals.kernels[q],
    traces: q === 0 ? traces : new Map(),
  }));
}
