/**
 * Where a data or experiment error sits in its file, as text offsets (pure, no VS Code): the experiment file's value
 * (or key) at a JSON path, or a CSV cell by line and column name; and the names a misspelt column most likely meant.
 */
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { cellSpans, headerOf } from '../../shared/csv/csvCells';
import { delimiterOfText } from '../../shared/csv/csvDialect';

/** A span of text: 0-based line, and offsets within it (end exclusive); a whole line when the cell is not known. */
export interface ProblemSpan {
  line: number;
  start: number;
  end: number;
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart };
}

/**
 * The span of the experiment file's field at `path`: its value, or its key under `dataset.columns` (the key is the
 * column name there). Null when the path is not in the text (the file changed).
 */
export function jsonFieldSpan(text: string, path: (string | number)[]): ProblemSpan | null {
  const root = parseTree(text);
  const value = root && findNodeAtLocation(root, path);
  if (!value) return null;
  const keyed = path.length === 3 && path[0] === 'dataset' && path[1] === 'columns';
  const node = keyed && value.parent?.children?.[0] ? value.parent.children[0] : value;
  const from = lineAndColumn(text, node.offset);
  const to = lineAndColumn(text, node.offset + node.length);
  // A span over several lines is cut at the first line's end: the marker stays where the field starts.
  return { line: from.line, start: from.column, end: to.line === from.line ? to.column : Number.MAX_SAFE_INTEGER };
}

/** The span of a CSV cell (1-based line, column by header name), the whole line when the cell cannot be placed. */
export function csvCellSpan(text: string, line: number, column: string | undefined): ProblemSpan {
  const whole = { line: line - 1, start: 0, end: Number.MAX_SAFE_INTEGER };
  if (column === undefined) return whole;
  const delimiter = delimiterOfText(text);
  const header = headerOf(text, delimiter);
  const index = header.indexOf(column);
  const lineText = text.split(/\r\n|\n|\r/)[line - 1];
  const cells = index < 0 || lineText === undefined ? null : cellSpans(lineText, delimiter);
  const cell = cells?.[index];
  return cell ? { line: line - 1, start: cell.start, end: cell.end } : whole;
}

/** Levenshtein distance, case-insensitive (a column name's capitals are the most common slip). */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++)
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[t.length];
}

/** The `count` names closest to `name` (fewest edits first, then file order). */
export function closestNames(name: string, choices: readonly string[], count = 3): string[] {
  return choices
    .map((choice, order) => ({ choice, order, d: distance(name, choice) }))
    .sort((a, b) => a.d - b.d || a.order - b.order)
    .slice(0, count)
    .map((c) => c.choice);
}
