import { explainWithIndex, type IndexedRun } from '../explain/explainService';
import { throwIfCancelled } from '../errors';

/**
 * What only a kernel machine offers: a training row's prediction without its own contribution. The network's output
 * is exactly b + Σ_j c_j(x_i), so f(x_i) − c_i(x_i) is the output the rest of the training set (and the
 * initialization) gives the row, a leave-one-out-style prediction from the same model and the same training run.
 * Explained per class: z_k(x_i) − c_i^{(k)}(x_i) for every class k (one log-odds for a binary task).
 */
export interface LeaveSelfOut {
  /** The training rows computed (all by default), in the order of the arrays below. */
  rows: number[];
  /** [N, K] leave-self-out outputs in the model's units (logits; K = 1 log-odds of the second class for binary). */
  outputs: Float64Array;
  /** [N, K] the network's own outputs, for comparison. */
  network: Float64Array;
  /** Outputs per row (classes, or 1 for binary). */
  width: number;
  /** [N] the probability the leave-self-out prediction gives each row's own label. */
  labelProbability: Float64Array;
  /** [N] −log of that probability, computed from the outputs without rounding (it ranks rows whose p is below 1e-16). */
  labelSurprise: Float64Array;
  /** [N] the class the rest of the training set votes for, and its probability. */
  suggested: Int32Array;
  suggestedProbability: Float64Array;
  /** [N] the row's own contribution to its label's output as a share of all contributions' magnitudes, Σ_j |c_j|. */
  selfShare: Float64Array;
}

/** Explanations per block of training rows (each one full explanation of a class output). */
const ROWS_PER_CALL = 192;

/** Leave-self-out predictions of the listed training rows (default: all); N below is their count. */
export async function leaveSelfOut(indexed: IndexedRun, options: { rows?: number[]; signal?: AbortSignal } = {}): Promise<LeaveSelfOut> {
  const { run } = indexed;
  const { signal } = options;
  const { task, classes } = run.record.preprocessing;
  if (task === 'regression' || !classes) throw new Error('leave-self-out predictions need a classification run');
  const listed = options.rows ?? Array.from({ length: run.record.trainRows }, (_, i) => i);
  const N = listed.length;
  const width = task === 'binary' ? 1 : classes.length;
  const explained = task === 'binary' ? [classes[1]] : classes;
  const outputs = new Float64Array(N * width);
  const network = new Float64Array(N * width);
  const selfShare = new Float64Array(N);
  for (let k = 0; k < width; k++)
    await explainTrainRows(indexed, listed, explained[k], signal, (i, row, output, contributions) => {
      network[i * width + k] = output;
      outputs[i * width + k] = output - contributions[row];
      const y = run.data.trainY[row];
      if (width === 1 || k === y) selfShare[i] = ownShare(contributions, row, width === 1 && y === 0);
    });
  const labelProbability = new Float64Array(N);
  const labelSurprise = new Float64Array(N);
  const suggested = new Int32Array(N);
  const suggestedProbability = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const logP = logProbabilities(outputs.subarray(i * width, (i + 1) * width));
    const y = run.data.trainY[listed[i]];
    labelSurprise[i] = -logP[y];
    labelProbability[i] = Math.exp(logP[y]);
    const best = logP.indexOf(Math.max(...logP));
    suggested[i] = best;
    suggestedProbability[i] = Math.exp(logP[best]);
  }
  return { rows: listed, outputs, network, width, labelProbability, labelSurprise, suggested, suggestedProbability, selfShare };
}

/**
 * The row's own contribution to its label's output as a share of Σ_j |c_j|: the label's logit, or the log-odds of
 * the label (the second class's log-odds, negated for the first: `negate`).
 */
function ownShare(contributions: Float64Array, row: number, negate: boolean): number {
  let total = 0;
  for (let i = 0; i < contributions.length; i++) total += Math.abs(contributions[i]);
  return ((negate ? -1 : 1) * contributions[row]) / Math.max(total, 1e-30);
}

/**
 * Every training row's `selfShare` alone: one explanation per row (of its own label's output), not one per class.
 * [N] in training-row order.
 */
export async function selfShares(indexed: IndexedRun, signal?: AbortSignal): Promise<Float64Array> {
  const { run } = indexed;
  const { task, classes } = run.record.preprocessing;
  if (task === 'regression' || !classes) throw new Error('self-shares need a classification run');
  const N = run.record.trainRows;
  const shares = new Float64Array(N);
  // Rows grouped by the output explained: each label's logit, or the one log-odds of a binary task.
  const groups =
    task === 'binary'
      ? [{ cls: classes[1], rows: Array.from({ length: N }, (_, i) => i) }]
      : classes.map((cls, k) => ({ cls, rows: [] as number[], k }));
  if (task !== 'binary') for (let i = 0; i < N; i++) groups[run.data.trainY[i]].rows.push(i);
  for (const { cls, rows } of groups)
    await explainTrainRows(indexed, rows, cls, signal, (_i, row, _output, contributions) => {
      shares[row] = ownShare(contributions, row, task === 'binary' && run.data.trainY[row] === 0);
    });
  return shares;
}

/**
 * Explains the output of class `cls` for each listed training row, ROWS_PER_CALL rows an explanation call, and hands
 * each row's network output and contributions (of every training row) to `visit` with the row's place in the list.
 */
async function explainTrainRows(
  indexed: IndexedRun,
  rows: readonly number[],
  cls: string,
  signal: AbortSignal | undefined,
  visit: (i: number, row: number, output: number, contributions: Float64Array) => void,
): Promise<void> {
  for (let r0 = 0; r0 < rows.length; r0 += ROWS_PER_CALL) {
    throwIfCancelled(signal);
    const part = rows.slice(r0, r0 + ROWS_PER_CALL);
    const { raw } = await explainWithIndex(
      indexed,
      part.map((row) => ({ split: 'train' as const, row })),
      { output: { kind: 'class', class: cls }, top: 1, signal },
    );
    part.forEach((row, j) => visit(r0 + j, row, raw[j].network, raw[j].contributions));
  }
}

/** log p per class from logits (log-softmax), or from one log-odds z of the second class: [−softplus(z), −softplus(−z)]. */
function logProbabilities(z: ArrayLike<number>): number[] {
  const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  if (z.length === 1) return [-softplus(z[0]), -softplus(-z[0])];
  const max = Math.max(...Array.from(z));
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += Math.exp(z[c] - max);
  const logSum = max + Math.log(sum);
  return Array.from(z, (v) => v - logSum);
}
