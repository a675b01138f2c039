// Helpers shared by `npm run bench` and its scaling children: training a run, the machine block, statistics.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';

export const ROOT = path.resolve(__dirname, '..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Peak resident set size of this process so far (kernel-tracked, so it includes the wasm heap and sync stretches). */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}

export interface TrainedRun {
  runDir: string;
  /** Wall time of the `train` child process, tsx start-up included. */
  wallMs: number;
  /** The engine's own "complete in … s" figure (the training loop), when printed. */
  engineMs: number | null;
}

/**
 * Trains an experiment in a child process from the TypeScript sources (tsx), so the bench never
 * rebuilds the shared dist/ bundle while others work in the tree.
 */
export function trainRun(experimentFile: string, runDir: string, extraArgs: string[] = []): TrainedRun {
  const started = performance.now();
  const result = spawnSync(
    TSX,
    [path.join(ROOT, 'src', 'engine', 'main.ts'), 'train', experimentFile, '--out', runDir, '--backend', 'wasm', ...extraArgs],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  const wallMs = performance.now() - started;
  const output = `${result.stdout}\n${result.stderr}`;
  if (result.status !== 0) throw new Error(`training ${experimentFile} failed (exit ${result.status}):\n${output.slice(-2000)}`);
  const match = /complete in ([\d.]+) s/.exec(output);
  return { runDir, wallMs, engineMs: match ? Number(match[1]) * 1000 : null };
}

export interface MachineBlock {
  cores: number;
  cpuModel: string;
  backend: string;
  node: string;
  tfjsCore: string;
  tfjsBackendWasm: string;
  commit: string;
  /** Uncommitted changes under src/ when the bench ran (the figures then describe the working tree). */
  srcDirty: boolean;
}

function packageVersion(name: string): string {
  try {
    const file = path.join(ROOT, 'node_modules', ...name.split('/'), 'package.json');
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

export function machineBlock(backend: string): MachineBlock {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = fs
      .readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1].trim();
  } catch {
    // Not Linux: os.cpus() is the fallback.
  }
  return {
    cores: os.cpus().length,
    cpuModel,
    backend,
    node: process.version,
    tfjsCore: tf.version_core,
    tfjsBackendWasm: packageVersion('@tensorflow/tfjs-backend-wasm'),
    // A snapshot (scripts/benchSnapshot.ts) has no .git; it passes the commit it was exported from.
    commit: process.env.BENCH_SOURCE_COMMIT ?? (git(['rev-parse', '--short', 'HEAD']) || 'unknown'),
    srcDirty: process.env.BENCH_SOURCE_COMMIT ? false : git(['status', '--porcelain', '--', 'src']).length > 0,
  };
}

/** Least-squares slope of log y against log x: the exponent k in y ∝ x^k. */
export function logLogSlope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  let num = 0;
  let den = 0;
  for (let k = 0; k < lx.length; k++) {
    num += (lx[k] - mx) * (ly[k] - my);
    den += (lx[k] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

export function round(value: number, digits = 3): number {
  if (!Number.isFinite(value) || value === 0) return value;
  const scale = 10 ** Math.max(0, digits - Math.ceil(Math.log10(Math.abs(value))));
  return Math.round(value * scale) / scale;
}
