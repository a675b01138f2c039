import * as path from 'node:path';
import type { ColumnSchema, DatasetSchema } from '../../protocol';
import { inferColumnType, isMissing, parseNumber } from './columnTypes';
import { readCsvTable } from './csvTable';

/** How many of the most frequent categories a column's schema lists. */
export const MAX_LISTED_CATEGORIES = 50;

/** The inferred schema of a CSV file with per-column statistics; bad numeric cells are reported, not thrown. */
export async function inspectCsv(file: string): Promise<DatasetSchema> {
  const abs = path.resolve(file);
  const table = await readCsvTable(abs);
  const columns = table.header.map((name, index): ColumnSchema => {
    const cells = table.records.map((record) => record[index]);
    const { type, firstBad } = inferColumnType(cells);
    const counts = new Map<string, number>();
    let missing = 0;
    for (const cell of cells) {
      if (isMissing(cell)) missing++;
      else counts.set(cell.trim(), (counts.get(cell.trim()) ?? 0) + 1);
    }
    const column: ColumnSchema = { name, index, type, missing, distinct: counts.size };
    if (type === 'categorical') {
      // Most frequent first; equal counts in sorted order so the listing is stable.
      column.categories = [...counts.entries()]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
        .slice(0, MAX_LISTED_CATEGORIES)
        .map(([category]) => category);
      return column;
    }
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    let n = 0;
    for (const cell of cells) {
      const v = isMissing(cell) ? null : parseNumber(cell);
      if (v === null) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
      n++;
    }
    if (n > 0) Object.assign(column, { min, max, mean: sum / n });
    if (firstBad !== null) column.badValue = { line: table.lines[firstBad], value: cells[firstBad].trim() };
    return column;
  });
  return {
    file: abs,
    delimiter: table.delimiter,
    rows: table.records.length,
    columns,
    suggestedTarget: table.header[table.header.length - 1],
  };
}
