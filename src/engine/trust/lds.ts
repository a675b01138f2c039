import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExplainQuery, LdsEvaluation, LdsMethod, LdsScore, RowLdsAgreement } from '../../protocol';
import { LDS_FRACTION, LDS_METHODS, LIMITS } from '../../protocol/limits';
import { currentBackend } from '../backend';
import { explainWithIndex, indexedRun, type IndexedRun } from '../explain/explainService';
import { finalWeights } from '../explain/shared/loadedRun';
import { networkOutputs } from '../explain/shared/networkOutputs';
import { resolveOutput } from '../explain/shared/outputSelector';
import { randomRows, seedOf } from '../random';
import { UserError, messageOf, throwIfCancelled } from '../errors';
import { writeFileAtomic } from '../run/atomicWrite';
import { EVALUATIONS_DIR } from '../run/runFiles';
import { ldsEvaluationSchema } from './ldsEvaluationSchema';
import { gradientSimilarity } from './gradientSimilarity';
import { retrainWithout } from './retrain';
import { spearman } from './rankingMetrics';

export interface LdsOptions {
  subsets?: number;
  /** Share of the training rows each subset keeps. */
  fraction?: number;
  /** The first `rows` test rows are scored. */
  rows?: number;
  seed?: number;
  signal?: AbortSignal;
  /** After the attributions ('attributions', 0 of M) and after each retraining. */
  onProgress?: (done: number, total: number) => void;
}

/** The run folder's LDS evaluation file (outside the training digests: written after training, validated when read). */
export const ldsFile = (runDir: string): string => path.join(runDir, EVALUATIONS_DIR, 'lds.json');

/**
 * The linear datamodeling score (issue 15; Park et al., TRAK): retrain on M random subsets that keep a fraction of
 * the training rows (the recorded initialization and batch order with the others filtered out, as verify does),
 * and for each test row correlate, over the subsets, each method's predicted output (network − Σ of the removed
 * rows' contributions) with the retrained one. Multiclass rows are scored on their margin (predicted class minus
 * runner-up, chosen at the final weights), binary ones on the log-odds and regression on the value.
 */
export async function linearDatamodelingScore(runDir: string, options: LdsOptions = {}): Promise<LdsEvaluation> {
  const evaluation = await ldsWithIndex(await indexedRun(runDir), options);
  await fs.promises.mkdir(path.dirname(ldsFile(runDir)), { recursive: true });
  await writeFileAtomic(ldsFile(runDir), JSON.stringify(evaluation));
  return evaluation;
}

