import type { ContributionTrace, ExplainParams, ExplainResult, TraceParams } from '../../protocol';

/** STUB: being written (engine core). Explains rows of a run; checks `signal` between steps. */
export async function explainRows(params: ExplainParams, options: { signal?: AbortSignal } = {}): Promise<ExplainResult> {
  void params;
  void options;
  throw new Error('not implemented yet');
}
export async function traceContributions(params: TraceParams, options: { signal?: AbortSignal } = {}): Promise<ContributionTrace[]> {
  void params;
  void options;
  throw new Error('not implemented yet');
}
