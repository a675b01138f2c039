import * as tf from '@tensorflow/tfjs-core';
import { finalWeights } from '../explain/shared/loadedRun';
import { isImageFolderRun } from '../run/runRecord';
import type { SuspectRow, SuspectScoring, SuspectsResult } from '../../protocol';
import { indexedRun, type IndexedRun } from '../explain/explainService';
import { rankByScore } from './rankingMetrics';
import { pathScores, selfInfluenceScores } from './selfInfluence';
import { leaveSelfOut, selfShares, type LeaveSelfOut } from './leaveSelfOut';
import { isDenseOnly } from '../model/parameterLayout';
import { throwIfCancelled, UserError } from '../errors';

/**
 * Chosen by `npm run eval` (mean AUROC with 10% flips; docs/trust-evaluation.md): a row that its own explanation
 * leans on, that pulled hard on itself, and that the network fitted late or never, is suspect. `self-share-loss`
 * ranks by TracIn's self-influence times the row's share of its own explanation, c_i(x_i) / Σ_j |c_j(x_i)| (an exact
 * path-kernel quantity a loss or a gradient norm cannot see), times its mean loss along the path (`path-loss`).
 * It needs one explanation per training row, so runs explained by the tensor method (CNNs) and regression runs
 * take FALLBACK_SCORING.
 */
export const DEFAULT_SCORING: SuspectScoring = 'self-share-loss';
export const FALLBACK_SCORING: SuspectScoring = 'tracin';

/** The first rows of a ranking that carry a suggested label (one explanation per row and class each). */
export const SUGGESTED_ROWS = 100;

/** Whether a run's own explanations are affordable for every row: a classification run of the fast (dense) method. */
export function hasLeaveSelfOut(run: IndexedRun['run']): boolean {
  return run.record.task !== 'regression' && isDenseOnly(run.layout);
}

/**
 * Every training row's suspicion under a scoring (higher = more suspicious). `lso`: leave-self-out predictions of
 * every row already computed (they hold the self-shares too), else computed here when the scoring needs them.
 */
export async function suspicionScores(
  indexed: IndexedRun,
  scoring: SuspectScoring,
  options: { signal?: AbortSignal; lso?: LeaveSelfOut } = {},
): Promise<{ scores: Float64Array; lso: LeaveSelfOut | null }> {
  const { signal } = options;
  const { run } = indexed;
  const needsExplanations = scoring === 'leave-self-out' || scoring === 'self-share' || scoring === 'self-share-loss';
  if (needsExplanations && !hasLeaveSelfOut(run))
    throw new UserError(
      run.record.task === 'regression'
        ? `the ${scoring} scoring needs a classification run; use --scoring tracin, adam, path-loss or loss`
        : `the ${scoring} scoring needs a dense network (a convolutional run would take one explanation per row); use --scoring tracin, adam, path-loss or loss`,
    );
  if (scoring === 'leave-self-out') {
    const lso = options.lso ?? (await leaveSelfOut(indexed, { signal }));
    return { scores: lso.labelSurprise, lso };
  }
  if (scoring === 'self-share' || scoring === 'self-share-loss') {
    const shares = options.lso?.selfShare ?? (await selfShares(indexed, signal));
    const [tracin, losses] = await pathScores(indexed, scoring === 'self-share-loss' ? ['tracin', 'path-loss'] : ['tracin'], signal);
    const scores = Float64Array.from(tracin, (v, i) => v * Math.max(shares[i], 0) * (losses ? losses[i] : 1));
    return { scores, lso: options.lso ?? null };
  }
  return { scores: await selfInfluenceScores(indexed, scoring, signal), lso: options.lso ?? null };
}

export interface SuspectsOptions {
  scoring?: SuspectScoring;
  top?: number;
  /** Suggested labels for the first SUGGESTED_ROWS rows (default true). */
  suggest?: boolean;
  /** Checked between chunks of steps; a fired signal ends the work with CancelledError. */
  signal?: AbortSignal;
}

