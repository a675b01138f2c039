/**
 * A CSV text (an editor buffer, a file read whole) parsed with the engine's rules, so that both sides
 * agree on every record and the line it starts on: the line the engine records in `rows.json`.
 */
import { parse } from 'csv-parse/sync';
import { cleanHeader, csvParseOptions, delimiterOfText, type ParsedRecord } from './csvDialect';
import { LineTracker } from './lineTracker';

export interface CsvRecord {
  /** 1-based editor line where the record starts. */
  startLine: number;
  /** 1-based editor line where the record ends (inclusive). */
  endLine: number;
  fields: string[];
}

/**
 * The records of a CSV text, the header first (its names trimmed, without a BOM). Throws csv-parse's
 * error for text it cannot parse (a quote never closed, text after a closing quote).
 */
export function parseCsvRecords(text: string): CsvRecord[] {
  const parsed = parse(text, csvParseOptions(delimiterOfText(text))) as unknown as ParsedRecord[];
  const lines = new LineTracker();
  return parsed.map((item, k) => {
    const { start, end } = lines.advance(item.raw);
    return { startLine: start, endLine: end, fields: k === 0 ? cleanHeader(item.record) : item.record };
  });
}

/** The start line of the record that holds `line` (1-based), or null on a blank line or past the end. */
export function recordStartForLine(records: readonly CsvRecord[], line: number): number | null {
  let lo = 0;
  let hi = records.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = records[mid];
    if (line < r.startLine) hi = mid - 1;
    else if (line > r.endLine) lo = mid + 1;
    else return r.startLine;
  }
  return null;
}
