/**
 * Which run answers for an experiment, and which experiments read a CSV file (pure, no VS Code).
 */
import * as path from 'node:path';
import type { ExperimentConfig, RunInfo } from '../../../protocol';
import { normalizePath } from './rowLookup';

/** The pinned run (newest if several), else the newest complete run. */
export function answeringRun(runs: readonly RunInfo[]): RunInfo | undefined {
  const newestFirst = [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return newestFirst.find((r) => r.pinned && r.status === 'complete') ?? newestFirst.find((r) => r.status === 'complete');
}

/** The absolute CSV files an experiment reads (train, and test when it is a separate file). */
export function experimentDataFiles(experimentFile: string, config: ExperimentConfig): string[] {
  const dir = path.dirname(experimentFile);
  const files = [normalizePath(path.resolve(dir, config.dataset.train))];
  const test = config.dataset.test;
  if (test && 'file' in test) files.push(normalizePath(path.resolve(dir, test.file)));
  return files;
}

export interface ExperimentFileRef {
  file: string;
  config: ExperimentConfig;
}

/** Experiments whose train or test file is `csvFile`. */
export function experimentsReading<T extends ExperimentFileRef>(csvFile: string, experiments: readonly T[]): T[] {
  const target = normalizePath(csvFile);
  return experiments.filter((e) => experimentDataFiles(e.file, e.config).includes(target));
}

/** The remembered experiment for a CSV, when it is still among the candidates. */
export function rememberedChoice<T extends ExperimentFileRef>(candidates: readonly T[], remembered: string | undefined): T | undefined {
  if (!remembered) return undefined;
  return candidates.find((c) => normalizePath(c.file) === normalizePath(remembered));
}
