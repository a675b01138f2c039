/** Completes CSV column names where an experiment file expects one (`dataset.target`, `ignore`, `columns`). */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'jsonc-parser';
import { headerOf } from '../../../shared/csv/csvCells';
import { delimiterOfText } from '../../../shared/csv/csvDialect';
import { EXPERIMENT_GLOB } from '../model/experimentStore';
import { columnSlotAt } from './columnSlot';

export const EXPERIMENT_SELECTOR: vscode.DocumentSelector = { scheme: 'file', pattern: EXPERIMENT_GLOB };
// The header is on the first line: a prefix of the file is enough, however large the file is.
const HEADER_BYTES = 256 * 1024;

async function headerOfFile(file: string): Promise<string[]> {
  const handle = await fs.open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(HEADER_BYTES), 0, HEADER_BYTES, 0);
    const text = buffer.subarray(0, bytesRead).toString('utf8');
    return headerOf(text, delimiterOfText(text));
  } finally {
    await handle.close();
  }
}

function trainFileOf(text: string): string | undefined {
  const value = (parse(text) as { dataset?: { train?: unknown } } | undefined)?.dataset?.train;
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export class ColumnCompletionProvider implements vscode.CompletionItemProvider {
  async provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.CompletionItem[]> {
    const text = document.getText();
    const slot = columnSlotAt(text, document.offsetAt(position));
    const train = slot && trainFileOf(text);
    if (!slot || !train) return [];
    const file = path.resolve(path.dirname(document.uri.fsPath), train);
    // An image folder (or a file not written yet) has no columns to offer.
    const columns = await headerOfFile(file).catch(() => []);
    const range = new vscode.Range(document.positionAt(slot.start), document.positionAt(slot.end));
    return columns.map((name, i) => {
      const quoted = JSON.stringify(name);
      const item = new vscode.CompletionItem({ label: name, description: path.basename(train) }, vscode.CompletionItemKind.Field);
      item.insertText = slot.kind === 'key' ? `${quoted}: ` : quoted;
      item.filterText = quoted;
      item.range = range;
      item.sortText = String(i).padStart(5, '0');
      item.detail = `column ${i + 1} of ${train}`;
      return item;
    });
  }
}
