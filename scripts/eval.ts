/**
 * Evaluation of the suspicious-rows ranking (`npm run eval`, prints JSON).
 * Per dataset: flip the labels of 10% of the training rows to a uniformly random other class (seeded), retrain,
 * score every training row with each self-influence scoring, and report the share of flipped rows in the top 10%
 * and 20% of the ranking and the AUROC, next to a random ranking.
 * The default scoring is chosen on iris and breast-cancer only (highest mean AUROC); digits and penguins are the
 * held-out datasets the figures are reported on.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig, SuspectScoring } from '../src/protocol';
import { initBackend } from '../src/engine/backend';
import { indexedRun, forgetRun } from '../src/engine/explain/explainService';
import { trainExperiment } from '../src/engine/pipeline/trainRun';
import { plantFlips } from '../src/engine/trust/plantedFlips';
import { auroc, rankByScore, recallAtFraction } from '../src/engine/trust/rankingMetrics';
import { selfInfluenceScores } from '../src/engine/trust/selfInfluence';
import { DEFAULT_SCORING } from '../src/engine/trust/suspects';
import { createRng, shuffleInPlace } from '../src/engine/random';

const SAMPLES = path.resolve(__dirname, '..', 'samples');
const SCORINGS: SuspectScoring[] = ['tracin', 'adam', 'loss'];
const SELECTION = ['iris', 'breast-cancer'];
const HELD_OUT = ['digits', 'penguins'];

/** Modest epochs so the whole evaluation runs in a few minutes on two cores. */
const EXPERIMENTS: Record<string, ExperimentConfig> = {
  iris: {
    dataset: { train: path.join(SAMPLES, 'iris.csv'), target: 'species' },
    model: { hidden: [{ units: 16, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 50, batchSize: 16, seed: 1 },
  },
  'breast-cancer': {
    dataset: { train: path.join(SAMPLES, 'breast-cancer.csv'), target: 'diagnosis' },
    model: { hidden: [{ units: 16, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 30, batchSize: 32, seed: 1 },
  },
  digits: {
    dataset: { train: path.join(SAMPLES, 'digits.csv'), target: 'digit', image: { width: 8, height: 8 } },
    model: { hidden: [{ units: 32, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 15, batchSize: 32, seed: 1 },
  },
  penguins: {
    dataset: { train: path.join(SAMPLES, 'penguins.csv'), target: 'species', ignore: ['year'] },
    model: { hidden: [{ units: 16, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 40, batchSize: 16, seed: 1 },
  },
};

interface Figures {
  top10: number;
  top20: number;
  auroc: number;
}

function figures(scores: ArrayLike<number>, flipped: Set<number>): Figures {
  const ranking = rankByScore(scores);
  return { top10: recallAtFraction(ranking, flipped, 0.1), top20: recallAtFraction(ranking, flipped, 0.2), auroc: auroc(scores, flipped) };
}

const round = (f: Figures): Figures => ({ top10: +f.top10.toFixed(3), top20: +f.top20.toFixed(3), auroc: +f.auroc.toFixed(3) });

async function evaluate(name: string, seeds: number[], work: string): Promise<Record<string, unknown>> {
  const perSeed: Record<string, Figures>[] = [];
  let trainRows = 0;
  let flips = 0;
  const testAccuracy: number[] = [];
  for (const seed of seeds) {
    const dir = path.join(work, `${name}-${seed}`);
    fs.mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `${name}.kernel.json`);
    fs.writeFileSync(base, JSON.stringify(EXPERIMENTS[name]));
    const planted = await plantFlips(base, path.join(dir, 'flipped'), { seed, fraction: 0.1 });
    const started = Date.now();
    const info = await trainExperiment(planted.experimentFile, { out: path.join(dir, 'run') });
    const indexed = await indexedRun(info.dir);
    const row: Record<string, Figures> = {};
    for (const scoring of SCORINGS) row[scoring] = figures(await selfInfluenceScores(indexed, scoring), planted.flipped);
    const order = Int32Array.from({ length: planted.trainRows }, (_, i) => i);
    shuffleInPlace(order, createRng(1000 + seed));
    const randomScores = new Float64Array(planted.trainRows);
    order.forEach((row, r) => (randomScores[row] = -r));
    row.random = figures(randomScores, planted.flipped);
    perSeed.push(row);
    forgetRun(info.dir);
    trainRows = planted.trainRows;
    flips = planted.flipped.size;
    testAccuracy.push(info.metrics[info.metrics.length - 1]?.testAccuracy ?? NaN);
    process.stderr.write(`${name} seed ${seed}: ${JSON.stringify(row)} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  const mean = (key: string): Figures => {
    const rows = perSeed.map((r) => r[key]);
    const avg = (f: keyof Figures) => rows.reduce((s, r) => s + r[f], 0) / rows.length;
    return round({ top10: avg('top10'), top20: avg('top20'), auroc: avg('auroc') });
  };
  const result: Record<string, unknown> = {
    trainRows,
    flipped: flips,
    seeds,
    testAccuracyWithFlips: testAccuracy.map((a) => +a.toFixed(3)),
  };
  for (const key of [...SCORINGS, 'random']) result[key] = mean(key);
  result.randomExpected = { top10: 0.1, top20: 0.2, auroc: 0.5 };
  return result;
}

async function main(): Promise<void> {
  await initBackend('wasm');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kernel-lens-eval-'));
  const seeds = [1, 2, 3, 4, 5];
  const selection: Record<string, Record<string, unknown>> = {};
  for (const name of SELECTION) selection[name] = await evaluate(name, seeds, work);
  const meanAuroc = Object.fromEntries(
    SCORINGS.map((s) => [s, +(SELECTION.reduce((sum, n) => sum + (selection[n][s] as Figures).auroc, 0) / SELECTION.length).toFixed(3)]),
  );
  const chosen = SCORINGS.reduce((best, s) => (meanAuroc[s] > meanAuroc[best] ? s : best), SCORINGS[0]);
  const heldOut: Record<string, Record<string, unknown>> = {};
  for (const name of HELD_OUT) heldOut[name] = await evaluate(name, seeds, work);
  const report = {
    protocol:
      '10% of training rows flipped to a uniformly random other class; share of flipped rows in the top 10% / 20% of the ranking; AUROC',
    selection: { datasets: SELECTION, meanAuroc, chosen, defaultInCode: DEFAULT_SCORING, results: selection },
    heldOut: {
      datasets: HELD_OUT,
      chosen: Object.fromEntries(HELD_OUT.map((n) => [n, heldOut[n][chosen]])),
      random: Object.fromEntries(HELD_OUT.map((n) => [n, heldOut[n].random])),
      results: heldOut,
    },
  };
  fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  if (chosen !== DEFAULT_SCORING)
    process.stderr.write(`note: the selection picks "${chosen}" but DEFAULT_SCORING is "${DEFAULT_SCORING}"\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
