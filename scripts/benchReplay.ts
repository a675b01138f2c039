// W2 of issue 13 for `npm run bench`: a run too large to store, trained under --path-budget-mb 64 and explained by
// replaying its checkpoints. Every figure comes from the CLI in child processes (process start included), each
// child reporting its own peak RSS (benchRssChild.ts).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './benchCommon';

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CHILD = path.join(ROOT, 'scripts', 'benchRssChild.ts');

/** W2: digits, MLP 256-256 tanh, Adam 0.001, 100 epochs, batch 32 (T = 4 500, P = 85 002). */
export const W2_EXPERIMENT = {
  name: 'w2',
  dataset: { train: 'digits.csv', target: 'digit', test: { fraction: 0.2 } },
  model: {
    hidden: [
      { units: 256, activation: 'tanh' },
      { units: 256, activation: 'tanh' },
    ],
  },
  training: { optimizer: 'adam', learningRate: 0.001, epochs: 100, batchSize: 32, seed: 1 },
};
export const W2_BUDGET_MB = 64;

interface CliRun {
  wallMs: number;
  peakRssBytes: number;
  stdout: string;
  stderr: string;
}

/** The CLI in a child that reports its own peak RSS (worker threads included) on its last stderr line. */
export function cli(args: string[]): CliRun {
  const started = performance.now();
  // From the repository (the worker threads load the sources through tsx from there); every path is absolute.
  const result = spawnSync(TSX, [CHILD, ...args, '--backend', 'wasm'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallMs = performance.now() - started;
  const match = /BENCH_MAX_RSS_KB (\d+)/.exec(result.stderr);
  if (result.status !== 0 || !match)
    throw new Error(`kernel-lens ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
  return { wallMs, peakRssBytes: Number(match[1]) * 1024, stdout: result.stdout, stderr: result.stderr };
}

/** Bytes of a folder as `du` counts them (4 KiB blocks). */
export function folderBytes(dir: string): number {
  let bytes = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += Math.ceil(fs.statSync(path.join(entry.parentPath, entry.name)).size / 4096) * 4096;
  }
  return bytes;
}

interface Timing {
  ms: number;
  replay?: { replayMs: number; indexMs: number; contractionMs: number; kernelMs: number; segments: number };
}

function residualSummary(explanations: { residual: { rel: number }; timing?: Timing }[]): { max: number; median: number } {
  const rels = explanations.map((e) => e.residual.rel).sort((a, b) => a - b);
  return { max: rels[rels.length - 1], median: rels[Math.floor(rels.length / 2)] };
}

export function runW2(scratch: string): Record<string, unknown> {
  const ws = path.join(scratch, 'w2');
  fs.mkdirSync(ws, { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'samples', 'digits.csv'), path.join(ws, 'digits.csv'));
  fs.writeFileSync(path.join(ws, 'w2.kernel.json'), JSON.stringify(W2_EXPERIMENT));
  const runDir = path.join(ws, 'run');
  const train = cli(['train', path.join(ws, 'w2.kernel.json'), '--out', runDir, '--path-budget-mb', String(W2_BUDGET_MB)]);
  const record = JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  const engineTrainMs = Number(/complete in ([\d.]+) s/.exec(train.stderr)?.[1] ?? NaN) * 1000;
  const out = path.join(ws, 'first20.jsonl');
  const batch = cli(['explain', runDir, '--all', '--limit', '20', '--out', out]);
  const batchRows = fs
    .readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { residual: { rel: number }; timing?: Timing });
  const one = cli(['explain', runDir, '--row', '0', '--json']);
  const oneRow = JSON.parse(one.stdout) as { residual: { rel: number }; timing?: Timing };
  const metrics = record.metrics[record.metrics.length - 1];
  return {
    workload: 'W2: digits, MLP 256-256 tanh, Adam 0.001, 100 epochs, batch 32, --path-budget-mb 64, wasm',
    steps: record.steps,
    parameters: record.parameters,
    testAccuracy: metrics.testAccuracy,
    train: {
      wallMs: train.wallMs,
      engineMs: engineTrainMs,
      peakRssBytes: train.peakRssBytes,
      pathLayout: record.pathLayout,
      checkpoints: record.replay?.fingerprints.length ?? null,
      checkpointEvery: record.replay?.every ?? null,
      folderBytes: folderBytes(runDir),
      budgetBytes: W2_BUDGET_MB * 1024 * 1024,
    },
    batchOf20: {
      wallMs: batch.wallMs,
      peakRssBytes: batch.peakRssBytes,
      overTraining: batch.wallMs / engineTrainMs,
      replay: batchRows[0].timing?.replay ?? null,
      residual: residualSummary(batchRows),
    },
    oneUncachedRow: {
      wallMs: one.wallMs,
      peakRssBytes: one.peakRssBytes,
      overTraining: one.wallMs / engineTrainMs,
      replay: oneRow.timing?.replay ?? null,
      residual: oneRow.residual.rel,
    },
  };
}
