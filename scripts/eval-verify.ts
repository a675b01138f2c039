/**
 * Evaluation of "verify by retraining" (`npm run eval:verify`, prints JSON; not part of CI).
 * For 20 test rows of iris and breast-cancer, each trained with adam and with plain sgd: retrain without the row's
 * top-k supporters and without k random rows (3 draws), in the recorded batch order. Reports how often removing
 * the supporters lowers the explained output more than the random removals do, and the correlation between the
 * removed contribution sum and the actual change (first order predicts change ≈ −removed sum).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig, VerifyRemoval } from '../src/protocol';
import { initBackend } from '../src/engine/backend';
import { forgetRun, indexedRun } from '../src/engine/explain/explainService';
import { trainExperiment } from '../src/engine/pipeline/trainRun';
import { verifyWithIndex } from '../src/engine/trust/verify';
import { pearson, spearman } from '../src/engine/trust/rankingMetrics';

const SAMPLES = path.resolve(__dirname, '..', 'samples');
const ROWS = 20;
const K = 10;

const DATASETS: Record<string, { csv: string; target: string; epochs: number; batchSize: number }> = {
  iris: { csv: 'iris.csv', target: 'species', epochs: 50, batchSize: 16 },
  'breast-cancer': { csv: 'breast-cancer.csv', target: 'diagnosis', epochs: 30, batchSize: 32 },
};
const OPTIMIZERS = [
  { optimizer: 'adam' as const, learningRate: 0.01 },
  { optimizer: 'sgd' as const, learningRate: 0.1 },
];

const r3 = (v: number) => +v.toFixed(3);

async function main(): Promise<void> {
  await initBackend('wasm');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kernel-lens-eval-verify-'));
  const report: Record<string, unknown> = { k: K, rows: ROWS, randomDraws: 3 };
  for (const [name, d] of Object.entries(DATASETS)) {
    for (const o of OPTIMIZERS) {
      const started = Date.now();
      const dir = path.join(work, `${name}-${o.optimizer}`);
      fs.mkdirSync(dir);
      const config: ExperimentConfig = {
        dataset: { train: path.join(SAMPLES, d.csv), target: d.target, test: { fraction: 0.2 } },
        model: { hidden: [{ units: 16, activation: 'tanh' }] },
        training: { optimizer: o.optimizer, learningRate: o.learningRate, epochs: d.epochs, batchSize: d.batchSize, seed: 1 },
      };
      const file = path.join(dir, `${name}.kernel.json`);
      fs.writeFileSync(file, JSON.stringify(config));
      const info = await trainExperiment(file, { out: path.join(dir, 'run') });
      const indexed = await indexedRun(info.dir);
      const rows = Math.min(ROWS, info.testRows);
      let beatsAll = 0;
      let beatsMean = 0;
      const removed: number[] = [];
      const changes: number[] = [];
      const supporterRatios: number[] = [];
      for (let row = 0; row < rows; row++) {
        const r = await verifyWithIndex(indexed, { query: { split: 'test', row }, k: K, randomDraws: 3, seed: row + 1 });
        const randomChanges = r.random.map((m) => m.change);
        if (randomChanges.every((c) => r.supporters.change < c)) beatsAll++;
        if (r.supporters.change < randomChanges.reduce((s, c) => s + c, 0) / randomChanges.length) beatsMean++;
        for (const m of [r.supporters, ...r.random] as VerifyRemoval[]) {
          removed.push(m.removedSum);
          changes.push(m.change);
        }
        supporterRatios.push(r.supporters.change / -r.supporters.removedSum);
      }
      const sortedRatios = [...supporterRatios].sort((a, b) => a - b);
      report[`${name}/${o.optimizer}`] = {
        testAccuracy: r3(info.metrics[info.metrics.length - 1]?.testAccuracy ?? NaN),
        supportersLowerMoreThanEveryRandomDraw: r3(beatsAll / rows),
        supportersLowerMoreThanRandomMean: r3(beatsMean / rows),
        pearsonRemovedSumVsChange: r3(pearson(removed, changes)),
        spearmanRemovedSumVsChange: r3(spearman(removed, changes)),
        medianActualOverPredictedChangeForSupporters: r3(sortedRatios[Math.floor(sortedRatios.length / 2)]),
        seconds: r3((Date.now() - started) / 1000),
      };
      process.stderr.write(`${name}/${o.optimizer}: ${JSON.stringify(report[`${name}/${o.optimizer}`])}\n`);
      forgetRun(info.dir);
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
