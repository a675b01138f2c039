import { finalWeights } from '../explain/shared/loadedRun';
import { networkOutputs } from '../explain/shared/networkOutputs';
import type { ExplainQuery, OutputSelector, VerifyRemoval, VerifyResult } from '../../protocol';
import { LIMITS } from '../../protocol/limits';
import { currentBackend } from '../backend';
import { explainWithIndex, indexedRun, type IndexedRun } from '../explain/explainService';
import { resolveOutput } from '../explain/shared/outputSelector';
import { randomRows, seedOf } from '../random';
import { UserError } from '../errors';
import { retrainWithout } from './retrain';
import { rowLdsAgreement } from './lds';

export interface VerifyOptions {
  query: ExplainQuery;
  output?: OutputSelector;
  /** Supporters removed (default 10). */
  k?: number;
  /** Random removals of k rows (default 3). */
  randomDraws?: number;
  seed?: number;
  /** Also retrain with nothing removed (always done when k = 0). */
  reproduce?: boolean;
  signal?: AbortSignal;
}

export async function verifyExplanation(runDir: string, options: VerifyOptions): Promise<VerifyResult> {
  return verifyWithIndex(await indexedRun(runDir), options);
}

/**
 * Checks an explanation by retraining (issue 6): without the k strongest supporters of the explained output, and
 * without k random rows (a few draws), in the original batch order. The contributions predict, to first
 * order, that removing rows with contribution sum S moves the output by about −S.
 */
export async function verifyWithIndex(indexed: IndexedRun, options: VerifyOptions): Promise<VerifyResult> {
  const started = performance.now();
  const { run } = indexed;
  const { query } = options;
  if (query.split === 'input') throw new UserError("verify explains a row of the run's train or test split");
  const k = options.k ?? LIMITS.verifyK.default;
  const N = run.record.trainRows;
  if (!Number.isInteger(k) || k < 0 || k >= N) throw new UserError(`k must be a whole number from 0 to ${N - 1} (got ${k})`);
  // Read first: a damaged evaluation file is reported before minutes of retraining, not after.
  const lds = await rowLdsAgreement(run.dir, query);
  const { explanations, raw } = await explainWithIndex(indexed, [query], { output: options.output, top: 1, signal: options.signal });
  const explanation = explanations[0];
  const contributions = raw[0].contributions;
  const F = run.data.featureCount;
  const x = (query.split === 'train' ? run.data.trainX : run.data.testX).slice(query.row * F, (query.row + 1) * F);
  const outputsAt = (weights: Float32Array) => networkOutputs(run, weights, x, 1);
  const finalOutput = outputsAt(finalWeights(run));
  const { e } = resolveOutput(run.record.task, run.record.preprocessing.classes, finalOutput, options.output ?? { kind: 'default' });
  // Model units → the units the explanation shows (target units for regression).
  const scale = run.record.task === 'regression' ? (run.record.preprocessing.targetScale?.std ?? 1) : 1;
  const shift = run.record.task === 'regression' ? (run.record.preprocessing.targetScale?.mean ?? 0) : 0;
  const explained = (weights: Float32Array): number => {
    const out = outputsAt(weights);
    let sum = 0;
    for (let c = 0; c < e.length; c++) sum += e[c] * out[c];
    return shift + scale * sum;
  };
  const original = explained(finalWeights(run));

  const removal = async (kind: VerifyRemoval['kind'], rows: number[]): Promise<VerifyRemoval> => {
    const weights = await retrainWithout(run, new Set(rows), options.signal);
    const output = explained(weights);
    const removedSum = scale * rows.reduce((s, i) => s + contributions[i], 0);
    return { kind, rows, removedSum, output, change: output - original };
  };

  const supporterRows = Array.from({ length: N }, (_, i) => i)
    .filter((i) => contributions[i] > 0)
    .sort((a, b) => contributions[b] - contributions[a] || a - b)
    .slice(0, k);
  const supporters = await removal('supporters', supporterRows);
  const retrained = k === 0 ? supporters.output : options.reproduce ? (await removal('random', [])).output : null;
  const random: VerifyRemoval[] = [];
  const seed = options.seed ?? LIMITS.verifySeed.default;
  // With k = 0 a random removal is the original again: no draws.
  for (let d = 0; d < (k === 0 ? 0 : (options.randomDraws ?? LIMITS.verifyRandomDraws.default)); d++) {
    // Each explained row draws its own random rows: seeded by the run, the row and the draw.
    const drawn = randomRows(N, k, seedOf(seed, run.record.id, query.split, query.row, d));
    random.push(
      await removal(
        'random',
        Array.from(drawn).sort((a, b) => a - b),
      ),
    );
  }
  return {
    runDir: run.dir,
    query: { split: query.split, row: query.row },
    output: { ...explanation.output },
    k,
    original,
    retrained,
    supporters,
    random,
    lds,
    backend: currentBackend().backend,
    ms: performance.now() - started,
  };
}
