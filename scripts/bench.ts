// `npm run bench`: workload W1 of issue 5, one JSON object on stdout (figures, not a timed test).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/engine/backend';
import { explainWithIndex, indexedRun } from '../src/engine/kernel/explainService';
import { buildPathIndex, pathIndexBytes } from '../src/engine/kernel/pathIndex';

let peakRss = 0;
const sample = (): void => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const root = path.resolve(__dirname, '..');
  const benchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-bench-'));
  const runDir = path.join(benchDir, 'w1');
  execFileSync('node', [path.join(root, 'esbuild.js')], { cwd: root, stdio: 'ignore' });
  let started = performance.now();
  execFileSync('node', [path.join(root, 'dist', 'engine.js'), 'train', path.join(root, 'samples', 'digits.kernel.json'), '--out', runDir], { stdio: 'ignore' });
  const trainingMs = performance.now() - started;
  const status = await initBackend('wasm');
  const timer = setInterval(sample, 20);
  started = performance.now();
  const indexed = await indexedRun(runDir);
  const loadAndIndexMs = performance.now() - started;
  const indexBuildMs = buildPathIndex(indexed.run).buildMs;
  const rows = Array.from({ length: 20 }, (_, k) => k);
  await explainWithIndex(indexed, [{ split: 'test', row: 0 }], { top: 10 });
  const oneRow: number[] = [];
  for (const row of rows) {
    const t = performance.now();
    const { explanations } = await explainWithIndex(indexed, [{ split: 'test', row }], { top: 10 });
    JSON.stringify(explanations[0]);
    oneRow.push(performance.now() - t);
  }
  const all = Array.from({ length: indexed.run.record.testRows }, (_, row) => ({ split: 'test' as const, row }));
  started = performance.now();
  const batch = await explainWithIndex(indexed, all, { top: 10 });
  const batchMs = performance.now() - started;
  const rels = batch.explanations.map((e) => e.residual.rel);
  const directRows = [0, 1, 2];
  const direct = await explainWithIndex(indexed, directRows.map((row) => ({ split: 'test' as const, row })), { top: 10, method: 'direct' });
  const agreement = Math.max(...directRows.map((row, k) => Math.abs(direct.explanations[k].residual.rel - rels[row])));
  sample();
  clearInterval(timer);
  const result = {
    workload: 'W1 digits 64-64(tanh)-10, 900 steps, adam 0.01',
    machine: { cores: os.cpus().length, backend: status.backend, node: process.version },
    trainingMs,
    loadAndIndexMs,
    indexBuildMs,
    indexBytes: pathIndexBytes(indexed.index),
    oneRowMedianMs: median(oneRow),
    allTestRows: { rows: all.length, ms: batchMs },
    peakRssBytes: peakRss,
    wasmHeapBytes: tf.memory().numBytes,
    residual: { max: Math.max(...rels), median: median(rels) },
    directAgreement: { rows: directRows.length, maxAbsDifferenceOfRel: agreement, within1e5: agreement <= 1e-5 },
    naive: 'not implemented yet (see docs/performance.md)',
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  fs.rmSync(benchDir, { recursive: true, force: true });
}

void main();
