// `npm run bench -- --scaling`: explanation time and peak RSS against training rows, steps, parameters and
// queries per batch, three sizes each, everything else as W1. Each point runs in its own child process.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { logLogSlope, ROOT, trainRun } from './benchCommon';
import type { ScalingPoint } from './benchScalingChild';

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CHILD = path.join(ROOT, 'scripts', 'benchScalingChild.ts');
/** Queries of the batch timed at each point of the rows, steps and parameters axes. */
const AXIS_QUERIES = 36;
const ONE_ROW_REPEATS = 3;

interface Variant {
  label: string;
  csvRows?: number;
  epochs?: number;
  hidden?: number;
  activation?: 'relu';
}

export interface ScalingAxis {
  axis: 'trainRows' | 'steps' | 'parameters' | 'queries';
  points: (ScalingPoint & { label: string; trainingMs: number | null })[];
  /** Exponent k of a least-squares fit of time per row ∝ size^k (for queries: batch time ∝ Q^k). */
  timeExponent: number;
  /** Exponent of the path index's size against the axis size. */
  indexBytesExponent: number;
}

export interface ScalingResult {
  note: string;
  axes: ScalingAxis[];
  totalMs: number;
}

function runPoint(runDir: string, queries: number, repeats: number): ScalingPoint {
  const result = spawnSync(TSX, [CHILD, runDir, String(queries), String(repeats)], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = result.stdout.trim().split('\n').pop() ?? '';
  if (result.status !== 0 || !line.startsWith('{'))
    throw new Error(`scaling point ${runDir} × ${queries} failed (exit ${result.status}):\n${result.stderr.slice(-2000)}`);
  return JSON.parse(line) as ScalingPoint;
}

/** The digits experiment of W1 with one thing changed, trained into the scratch folder. */
function trainVariant(scratch: string, variant: Variant): { runDir: string; trainingMs: number | null } {
  const source = path.join(ROOT, 'samples', 'digits.csv');
  const lines = fs.readFileSync(source, 'utf8').trimEnd().split('\n');
  // The first rows of digits.csv hold every class in near-equal shares, so a prefix stays stratifiable.
  const kept = variant.csvRows ? lines.slice(0, variant.csvRows + 1) : lines;
  const csv = path.join(scratch, `${variant.label}.csv`);
  fs.writeFileSync(csv, `${kept.join('\n')}\n`);
  const experiment = JSON.parse(fs.readFileSync(path.join(ROOT, 'samples', 'digits.kernel.json'), 'utf8')) as {
    dataset: { train: string };
    model: { hidden: { units: number; activation: string }[] };
    training: { epochs: number };
  };
  experiment.dataset.train = path.basename(csv);
  if (variant.epochs) experiment.training.epochs = variant.epochs;
  if (variant.hidden) experiment.model.hidden[0].units = variant.hidden;
  if (variant.activation) experiment.model.hidden[0].activation = variant.activation;
  const file = path.join(scratch, `${variant.label}.kernel.json`);
  fs.writeFileSync(file, JSON.stringify(experiment));
  const trained = trainRun(file, path.join(scratch, variant.label));
  return { runDir: trained.runDir, trainingMs: trained.engineMs ?? trained.wallMs };
}

function axis(
  name: ScalingAxis['axis'],
  points: ScalingAxis['points'],
  size: (p: ScalingPoint) => number,
  time: (p: ScalingPoint) => number,
): ScalingAxis {
  const sizes = points.map(size);
  return {
    axis: name,
    points,
    timeExponent: logLogSlope(sizes, points.map(time)),
    indexBytesExponent: logLogSlope(
      sizes,
      points.map((p) => p.indexBytes),
    ),
  };
}

/** w1RunDir: the default run's W1 (1 437 rows, 900 steps, hidden 64), reused as the middle or top point. */
export function runScaling(scratch: string, w1RunDir: string, w1TrainingMs: number | null): ScalingResult {
  const started = performance.now();
  const w1 = { ...runPoint(w1RunDir, AXIS_QUERIES, ONE_ROW_REPEATS), label: 'W1', trainingMs: w1TrainingMs };
  const variant = (v: Variant): ScalingAxis['points'][number] => {
    const trained = trainVariant(scratch, v);
    const point = runPoint(trained.runDir, AXIS_QUERIES, ONE_ROW_REPEATS);
    fs.rmSync(trained.runDir, { recursive: true, force: true });
    return { ...point, label: v.label, trainingMs: trained.trainingMs };
  };
  const perRow = (p: ScalingPoint): number => p.batch.msPerRow;
  // 450 and 900 CSV rows: about 360 and 720 training rows after the 0.2 holdout.
  const rows = axis(
    'trainRows',
    [variant({ label: 'rows-450', csvRows: 450 }), variant({ label: 'rows-900', csvRows: 900 }), w1],
    (p) => p.trainRows,
    perRow,
  );
  const steps = axis(
    'steps',
    [variant({ label: 'epochs-5', epochs: 5 }), variant({ label: 'epochs-10', epochs: 10 }), w1],
    (p) => p.steps,
    perRow,
  );
  const params = axis(
    'parameters',
    [variant({ label: 'hidden-16', hidden: 16 }), w1, variant({ label: 'hidden-256', hidden: 256 })],
    (p) => p.parameters,
    perRow,
  );
  const queryPoints = [
    { ...runPoint(w1RunDir, 1, 0), label: 'W1 × 1', trainingMs: w1TrainingMs },
    { ...w1, label: 'W1 × 36' },
    { ...runPoint(w1RunDir, 360, 0), label: 'W1 × 360', trainingMs: w1TrainingMs },
  ];
  const queries = axis(
    'queries',
    queryPoints,
    (p) => p.batch.queries,
    (p) => p.batch.ms,
  );
  return {
    note:
      `each point: a fresh process, warm-up with one row and one 8-row batch (starts the worker pool), then ${ONE_ROW_REPEATS} single rows (median) and one batch of ${AXIS_QUERIES} test rows ` +
      '(queries axis: one batch of 1, 36, 360 rows); peak RSS is the process maximum (wasm heap included); rows, steps and parameters ' +
      'axes change one thing of W1 (epochs fixed at 20 on the rows axis, so steps grow with rows too)',
    axes: [rows, steps, params, queries],
    totalMs: performance.now() - started,
  };
}

/**
 * W1 with a ReLU hidden layer: its steps where a unit switches on or off are integrated piecewise
 * between the kinks, the costliest case of the refinement. One row (median of 20) and all test rows.
 */
export function runReluVariant(scratch: string): ScalingPoint & { label: string; trainingMs: number | null; note: string } {
  const trained = trainVariant(scratch, { label: 'W1-relu', activation: 'relu' });
  const point = runPoint(trained.runDir, 360, 20);
  fs.rmSync(trained.runDir, { recursive: true, force: true });
  return {
    ...point,
    label: 'W1 with relu',
    trainingMs: trained.trainingMs,
    note: 'W1 with the hidden layer relu instead of tanh; a fresh process (warm-up as the scaling points), 20 single rows (median), then all 360 test rows in one batch',
  };
}
