/**
 * A small CSV record scanner for mapping editor lines to records (pure, no VS Code).
 * Quoted fields may span lines, so a cursor line is mapped to the line where its record starts,
 * which is what the engine records in `rows.json`.
 */

export interface CsvRecord {
  /** 1-based editor line where the record starts. */
  startLine: number;
  /** 1-based editor line where the record ends (inclusive). */
  endLine: number;
  fields: string[];
}

/** Picks the delimiter the header line uses most (comma, semicolon or tab). */
export function detectDelimiter(text: string): string {
  const firstLine = text.slice(0, Math.max(0, text.indexOf('\n')) || text.length);
  let best = ',';
  let bestCount = -1;
  for (const candidate of [',', ';', '\t']) {
    const count = firstLine.split(candidate).length - 1;
    if (count > bestCount) {
      best = candidate;
      bestCount = count;
    }
  }
  return best;
}

/** Splits CSV text into records (RFC 4180 quoting, `\n` or `\r\n`), skipping blank lines. */
export function parseCsvRecords(text: string, delimiter = detectDelimiter(text)): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 1;
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let startLine = 1;
  let recordHasContent = false;
  const endRecord = (endLine: number): void => {
    if (recordHasContent || fields.length > 0 || field.length > 0) {
      fields.push(field);
      records.push({ startLine, endLine, fields });
    }
    fields = [];
    field = '';
    recordHasContent = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && field.length === 0) {
      if (!recordHasContent && fields.length === 0) startLine = line;
      inQuotes = true;
      recordHasContent = true;
    } else if (ch === delimiter) {
      if (!recordHasContent && fields.length === 0) startLine = line;
      fields.push(field);
      field = '';
      recordHasContent = true;
    } else if (ch === '\r' && text[i + 1] === '\n') {
      // handled by the following '\n'
    } else if (ch === '\n') {
      endRecord(line);
      line++;
      startLine = line;
    } else {
      if (!recordHasContent && fields.length === 0 && field.length === 0) startLine = line;
      field += ch;
      recordHasContent = true;
    }
  }
  endRecord(line);
  return records;
}

/**
 * The start line of the record that covers `line` (1-based), or null for blank lines.
 * `records` must be sorted by line, as `parseCsvRecords` returns them.
 */
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
