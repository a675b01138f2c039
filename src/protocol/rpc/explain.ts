/** Requests that explain rows: the explanations themselves and one training row's contribution over the steps. */
import { NotificationType } from 'vscode-jsonrpc';
import { z } from 'zod';
import { LIMITS, TOLERANCE } from '../limits';
import type { ContributionTrace, Explanation, NeuronExplanation } from '../explanation';
import { EngineRequest } from './engineRequest';
import { explainQuery, filePath, integerIn, outputSelector, rowIndex } from './schemaParts';

/** A row to explain: of the run's train or test split, or of another CSV file (`split: 'input'`). */
export type ExplainQuery = z.infer<typeof explainQuery>;

export const explainParams = z.strictObject({
  runDir: filePath,
  queries: z
    .array(explainQuery)
    .min(LIMITS.queries.min, 'must hold at least one query')
    .max(LIMITS.queries.max, `holds more than ${LIMITS.queries.max} queries`),
  output: outputSelector.optional(),
  /** Top K contributions (default 10); ignored when `full`. */
  top: integerIn(LIMITS.top).optional(),
  full: z.boolean().optional(),
  quadratureNodes: integerIn(LIMITS.quadratureNodes).optional(),
  tolerance: z.number().positive().max(TOLERANCE.max).optional(),
  /** Echoed in every `explain/progress` (sent while a checkpointed run is replayed). */
  progressToken: z.string().min(1).max(64).optional(),
});
export type ExplainParams = z.infer<typeof explainParams>;
export interface ExplainResult {
  explanations: Explanation[];
}
export const explainRows = new EngineRequest<typeof explainParams, ExplainResult>('explain/rows', explainParams);

/** Sent while `explain/rows` replays a checkpointed run: after each segment of each pass. */
export interface ExplainProgress {
  token: string;
  /**
   * `contributions`: newest segment first (with the path kernels when the rows explain one or two logits);
   * `kernel`: the path kernel of the rows shown, a second and lighter replay when they explain more.
   */
  pass: 'contributions' | 'kernel';
  segment: number;
  segments: number;
}
export const explainProgress = new NotificationType<ExplainProgress>('explain/progress');

export const traceParams = z.strictObject({
  runDir: filePath,
  query: explainQuery,
  output: outputSelector.optional(),
  indices: z
    .array(rowIndex)
    .min(LIMITS.traceIndices.min)
    .max(LIMITS.traceIndices.max, `holds more than ${LIMITS.traceIndices.max} indices`),
});
export type TraceParams = z.infer<typeof traceParams>;

/** One unit's weight change as a sum over the training examples (`kernel-lens neuron`). */
export const neuronParams = z.strictObject({
  runDir: filePath,
  /** The 0-based index of a dense or conv2d layer in `model.layers` (RunInfo `weightLayers`). */
  layer: integerIn(LIMITS.neuronLayer),
  unit: integerIn(LIMITS.neuronUnit),
  /** Examples listed (default 10). */
  top: integerIn(LIMITS.top).optional(),
});
export type NeuronParams = z.infer<typeof neuronParams>;
export const explainNeuron = new EngineRequest<typeof neuronParams, NeuronExplanation>('explain/neuron', neuronParams);
export const traceContribution = new EngineRequest<typeof traceParams, ContributionTrace[]>('explain/trace', traceParams);
