/** CSV files read from disk as records (the engine's CSV rules, src/shared/csv), cached by modification time. */
import * as fs from 'node:fs/promises';
import { parseCsvRecords, type CsvRecord } from '../../shared/csv/csvText';
import { normalizePath } from '../experiments/model/rowLookup';

interface CachedCsv {
  mtimeMs: number;
  records: CsvRecord[];
  byLine: Map<number, CsvRecord>;
}

/** A file the engine could not parse has no records to show (the engine reports the error itself). */
export function recordsOrNone(text: string): CsvRecord[] {
  try {
    return parseCsvRecords(text);
  } catch {
    return [];
  }
}

export class CsvFileCache {
  private readonly cache = new Map<string, CachedCsv>();

  async read(file: string): Promise<CachedCsv> {
    const key = normalizePath(file);
    const stat = await fs.stat(key);
    const hit = this.cache.get(key);
    if (hit && hit.mtimeMs === stat.mtimeMs) return hit;
    const records = recordsOrNone(await fs.readFile(key, 'utf8'));
    const entry: CachedCsv = { mtimeMs: stat.mtimeMs, records, byLine: new Map(records.map((r) => [r.startLine, r])) };
    this.cache.set(key, entry);
    return entry;
  }

  /** The header row (first record) of a file. */
  async header(file: string): Promise<string[]> {
    return (await this.read(file)).records[0]?.fields ?? [];
  }

  /** The cells of the record starting at `line`, or undefined. */
  async recordAt(file: string, line: number): Promise<string[] | undefined> {
    return (await this.read(file)).byLine.get(line)?.fields;
  }
}
