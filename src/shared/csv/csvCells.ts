/**
 * Cells of one CSV line as text offsets, for edits that touch one cell and leave the rest of the line byte for byte
 * (csv-parse gives the values, not where they are). Quoting follows RFC 4180 as csv-parse reads it.
 */

export interface CellSpan {
  /** Offsets into the line, [start, end), the cell's raw text with its quotes. */
  start: number;
  end: number;
  /** The cell's value (quotes removed, doubled quotes undone). */
  value: string;
}

/** The cells of a record that fits on its line; null when a quoted cell runs past the line's end. */
export function cellSpans(line: string, delimiter: string): CellSpan[] | null {
  const text = line.replace(/\r$/, '');
  const cells: CellSpan[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    let value = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return null;
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i++];
      }
      // Text between the closing quote and the delimiter is not valid CSV; it stays part of the cell.
      while (i < text.length && !text.startsWith(delimiter, i)) value += text[i++];
    } else {
      while (i < text.length && !text.startsWith(delimiter, i)) value += text[i++];
    }
    cells.push({ start, end: i, value });
    if (i >= text.length) return cells;
    i += delimiter.length;
  }
}

/** A value written as a CSV cell: quoted when it holds the delimiter, a quote, a line break or edge spaces. */
export function csvCell(value: string, delimiter: string): string {
  const needsQuotes = value.includes(delimiter) || /["\r\n]/.test(value) || value !== value.trim();
  return needsQuotes ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The header's column names (trimmed) from the text's first line, without parsing the rest of the file. */
export function headerOf(text: string, delimiter: string): string[] {
  const first = /^[^\r\n]*/.exec(text.replace(/^\uFEFF/, ''))?.[0] ?? '';
  return (cellSpans(first, delimiter) ?? []).map((c) => c.value.trim());
}

/** The text's lines with each one's own line end ('' for a last line without one). */
export function linesWithEnds(text: string): { text: string; end: string }[] {
  const lines: { text: string; end: string }[] = [];
  const pattern = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  for (let m = pattern.exec(text); m !== null && m.index < text.length; m = pattern.exec(text)) {
    lines.push({ text: m[1], end: m[2] });
    if (m[2] === '') break;
  }
  return lines;
}
