/** Loads a run's `data/rows.json` into a `RowLookup`, cached per run directory. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { RunInfo } from '../../../protocol';
import { buildRowLookup, isRunRows, normalizePath, type RowLookup } from './rowLookup';

export class RunRowsCache {
  private readonly cache = new Map<string, Promise<RowLookup>>();

  get(run: Pick<RunInfo, 'dir' | 'experimentFile'>): Promise<RowLookup> {
    const key = normalizePath(run.dir);
    let lookup = this.cache.get(key);
    if (!lookup) {
      lookup = load(run);
      this.cache.set(key, lookup);
      lookup.catch(() => this.cache.delete(key));
    }
    return lookup;
  }

  forget(runDir: string): void {
    this.cache.delete(normalizePath(runDir));
  }
}

async function load(run: Pick<RunInfo, 'dir' | 'experimentFile'>): Promise<RowLookup> {
  const file = path.join(run.dir, 'data', 'rows.json');
  const value: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
  if (!isRunRows(value)) throw new Error(`${file} does not list train and test rows.`);
  return buildRowLookup(value, path.dirname(run.experimentFile));
}
