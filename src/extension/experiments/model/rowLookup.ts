/**
 * Maps CSV locations to the rows of a run (from its `data/rows.json`) and back (pure, no VS Code).
 */
import * as path from 'node:path';
import type { RowSource, Split } from '../../../protocol';

export interface RunRows {
  train: RowSource[];
  test: RowSource[];
}

export interface RowRef {
  split: Split;
  row: number;
}

export interface RowLookup {
  /** Which run row starts at `line` of the absolute `file`, if any. */
  find(file: string, line: number): RowRef | undefined;
  /** The CSV location of a run row, with the file made absolute. */
  source(ref: RowRef): RowSource | undefined;
  /** Absolute files the run reads. */
  readonly files: string[];
}

/** Normalizes a path for comparisons (case-insensitive file systems are not assumed). */
export function normalizePath(file: string): string {
  return path.resolve(file);
}

export function isRunRows(value: unknown): value is RunRows {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const okList = (list: unknown): boolean =>
    Array.isArray(list) &&
    list.every(
      (r) =>
        typeof r === 'object' &&
        r !== null &&
        typeof (r as RowSource).file === 'string' &&
        (typeof (r as RowSource).line === 'number' || (r as RowSource).line === null),
    );
  return okList(v.train) && okList(v.test);
}

/** Builds the lookup; `experimentDir` is the folder the `rows.json` file paths are relative to. */
export function buildRowLookup(rows: RunRows, experimentDir: string): RowLookup {
  const byFile = new Map<string, Map<number, RowRef>>();
  const absolute = new Map<string, string>();
  const abs = (file: string): string => {
    let result = absolute.get(file);
    if (result === undefined) {
      result = normalizePath(path.resolve(experimentDir, file));
      absolute.set(file, result);
    }
    return result;
  };
  for (const split of ['train', 'test'] as const) {
    rows[split].forEach((source, row) => {
      // An image file is one row: its "line" is 0.
      const file = abs(source.file);
      let lines = byFile.get(file);
      if (!lines) {
        lines = new Map();
        byFile.set(file, lines);
      }
      // A line appears once per run; the first split wins if a file lists it twice.
      const line = source.line ?? 0;
      if (!lines.has(line)) lines.set(line, { split, row });
    });
  }
  return {
    find: (file, line) => byFile.get(normalizePath(file))?.get(line),
    source: (ref) => {
      const s = rows[ref.split][ref.row];
      return s ? { file: abs(s.file), line: s.line } : undefined;
    },
    files: [...byFile.keys()],
  };
}