export async function ldsWithIndex(indexed: IndexedRun, options: LdsOptions = {}): Promise<LdsEvaluation> {
  const started = performance.now();
  const { run } = indexed;
  const M = options.subsets ?? LIMITS.ldsSubsets.default;
  const fraction = options.fraction ?? LDS_FRACTION.default;
  const seed = options.seed ?? LIMITS.ldsSeed.default;
  const N = run.record.trainRows;
  const Q = Math.min(options.rows ?? LIMITS.ldsRows.default, run.record.testRows);
  if (Q === 0) throw new UserError('the LDS evaluation scores test rows, and this run has no test split', { file: run.dir });
  if (!(fraction >= LDS_FRACTION.min && fraction <= LDS_FRACTION.max))
    throw new UserError(`the kept fraction must be from ${LDS_FRACTION.min} to ${LDS_FRACTION.max} (got ${fraction})`);
  const removedCount = N - Math.round(fraction * N);
  if (removedCount < 1 || removedCount >= N)
    throw new UserError(`--fraction ${fraction} of ${N} training rows removes none or all of them: choose a fraction that leaves some out`);

  const F = run.data.featureCount;
  const C = run.outputCount;
  const x = run.data.testX.subarray(0, Q * F);
  const original = networkOutputs(run, finalWeights(run), x, Q);
  const output = run.record.task === 'multiclass' ? ({ kind: 'margin' } as const) : ({ kind: 'default' } as const);
  const e = new Float32Array(Q * C);
  for (let q = 0; q < Q; q++)
    e.set(resolveOutput(run.record.task, run.record.preprocessing.classes, original.subarray(q * C, (q + 1) * C), output).e, q * C);
  const explained = (outputs: Float32Array, q: number): number => {
    let sum = 0;
    for (let c = 0; c < C; c++) sum += e[q * C + c] * outputs[q * C + c];
    return sum;
  };

  // Each method's contributions c_i(x_q) to the same explained output.
  const queries: ExplainQuery[] = Array.from({ length: Q }, (_, row) => ({ split: 'test', row }));
  const exact = await explainWithIndex(indexed, queries, { output, top: 1, signal: options.signal });
  const firstOrder = await explainWithIndex(indexed, queries, { output, top: 1, leftPointOnly: true, signal: options.signal });
  const contributions: Record<LdsMethod, Float64Array[]> = {
    pathKernel: exact.raw.map((r) => r.contributions),
    tracin: firstOrder.raw.map((r) => r.contributions),
    gradientSimilarity: await gradientSimilarity(run, x, e, Q, options.signal),
  };
  // Retrained on every row, training replays step for step: a different output means another backend or version.
  const reproducedOutputs = networkOutputs(run, await retrainWithout(run, new Set(), options.signal), x, Q);
  const reproduced = reproducedOutputs.every((v, k) => v === original[k]);
  options.onProgress?.(0, M);

  const predicted: Record<LdsMethod, Float64Array[]> = {
    pathKernel: queries.map(() => new Float64Array(M)),
    tracin: queries.map(() => new Float64Array(M)),
    gradientSimilarity: queries.map(() => new Float64Array(M)),
  };
  const actual = queries.map(() => new Float64Array(M));
  const base = queries.map((_, q) => explained(original, q));
  for (let m = 0; m < M; m++) {
    throwIfCancelled(options.signal);
    // Subsets depend on the seed and the subset's number only, so runs of one dataset share them.
    const removed = randomRows(N, removedCount, seedOf(seed, 'lds-subset', m));
    const outputs = networkOutputs(run, await retrainWithout(run, new Set(removed), options.signal), x, Q);
    for (let q = 0; q < Q; q++) {
      actual[q][m] = explained(outputs, q);
      for (const method of LDS_METHODS) {
        const c = contributions[method][q];
        let sum = 0;
        for (const i of removed) sum += c[i];
        predicted[method][q][m] = base[q] - sum;
      }
    }
    options.onProgress?.(m + 1, M);
  }
  const score = (method: LdsMethod): LdsScore => summarize(queries.map((_, q) => spearman(predicted[method][q], actual[q])));
  return {
    formatVersion: 1,
    runDir: run.dir,
    subsets: M,
    fraction,
    seed,
    rows: queries.map((q) => q.row),
    methods: { pathKernel: score('pathKernel'), tracin: score('tracin'), gradientSimilarity: score('gradientSimilarity') },
    reproduced,
    backend: currentBackend().backend,
    createdAt: new Date().toISOString(),
    ms: performance.now() - started,
  };
}

function summarize(values: number[]): LdsScore {
  const scored = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = scored.length;
  const perRow = values.map((v) => (Number.isFinite(v) ? v : null));
  if (n === 0) return { mean: null, sd: 0, halfInterval: null, median: null, perRow };
  const mean = scored.reduce((s, v) => s + v, 0) / n;
  const sd = n < 2 ? 0 : Math.sqrt(scored.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const median = n % 2 === 1 ? scored[(n - 1) / 2] : (scored[n / 2 - 1] + scored[n / 2]) / 2;
  return { mean, sd, halfInterval: (1.96 * sd) / Math.sqrt(n), median, perRow };
}

/**
 * The row's agreement from the run's stored LDS evaluation, null when there is none or it did not score the row.
 * A file that does not parse as one is an error naming it (it is never silently ignored).
 */
export async function rowLdsAgreement(runDir: string, query: { split: string; row: number }): Promise<RowLdsAgreement | null> {
  const file = ldsFile(runDir);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    return null;
  }
  let evaluation: LdsEvaluation;
  try {
    evaluation = ldsEvaluationSchema.parse(JSON.parse(text));
  } catch (error) {
    throw new UserError(`the run's LDS evaluation cannot be read (${messageOf(error)}); run \`kernel-lens lds\` again or delete it`, {
      file,
    });
  }
  const k = query.split === 'test' ? evaluation.rows.indexOf(query.row) : -1;
  if (k < 0) return null;
  const pick = (f: (s: LdsScore) => number | null) =>
    Object.fromEntries(LDS_METHODS.map((m) => [m, f(evaluation.methods[m])])) as Record<LdsMethod, number | null>;
  return {
    subsets: evaluation.subsets,
    fraction: evaluation.fraction,
    row: pick((s) => s.perRow[k] ?? null),
    mean: pick((s) => s.mean),
  };
}
