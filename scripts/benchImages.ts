// W-img of issue 14 for `npm run bench`: a small CNN on image folders (the digits written as PNGs, and 1 500
// Fashion-MNIST images at 14×14), trained under --path-budget-mb 64 and explained exactly. Training and the CLI's
// explanations run in child processes that report their peak RSS (benchRssChild.ts); the next image in the same
// engine and the naive baseline are timed in this process.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { ROOT } from './benchCommon';
import { cli, folderBytes } from './benchReplay';
import { imageFolderFromCsv, type PixelCsv } from './imageFolderFromCsv';
import { explainWithIndex, indexedRun } from '../src/engine/explain/explainService';
import { finalWeights } from '../src/engine/explain/shared/loadedRun';
import { perExampleLoss } from '../src/engine/model/losses';

/** The architecture: conv 8@3×3 same relu → max-pool 2 → conv 16@3×3 same relu → max-pool 2 → dense 10. */
const LAYERS = [
  { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'relu' },
  { type: 'maxPool2d', size: 2 },
  { type: 'conv2d', filters: 16, kernel: 3, padding: 'same', activation: 'relu' },
  { type: 'maxPool2d', size: 2 },
  { type: 'flatten' },
];
const BUDGET_MB = 64;
/** Test images the CLI explains in one batch (process included); the whole split is extrapolated from them. */
const BATCH_ROWS = 8;
/** Training steps the naive method is timed on (the rest extrapolated linearly). */
const NAIVE_STEPS = 4;
/** Seeds the test accuracy is also reported over (the seed draws the initialization, the split and the batches). */
const ACCURACY_SEEDS = [1, 2, 3, 4, 5];

/**
 * The naive method on the same run: every step's per-example loss gradients and the query's gradient at 3 nodes,
 * each by its own tf.grad (on the cpu backend: wasm has no filter gradient), timed on a few steps and scaled to T.
 */
async function naiveBaseline(runDir: string): Promise<Record<string, unknown>> {
  const { run } = await indexedRun(runDir);
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const T = run.record.steps;
  const W = run.path.batchWidth;
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  try {
    const w = tf.tensor2d(finalWeights(run), [1, P]);
    const started = performance.now();
    for (let s = 0; s < NAIVE_STEPS; s++) {
      for (let b = 0; b < W; b++) {
        const i = run.path.batches[s * W + b];
        if (i < 0) continue;
        tf.tidy(() => {
          const x = tf.tensor3d(run.data.trainX.slice(i * F, (i + 1) * F), [1, 1, F]);
          const y = tf.tensor2d([run.data.trainY[i]], [1, 1], 'int32');
          tf.grad((theta: tf.Tensor) => tf.sum(perExampleLoss('multiclass', run.network.forward(theta as tf.Tensor2D, x).output, y)))(
            w,
          ).dataSync();
        });
      }
      for (let node = 0; node < 3; node++)
        tf.tidy(() => {
          const x = tf.tensor3d(run.data.testX.slice(0, F), [1, 1, F]);
          tf.grad((theta: tf.Tensor) => tf.sum(tf.slice(run.network.forward(theta as tf.Tensor2D, x).output, [0, 0, 0], [1, 1, 1])))(
            w,
          ).dataSync();
        });
    }
    const perStepMs = (performance.now() - started) / NAIVE_STEPS;
    return { method: 'per-example tf.grad, cpu backend', timedSteps: NAIVE_STEPS, perStepMs, estimatedOneImageMs: perStepMs * T };
  } finally {
    await tf.setBackend(previous);
  }
}

