// One scaling point of `npm run bench -- --scaling`, in its own process so that its peak RSS is its own.
// Usage: tsx scripts/benchScalingChild.ts RUN_DIR BATCH_QUERIES ONE_ROW_REPEATS → one JSON line on stdout.
import { initBackend } from '../src/engine/backend';
import { explainWithIndex, indexedRun } from '../src/engine/explain/explainService';
import { pathIndexBytes } from '../src/engine/explain/pathIndex/pathIndex';
import { median, peakRssBytes } from './benchCommon';

export interface ScalingPoint {
  trainRows: number;
  steps: number;
  parameters: number;
  loadAndIndexMs: number;
  indexBytes: number;
  /** Median over the repeats of one test row explained alone (engine warm); null when not asked. */
  oneRowMs: number | null;
  batch: { queries: number; ms: number; msPerRow: number };
  peakRssBytes: number;
  residualMax: number;
}

async function main(): Promise<void> {
  const [runDir, queriesArg, repeatsArg] = process.argv.slice(2);
  await initBackend('wasm');
  let started = performance.now();
  const indexed = await indexedRun(runDir);
  const loadAndIndexMs = performance.now() - started;
  const testRows = indexed.run.record.testRows;
  const queries = Math.min(Number(queriesArg), testRows);
  // Warm-up (not timed): one row (kernel compilation, JIT), then 8 rows, enough to start the worker pool.
  await explainWithIndex(indexed, [{ split: 'test', row: 0 }], { top: 10 });
  await explainWithIndex(
    indexed,
    Array.from({ length: Math.min(8, testRows) }, (_, row) => ({ split: 'test' as const, row })),
    { top: 10 },
  );
  const oneRow: number[] = [];
  for (let k = 1; k <= Number(repeatsArg); k++) {
    started = performance.now();
    const { explanations } = await explainWithIndex(indexed, [{ split: 'test', row: k % testRows }], { top: 10 });
    JSON.stringify(explanations[0]);
    oneRow.push(performance.now() - started);
  }
  started = performance.now();
  const { explanations } = await explainWithIndex(
    indexed,
    Array.from({ length: queries }, (_, row) => ({ split: 'test' as const, row })),
    { top: 10 },
  );
  JSON.stringify(explanations);
  const batchMs = performance.now() - started;
  const point: ScalingPoint = {
    trainRows: indexed.run.record.trainRows,
    steps: indexed.run.path.steps,
    parameters: indexed.run.layout.parameterCount,
    loadAndIndexMs,
    indexBytes: pathIndexBytes(indexed.index),
    oneRowMs: oneRow.length ? median(oneRow) : null,
    batch: { queries, ms: batchMs, msPerRow: batchMs / queries },
    peakRssBytes: peakRssBytes(),
    residualMax: Math.max(...explanations.map((e) => e.residual.rel)),
  };
  process.stdout.write(`${JSON.stringify(point)}\n`);
}

if (require.main === module) void main();
