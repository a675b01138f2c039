import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ExperimentConfig, RunInfo } from '../../src/protocol';
import { initBackend } from '../../src/engine/backend';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';

export const SAMPLES = path.resolve(__dirname, '..', '..', 'samples');

const created: string[] = [];
// Runs trained in a test file are shared by its tests, so the folders go when the file's process ends.
process.on('exit', () => {
  for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary workspace holding a copy of a bundled sample CSV; removed when the test process exits. */
export function tempWorkspace(datasets: string[] = []): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kernel-lens-test-'));
  created.push(dir);
  for (const name of datasets) fs.copyFileSync(path.join(SAMPLES, name), path.join(dir, name));
  return dir;
}

/** Writes `<name>.kernel.json` into `dir` and returns its path. */
export function writeExperiment(dir: string, name: string, config: ExperimentConfig): string {
  const file = path.join(dir, `${name}.kernel.json`);
  fs.writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

let backendReady: Promise<unknown> | null = null;
export function useWasm(): Promise<unknown> {
  backendReady ??= initBackend('wasm');
  return backendReady;
}

/** Trains a small experiment on a sample dataset in a temporary workspace. */
export async function trainSample(dataset: string, config: ExperimentConfig, name = 'exp'): Promise<RunInfo> {
  await useWasm();
  const dir = tempWorkspace([dataset]);
  const file = writeExperiment(dir, name, config);
  const info = await trainExperiment(file);
  if (info.status !== 'complete') throw new Error(`training ${dataset} did not complete: ${info.status} ${info.message}`);
  return info;
}
