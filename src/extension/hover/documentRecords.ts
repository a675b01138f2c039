/** CSV records of open documents (the engine's CSV rules), parsed once per document version. */
import type * as vscode from 'vscode';
import { recordStartForLine, type CsvRecord } from '../../shared/csv/csvText';
import { recordsOrNone } from './csvFileCache';

export class DocumentRecords {
  private readonly cache = new Map<string, { version: number; records: CsvRecord[] }>();

  records(document: vscode.TextDocument): CsvRecord[] {
    const key = document.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === document.version) return hit.records;
    const records = recordsOrNone(document.getText());
    this.cache.set(key, { version: document.version, records });
    return records;
  }

  /** The 1-based start line of the record under a 0-based editor line. */
  recordStart(document: vscode.TextDocument, zeroBasedLine: number): number | null {
    return recordStartForLine(this.records(document), zeroBasedLine + 1);
  }

  forget(document: vscode.TextDocument): void {
    this.cache.delete(document.uri.toString());
  }
}
