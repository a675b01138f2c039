/**
 * Relabelling a suspicious row (pure, no VS Code): the edit of its label cell, and a unified diff of several such
 * edits ("Copy as CSV Patch"). Everything else on the line stays as written.
 */
import type { SuspectRow } from '../../protocol';
import { cellSpans, csvCell, headerOf, linesWithEnds } from '../../shared/csv/csvCells';
import { delimiterOfText } from '../../shared/csv/csvDialect';
import { plainText } from '../../shared/safeText';

/** Relabelling applies: a CSV row (a line) whose suggested label differs from its own. */
export function canRelabel(row: SuspectRow, target: string | null): boolean {
  return target !== null && row.line !== null && row.suggestedLabel !== null && row.suggestedLabel !== row.label;
}

export interface RelabelRequest {
  /** 1-based line of the row. */
  line: number;
  /** The label the ranking saw (checked: the file may have changed since). */
  label: string;
  /** The new label. */
  suggested: string;
}

export interface LabelEdit {
  line: number;
  /** Offsets of the label cell in the line. */
  start: number;
  end: number;
  /** The new cell text (quoted when needed). */
  cell: string;
  before: string;
  after: string;
}

/** The edits that give each requested row its new label; an error names the file and line it cannot edit. */
export function labelEdits(text: string, fileName: string, target: string, requests: readonly RelabelRequest[]): LabelEdit[] {
  const delimiter = delimiterOfText(text);
  const column = headerOf(text, delimiter).indexOf(target);
  if (column < 0) throw new Error(`${fileName} has no column "${plainText(target)}" any more`);
  const lines = linesWithEnds(text).map((l) => l.text);
  return requests.map(({ line, label, suggested }) => {
    const where = `${fileName}:${line}`;
    const lineText = lines[line - 1];
    if (lineText === undefined) throw new Error(`${where} is past the end of the file`);
    const cells = cellSpans(lineText, delimiter);
    if (cells === null) throw new Error(`${where}: the row continues on the next line (a quoted cell with a line break); edit it by hand`);
    const cell = cells[column];
    if (cell === undefined) throw new Error(`${where} has no "${plainText(target)}" cell`);
    if (cell.value.trim() !== label.trim())
      throw new Error(
        `${where} now holds "${plainText(cell.value)}", not the ranked label "${plainText(label)}": the file changed; rank again`,
      );
    const written = csvCell(suggested, delimiter);
    return {
      line,
      start: cell.start,
      end: cell.end,
      cell: written,
      before: lineText,
      after: lineText.slice(0, cell.start) + written + lineText.slice(cell.end),
    };
  });
}

/** Context lines around each change, as `diff -u` writes them (git apply wants them). */
const CONTEXT = 3;

/**
 * A unified diff of the edits against the file's text, as `git apply` and `patch -p1` read it: each line keeps its
 * own line end (a CRLF file's patch applies to it), and a last line without one is marked so.
 */
export function csvPatch(fileName: string, text: string, edits: readonly LabelEdit[]): string {
  const lines = linesWithEnds(text);
  const changed = new Map(edits.map((e) => [e.line, e.after]));
  const order = [...changed.keys()].sort((a, b) => a - b);
  const hunks: string[] = [];
  for (let k = 0; k < order.length;) {
    // A hunk runs while the next change's context touches this one's.
    let last = k;
    while (last + 1 < order.length && order[last + 1] - order[last] <= 2 * CONTEXT) last++;
    const from = Math.max(1, order[k] - CONTEXT);
    const to = Math.min(lines.length, order[last] + CONTEXT);
    let body = '';
    const line = (prefix: string, content: string, end: string) =>
      (body += end === '' ? `${prefix}${content}\n\\ No newline at end of file\n` : `${prefix}${content}${end}`);
    for (let n = from; n <= to; n++) {
      const { text: content, end } = lines[n - 1];
      const after = changed.get(n);
      if (after === undefined) line(' ', content, end);
      else {
        line('-', content, end);
        line('+', after, end);
      }
    }
    const count = to - from + 1;
    hunks.push(`@@ -${from},${count} +${from},${count} @@\n${body}`);
    k = last + 1;
  }
  return `--- a/${fileName}\n+++ b/${fileName}\n${hunks.join('')}`;
}
