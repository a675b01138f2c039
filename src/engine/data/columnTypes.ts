import type { ColumnType } from '../../protocol';

/** Cell texts (after trimming) that mean "no value". */
export const MISSING_TOKENS: ReadonlySet<string> = new Set(['', 'NA', 'NaN', '?']);

/** A column is numeric when at least this share of its non-missing values are numbers (the rest are errors). */
export const NUMERIC_SHARE = 0.9;

export function isMissing(cell: string): boolean {
  return MISSING_TOKENS.has(cell.trim());
}

// Plain decimal notation only: `Number()` alone would accept hex, `Infinity` and whitespace.
const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The finite number a cell holds, or null when it is not a plain decimal number. */
export function parseNumber(cell: string): number | null {
  const text = cell.trim();
  if (!NUMBER_PATTERN.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

export interface ColumnInference {
  type: ColumnType;
  /** Numeric columns only: index (into the given cells) of the first non-number, when some are. */
  firstBad: number | null;
}

/**
 * Infers a column's type from its cells: all non-missing numbers → numeric; at least 90% numbers → numeric with
 * bad values (the caller reports `firstBad`); otherwise categorical. An override wins, but a numeric override still
 * reports the first non-number.
 */
export function inferColumnType(cells: readonly string[], override?: ColumnType): ColumnInference {
  let present = 0;
  let numbers = 0;
  let firstBad: number | null = null;
  for (let i = 0; i < cells.length; i++) {
    if (isMissing(cells[i])) continue;
    present++;
    if (parseNumber(cells[i]) !== null) numbers++;
    else if (firstBad === null) firstBad = i;
  }
  const type = override ?? typeFromCounts(present, numbers, firstBad !== null);
  return { type, firstBad: type === 'numeric' ? firstBad : null };
}

/** The rule of `inferColumnType` from its counts (also used by streamed inspection). */
export function typeFromCounts(present: number, numbers: number, anyBad: boolean): ColumnType {
  return !anyBad || numbers >= NUMERIC_SHARE * present ? 'numeric' : 'categorical';
}