/** Every training row of a run, most suspicious first. */
export async function suspiciousRows(runDir: string, options: SuspectsOptions = {}): Promise<SuspectsResult> {
  return suspectsOf(await indexedRun(runDir), options);
}

export async function suspectsOf(indexed: IndexedRun, options: SuspectsOptions = {}): Promise<SuspectsResult> {
  const { run } = indexed;
  const scoring = options.scoring ?? (hasLeaveSelfOut(run) ? DEFAULT_SCORING : FALLBACK_SCORING);
  // Leave-self-out predictions cost one explanation per row and class: of every row when they are the scoring, else
  // of the first SUGGESTED_ROWS rows shown, for their suggested labels.
  const scored = await suspicionScores(indexed, scoring, { signal: options.signal });
  const scores = scored.scores;
  let lso = scored.lso;
  throwIfCancelled(options.signal);
  const ranking = rankByScore(scores);
  const shown = options.top === undefined ? ranking : ranking.slice(0, options.top);
  if (!lso && hasLeaveSelfOut(run) && options.suggest !== false)
    lso = await leaveSelfOut(indexed, { rows: shown.slice(0, SUGGESTED_ROWS), signal: options.signal });
  const suggestion = new Map<number, { label: string; p: number }>();
  const classes = run.record.preprocessing.classes ?? [];
  lso?.rows.forEach((row, j) => suggestion.set(row, { label: classes[lso.suggested[j]], p: lso.suggestedProbability[j] }));
  const predictions = finalPredictions(indexed);
  const rows: SuspectRow[] = shown.map((index, r) => ({
    rank: r + 1,
    index,
    file: run.data.rows.train[index].file,
    line: run.data.rows.train[index].line,
    label: run.data.raw.train.labels[index],
    score: scores[index],
    predicted: predictions.predicted[index],
    labelProbability: predictions.labelProbability ? predictions.labelProbability[index] : null,
    suggestedLabel: suggestion.get(index)?.label ?? null,
    suggestedProbability: suggestion.get(index)?.p ?? null,
  }));
  const target = isImageFolderRun(run.record) ? null : run.record.preprocessing.target;
  return { runDir: run.dir, scoring, trainRows: run.record.trainRows, target, rows };
}

/** The trained model's prediction for every training row, and the probability it gives the row's label. */
function finalPredictions(indexed: IndexedRun): { predicted: string[]; labelProbability: Float32Array | null } {
  const { run } = indexed;
  const P = run.layout.parameterCount;
  const N = run.record.trainRows;
  const C = run.outputCount;
  const output = tf.tidy(() => {
    const w = tf.tensor2d(finalWeights(run), [1, P]);
    return run.network.forward(w, tf.tensor3d(run.data.trainX, [1, N, run.data.featureCount])).output.dataSync() as Float32Array;
  });
  const { task, classes, targetScale } = run.record.preprocessing;
  if (task === 'regression') {
    const scale = targetScale ?? { mean: 0, std: 1 };
    return { predicted: Array.from(output, (z) => String(scale.mean + scale.std * z)), labelProbability: null };
  }
  const names = classes as string[];
  const predicted: string[] = [];
  const labelProbability = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    const y = run.data.trainY[i];
    if (task === 'binary') {
      const p1 = 1 / (1 + Math.exp(-output[i]));
      predicted.push(names[p1 > 0.5 ? 1 : 0]);
      labelProbability[i] = y === 1 ? p1 : 1 - p1;
      continue;
    }
    const row = output.subarray(i * C, (i + 1) * C);
    const max = Math.max(...row);
    let sum = 0;
    let best = 0;
    for (let c = 0; c < C; c++) {
      sum += Math.exp(row[c] - max);
      if (row[c] > row[best]) best = c;
    }
    predicted.push(names[best]);
    labelProbability[i] = Math.exp(row[y] - max) / sum;
  }
  return { predicted, labelProbability };
}
