import * as path from 'node:path';
import type { ColumnSchema, DatasetSchema } from '../../protocol';
import { isMissing, parseNumber, typeFromCounts } from './columnTypes';
import { forEachCsvRecord } from './csvTable';
import { plainText } from '../../shared/safeText';

/** How many of the most frequent categories a column's schema lists. */
export const MAX_LISTED_CATEGORIES = 50;
/** Distinct values counted per column; past this a column's distinct count is a floor (memory stays bounded). */
export const MAX_COUNTED_DISTINCT = 10_000;

/** One column's statistics, gathered one record at a time. */
class ColumnTally {
  present = 0;
  numbers = 0;
  missing = 0;
  firstBad: { line: number; value: string } | null = null;
  readonly counts = new Map<string, number>();
  min = Infinity;
  max = -Infinity;
  sum = 0;
  fractional = false;

  add(cell: string, line: number): void {
    if (isMissing(cell)) {
      this.missing++;
      return;
    }
    this.present++;
    const value = cell.trim();
    const seen = this.counts.get(value);
    if (seen !== undefined) this.counts.set(value, seen + 1);
    else if (this.counts.size < MAX_COUNTED_DISTINCT) this.counts.set(value, 1);
    const v = parseNumber(cell);
    if (v === null) {
      this.firstBad ??= { line, value: plainText(value, 200) };
      return;
    }
    this.numbers++;
    if (!Number.isInteger(v)) this.fractional = true;
    this.min = Math.min(this.min, v);
    this.max = Math.max(this.max, v);
    this.sum += v;
  }

  schema(name: string, index: number): ColumnSchema {
    const type = typeFromCounts(this.present, this.numbers, this.firstBad !== null);
    const column: ColumnSchema = { name, index, type, missing: this.missing, distinct: this.counts.size };
    if (type === 'categorical') {
      // Most frequent first; equal counts in sorted order so the listing is stable.
      column.categories = [...this.counts.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, MAX_LISTED_CATEGORIES)
        .map(([category]) => category);
      return column;
    }
    if (this.numbers > 0) Object.assign(column, { min: this.min, max: this.max, mean: this.sum / this.numbers, integer: !this.fractional });
    if (this.firstBad !== null) column.badValue = this.firstBad;
    return column;
  }
}

/**
 * The inferred schema of a CSV file with per-column statistics; bad numeric cells are reported, not thrown.
 * Streamed: memory holds one record and each column's bounded tallies, whatever the file's size.
 */
export async function inspectCsv(file: string): Promise<DatasetSchema> {
  const abs = path.resolve(file);
  let tallies: ColumnTally[] = [];
  const { header, delimiter, count } = await forEachCsvRecord(abs, (record, line) => {
    if (tallies.length === 0) tallies = record.map(() => new ColumnTally());
    record.forEach((cell, k) => tallies[k].add(cell, line));
  });
  return {
    file: abs,
    delimiter,
    rows: count,
    columns: header.map((name, index) => tallies[index].schema(name, index)),
    suggestedTarget: header[header.length - 1],
  };
}