async function workload(scratch: string, name: string, csv: string, spec: PixelCsv): Promise<Record<string, unknown>> {
  const ws = path.join(scratch, name);
  fs.mkdirSync(ws, { recursive: true });
  const images = imageFolderFromCsv(csv, path.join(ws, 'images'), spec);
  const experimentWithSeed = (seed: number): string => {
    const file = path.join(ws, `${name}-seed${seed}.kernel.json`);
    fs.writeFileSync(
      file,
      JSON.stringify({
        name,
        dataset: { train: 'images', test: { fraction: 0.2 } },
        model: { layers: LAYERS },
        training: { optimizer: 'adam', learningRate: 0.003, epochs: 15, batchSize: 32, seed },
      }),
    );
    return file;
  };
  const experiment = experimentWithSeed(1);
  const runDir = path.join(ws, 'run');
  const train = cli(['train', experiment, '--out', runDir, '--path-budget-mb', String(BUDGET_MB)]);
  const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  const engineTrainMs = Number(/complete in ([\d.]+) s/.exec(train.stderr)?.[1] ?? NaN) * 1000;
  const first = cli(['explain', runDir, '--row', '0', '--json']);
  const firstRow = JSON.parse(first.stdout) as { residual: { rel: number } };
  const out = path.join(ws, 'batch.jsonl');
  const batch = cli(['explain', runDir, '--all', '--limit', String(BATCH_ROWS), '--out', out]);
  const rels = fs
    .readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { residual: { rel: number } }).residual.rel)
    .sort((a, b) => a - b);
  // The next image in the same engine: the run, its training factors and the selection matrices are loaded once.
  const indexed = await indexedRun(runDir);
  await explainWithIndex(indexed, [{ split: 'test', row: 1 }]);
  const t0 = performance.now();
  const next = await explainWithIndex(indexed, [{ split: 'test', row: 2 }]);
  const nextMs = performance.now() - t0;
  // A warm batch in the same engine: the per-image cost of a long `explain --all` once the run and its training
  // factors are loaded (the CLI batch above also pays the process, the load and those factors once).
  const t1 = performance.now();
  await explainWithIndex(
    indexed,
    Array.from({ length: BATCH_ROWS }, (_, k) => ({ split: 'test' as const, row: 3 + k })),
  );
  const warmPerRowMs = (performance.now() - t1) / BATCH_ROWS;
  const metrics = record.metrics[record.metrics.length - 1];
  const accuracies = ACCURACY_SEEDS.map((seed) => {
    if (seed === 1) return metrics.testAccuracy as number;
    const seedRun = path.join(ws, `run-seed${seed}`);
    cli(['train', experimentWithSeed(seed), '--out', seedRun, '--path-budget-mb', String(BUDGET_MB)]);
    const seeded = JSON.parse(fs.readFileSync(path.join(seedRun, 'run.json'), 'utf8'));
    return seeded.metrics[seeded.metrics.length - 1].testAccuracy as number;
  });
  return {
    images,
    size: `${spec.width}×${spec.height}`,
    steps: record.steps,
    parameters: record.parameters,
    testRows: record.testRows,
    testAccuracy: metrics.testAccuracy,
    testAccuracyOverSeeds: {
      seeds: ACCURACY_SEEDS,
      accuracies,
      mean: accuracies.reduce((sum, a) => sum + a, 0) / accuracies.length,
    },
    train: {
      wallMs: train.wallMs,
      engineMs: engineTrainMs,
      peakRssBytes: train.peakRssBytes,
      pathLayout: record.pathLayout,
      folderBytes: folderBytes(runDir),
    },
    firstImage: { wallMs: first.wallMs, peakRssBytes: first.peakRssBytes, residual: firstRow.residual.rel },
    nextImageInSameEngine: { ms: nextMs, residual: next.explanations[0].residual.rel },
    batch: {
      rows: BATCH_ROWS,
      wallMs: batch.wallMs,
      peakRssBytes: batch.peakRssBytes,
      perRowMs: batch.wallMs / BATCH_ROWS,
      warmPerRowMs,
      allTestImagesEstimateMs: batch.wallMs + (record.testRows - BATCH_ROWS) * warmPerRowMs,
      allTestImagesEstimateNote:
        'the CLI batch of 8 (process, load and training factors included) plus the other rows at the warm per-row cost',
      residual: { max: rels[rels.length - 1], median: rels[Math.floor(rels.length / 2)] },
    },
    naive: await naiveBaseline(runDir),
  };
}

export async function runWImg(scratch: string): Promise<Record<string, unknown>> {
  return {
    workload:
      'W-img: conv 8@3×3 same relu → max-pool 2 → conv 16@3×3 same relu → max-pool 2 → dense 10, Adam 0.003, 15 epochs, batch 32, --path-budget-mb 64, wasm',
    digits8: await workload(scratch, 'digits8', path.join(ROOT, 'samples', 'digits.csv'), {
      width: 8,
      height: 8,
      label: 'digit',
      maxValue: 16,
    }),
    fashion14: await workload(scratch, 'fashion14', path.join(ROOT, 'samples', 'fashion14.csv'), {
      width: 14,
      height: 14,
      label: 'item',
      maxValue: 255,
    }),
  };
}
