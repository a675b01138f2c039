import { createReadStream, promises as fsp } from 'node:fs';
import { parse, type CsvError } from 'csv-parse';
import { UserError } from '../errors';
import { displayPath } from './displayPath';
import { cleanHeader, countOutsideQuotes, csvParseOptions, pickDelimiter, type ParsedRecord } from '../../shared/csv/csvDialect';
import { LineTracker } from '../../shared/csv/lineTracker';
import { quoteCell } from '../../shared/safeText';

/** A parsed CSV: header, records as strings, and where each record starts in the editor. */
export interface CsvTable {
  /** Absolute path. */
  file: string;
  delimiter: string;
  /** Trimmed column names. */
  header: string[];
  records: string[][];
  /** 1-based editor line where each record starts (the header is line 1). */
  lines: number[];
}

/** Reads and validates a whole CSV file as a stream. `display` is the name used in messages. */
export async function readCsvTable(file: string, display = displayPath(file)): Promise<CsvTable> {
  return readCsv(file, display, false);
}

/** Reads only the header row (for quick checks such as "does the target column exist"). */
export async function readCsvHeader(file: string, display = displayPath(file)): Promise<{ header: string[]; delimiter: string }> {
  const table = await readCsv(file, display, true);
  return { header: table.header, delimiter: table.delimiter };
}

async function readCsv(file: string, display: string, headerOnly: boolean): Promise<CsvTable> {
  const records: string[][] = [];
  const starts: number[] = [];
  const { header, delimiter } = await forEachCsvRecord(
    file,
    (record, line) => {
      records.push(record);
      starts.push(line);
    },
    { display, headerOnly },
  );
  return { file, delimiter, header, records, lines: starts };
}

/**
 * Streams a CSV file record by record (the header checked, every record's field count checked), so a caller
 * that keeps only statistics holds one record at a time. Returns the header and delimiter.
 */
export async function forEachCsvRecord(
  file: string,
  onRecord: (record: string[], line: number) => void,
  options: { display?: string; headerOnly?: boolean } = {},
): Promise<{ header: string[]; delimiter: string; count: number }> {
  const display = options.display ?? displayPath(file);
  await assertFile(file, display);
  const delimiter = await detectDelimiter(file);
  const source = createReadStream(file);
  const parser = parse(csvParseOptions(delimiter));
  source.on('error', (error) => parser.destroy(error));
  source.pipe(parser);

  const lines = new LineTracker();
  let header: string[] | null = null;
  let count = 0;
  try {
    for await (const item of parser as AsyncIterable<ParsedRecord>) {
      const line = lines.advance(item.raw).start;
      if (header === null) {
        header = checkHeader(item.record, display);
        if (options.headerOnly) break;
        continue;
      }
      if (item.record.length !== header.length) {
        throw new UserError(`${item.record.length} fields, expected ${header.length}`, { file: display, line });
      }
      onRecord(item.record, line);
      count++;
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw parseError(error, display, lines.next);
  } finally {
    source.destroy();
  }
  if (header === null) throw new UserError('empty file, expected a header row and data rows', { file: display });
  if (!options.headerOnly && count === 0) throw new UserError('header only, no data rows', { file: display, line: 1 });
  return { header, delimiter, count };
}

async function assertFile(file: string, display: string): Promise<void> {
  let stat;
  try {
    stat = await fsp.stat(file);
  } catch {
    throw new UserError('file not found', { file: display });
  }
  if (!stat.isFile()) throw new UserError('not a file', { file: display });
}

function checkHeader(names: string[], display: string): string[] {
  const header = cleanHeader(names);
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === '') throw new UserError(`empty column name in the header (field ${i + 1})`, { file: display, line: 1 });
    if (seen.has(name)) throw new UserError(`duplicate column name ${quoteCell(name)} in the header`, { file: display, line: 1 });
    seen.add(name);
  });
  return header;
}

function parseError(error: unknown, display: string, line: number): Error {
  const csv = error as Partial<CsvError> & { lines?: number };
  if (typeof csv.code !== 'string') return error instanceof Error ? error : new Error(String(error));
  switch (csv.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return new UserError('unparsable CSV: a quote opened in the record starting here is never closed', { file: display, line });
    case 'CSV_INVALID_CLOSING_QUOTE':
      return new UserError('unparsable CSV: unexpected character after a closing quote', {
        file: display,
        line: parserLine(csv.lines, line),
      });
    case 'INVALID_OPENING_QUOTE':
      return new UserError('unparsable CSV: quote inside an unquoted field', { file: display, line: parserLine(csv.lines, line) });
    default:
      return new UserError(`unparsable CSV: ${(csv.message ?? csv.code).split(':')[0]}`, {
        file: display,
        line: parserLine(csv.lines, line),
      });
  }
}

function parserLine(reported: number | undefined, fallback: number): number {
  return typeof reported === 'number' && reported >= fallback ? reported : fallback;
}

/** Picks `,`, `;` or tab: whichever occurs most in the header line outside quotes (comma on a tie or none). */
export async function detectDelimiter(file: string): Promise<string> {
  const handle = await fsp.open(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    let text = '';
    let position = 0;
    // Read until the header line ends outside quotes, at most 1 MB.
    while (position < 1024 * 1024) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      text += buffer.subarray(0, bytesRead).toString('utf8');
      const counts = countOutsideQuotes(text);
      if (counts.complete) return pickDelimiter(counts.counts);
    }
    return pickDelimiter(countOutsideQuotes(text).counts);
  } finally {
    await handle.close();
  }
}
