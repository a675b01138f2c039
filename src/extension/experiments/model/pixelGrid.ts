/**
 * Whether a CSV's columns are an image's pixels (pure, no VS Code): names like `pixel_3_5` or `px_3_5` (row, column)
 * that fill a whole grid, or a square number (16 or more) of numeric columns named alike with a running number
 * (`pixel0` … `pixel63`). New Experiment then offers the image shape and a small CNN.
 */
import type { ColumnSchema } from '../../../protocol';

export interface PixelGrid {
  width: number;
  height: number;
  /** The pixel columns in the image's row-major order (by their row and column, or their number). */
  columns: string[];
}

const ROW_COLUMN = /^(?:pixel|px)[_-]?(\d+)[_-](\d+)$/i;
const NUMBERED = /^(.*?)(\d+)$/;

/** The pixel grid among `columns` (the target left out), or null. */
export function pixelGrid(columns: readonly ColumnSchema[], target: string): PixelGrid | null {
  const numeric = columns.filter((c) => c.name !== target && c.type === 'numeric');
  const byRowColumn = numeric.filter((c) => ROW_COLUMN.test(c.name));
  if (byRowColumn.length > 0) {
    const cells = byRowColumn.map((c) => (ROW_COLUMN.exec(c.name) as RegExpExecArray).slice(1, 3).map(Number));
    const height = Math.max(...cells.map(([r]) => r)) + 1;
    const width = Math.max(...cells.map(([, c]) => c)) + 1;
    const distinct = new Set(cells.map(([r, c]) => r * width + c)).size;
    if (distinct === byRowColumn.length && distinct === width * height && width * height >= 16) {
      const columns = new Array<string>(width * height);
      byRowColumn.forEach((c, k) => (columns[cells[k][0] * width + cells[k][1]] = c.name));
      return { width, height, columns };
    }
  }
  // Otherwise the largest group of columns sharing a prefix and numbered 0..n−1 (or 1..n), n a square.
  const groups = new Map<string, { number: number; name: string }[]>();
  for (const c of numeric) {
    const m = NUMBERED.exec(c.name);
    if (!m) continue;
    const list = groups.get(m[1]) ?? [];
    list.push({ number: Number(m[2]), name: c.name });
    groups.set(m[1], list);
  }
  for (const list of [...groups.values()].sort((a, b) => b.length - a.length)) {
    const n = list.length;
    const side = Math.round(Math.sqrt(n));
    const numbers = new Set(list.map((x) => x.number));
    const first = Math.min(...numbers);
    const consecutive = numbers.size === n && (first === 0 || first === 1) && Math.max(...numbers) === first + n - 1;
    if (n >= 16 && side * side === n && consecutive)
      return { width: side, height: side, columns: [...list].sort((a, b) => a.number - b.number).map((x) => x.name) };
  }
  return null;
}
