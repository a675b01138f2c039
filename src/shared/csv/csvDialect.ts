/**
 * The CSV rules of Kernel Lens, in one place for the engine (files, streamed) and the extension (editor
 * text): which delimiter a file uses, how csv-parse is set up, and how a header is cleaned.
 */
import type { Options } from 'csv-parse';

export const CANDIDATE_DELIMITERS = [',', ';', '\t'] as const;

/** Counts of each candidate delimiter in the header line, outside quotes; `complete` once the line has ended. */
export function countOutsideQuotes(text: string): { counts: Map<string, number>; complete: boolean } {
  const counts = new Map<string, number>(CANDIDATE_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) return { counts, complete: true };
    else if (!quoted && counts.has(ch)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  }
  return { counts, complete: false };
}

/** `,`, `;` or tab: whichever occurs most (comma on a tie or none). */
export function pickDelimiter(counts: Map<string, number>): string {
  let best: string = ',';
  let bestCount = 0;
  for (const d of CANDIDATE_DELIMITERS) {
    const n = counts.get(d) ?? 0;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** The delimiter of a CSV text, from its header line. */
export function delimiterOfText(text: string): string {
  return pickDelimiter(countOutsideQuotes(text).counts);
}

/** csv-parse's options: BOM stripped, `\n`, `\r\n` or `\r` line ends, raw text kept for line numbers. */
export function csvParseOptions(delimiter: string): Options {
  return {
    bom: true,
    delimiter,
    info: true,
    raw: true,
    // Every line end on every line: a file edited on two systems mixes them, and one kind must not swallow the other.
    record_delimiter: ['\r\n', '\n', '\r'],
    // Field counts are checked by the caller so the message can say which line and how many.
    relax_column_count: true,
    skip_empty_lines: true,
  };
}

/** Column names as Kernel Lens uses them: trimmed. */
export function cleanHeader(names: readonly string[]): string[] {
  return names.map((name) => name.trim());
}

/** One parsed record as csv-parse hands it out with `info` and `raw`. */
export interface ParsedRecord {
  record: string[];
  raw: string;
}
