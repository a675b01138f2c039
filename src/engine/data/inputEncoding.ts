import type { ColumnType, EncodedColumn, MissingPolicy } from '../../protocol';
import { UserError } from '../errors';
import { isMissing, parseNumber } from './columnTypes';
import { standardScale } from './targetEncoding';
import { quoteCell } from '../../shared/safeText';

/** Fits one input column on the training split's cells: mean/std/impute, or sorted categories/most frequent. */
export function fitColumn(
  name: string,
  type: ColumnType,
  cells: readonly string[],
  whereOf?: (cell: number) => { file: string; line: number },
): EncodedColumn {
  if (type === 'numeric') {
    const values: number[] = [];
    const from: number[] = [];
    cells.forEach((cell, c) => {
      if (isMissing(cell)) return;
      const v = parseNumber(cell);
      if (v === null) return;
      values.push(v);
      from.push(c);
    });
    const { mean, std } = standardScale(values, whereOf && { column: name, where: (k) => whereOf(from[k]) });
    return { name, type, mean, std, impute: mean };
  }
  const counts = new Map<string, number>();
  for (const cell of cells) {
    if (isMissing(cell)) continue;
    const value = cell.trim();
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const categories = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // Most frequent; ties go to the first in sorted order so the choice is deterministic.
  let impute = '';
  let best = 0;
  for (const category of categories) {
    const n = counts.get(category) ?? 0;
    if (n > best) {
      impute = category;
      best = n;
    }
  }
  return { name, type, categories, impute };
}

export function featureNamesOf(columns: readonly EncodedColumn[]): string[] {
  return columns.flatMap((column) =>
    column.type === 'numeric' ? [column.name] : column.categories.map((category) => `${column.name}=${category}`),
  );
}

/** Per-column state for fast encoding. */
export interface ColumnEncoder {
  width: number;
  /** Writes the column's features at `out[offset..offset+width)`. */
  encode(cell: string, out: Float32Array, offset: number, where: { file: string; line: number }): void;
}

/**
 * An encoder for a fitted column. Missing cells are imputed (the caller has already dropped or rejected them under
 * the other policies); a non-number in a numeric column is an error; an unseen category encodes as all zeros.
 */
export function columnEncoder(column: EncodedColumn, missing: MissingPolicy): ColumnEncoder {
  if (column.type === 'numeric') {
    return {
      width: 1,
      encode(cell, out, offset, where) {
        let v: number | null;
        if (isMissing(cell)) {
          if (missing === 'error') throw new UserError('missing value (dataset.missing is "error")', { ...where, column: column.name });
          v = column.impute;
        } else {
          v = parseNumber(cell);
          if (v === null) throw new UserError(`text in a numeric column: ${quoteCell(cell)}`, { ...where, column: column.name });
        }
        out[offset] = (v - column.mean) / column.std;
      },
    };
  }
  const index = new Map(column.categories.map((category, i) => [category, i]));
  return {
    width: column.categories.length,
    encode(cell, out, offset, where) {
      let value = cell.trim();
      if (isMissing(cell)) {
        if (missing === 'error') throw new UserError('missing value (dataset.missing is "error")', { ...where, column: column.name });
        value = column.impute;
      }
      const i = index.get(value);
      if (i !== undefined) out[offset + i] = 1;
    },
  };
}
