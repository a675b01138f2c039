/**
 * Hovers on CSV data rows: the row's prediction, true label, strongest supporters and opposer (links that open
 * their rows), residual and an "Explain prediction" link, from the per-run cache. Trusts only our own commands.
 */
import * as vscode from 'vscode';
import type { DocumentRecords } from './documentRecords';
import type { ExplanationCache } from '../explain/explanationCache';
import { EXPLAIN_COMMAND, OPEN_ROW_COMMAND, dirtyHoverMarkdown, hoverMarkdown, staleHoverMarkdown } from './hoverMarkdown';
import { escapeMarkdown } from './markdownText';
import type { RunResolver } from '../experiments/model/runResolver';
import type { RunRowsCache } from '../experiments/model/runRows';
import { messageOf } from '../../shared/messageOf';
import { pixelsDataUri } from './rowImage';

export const CSV_SELECTOR: vscode.DocumentFilter = { scheme: 'file', pattern: '**/*.csv' };

function markdown(text: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(text, true);
  md.isTrusted = { enabledCommands: [OPEN_ROW_COMMAND, EXPLAIN_COMMAND] };
  md.supportHtml = false;
  return md;
}

export class CsvHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly resolver: RunResolver,
    private readonly rows: RunRowsCache,
    private readonly records: DocumentRecords,
    private readonly cache: ExplanationCache,
  ) {}

  async provideHover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    const resolution = await this.resolver.resolve(document.uri.fsPath, { ask: false });
    if (token.isCancellationRequested) return undefined;
    if (resolution.kind === 'ambiguous') {
      return new vscode.Hover(
        markdown('**Kernel Lens** · several experiments read this file: run **Explain Prediction** once to choose which one answers.'),
      );
    }
    if (resolution.kind !== 'run') return undefined;
    const { run } = resolution;
    const start = this.records.recordStart(document, position.line);
    if (start === null || start === 1) return undefined;
    const range = document.lineAt(position.line).range;
    if (run.stale) return new vscode.Hover(markdown(staleHoverMarkdown(run)), range);
    if (document.isDirty) return new vscode.Hover(markdown(dirtyHoverMarkdown()), range);
    const ref = (await this.rows.get(run)).find(document.uri.fsPath, start);
    if (!ref || token.isCancellationRequested) return undefined;
    try {
      const facts = await this.cache.get(run, ref, token);
      if (token.isCancellationRequested) return undefined;
      // A pixel CSV row's picture, from the cells the explanation recorded (the same as the document's: a stale or
      // unsaved file got its own hover above).
      const image = run.image && facts.pixels ? pixelsDataUri(facts.pixels, run.image.width, run.image.height) : undefined;
      return new vscode.Hover(markdown(hoverMarkdown(facts, { run, ref, image })), range);
    } catch (e) {
      if (token.isCancellationRequested) return undefined;
      return new vscode.Hover(markdown(`**Kernel Lens** · could not explain this row: ${escapeMarkdown(messageOf(e))}`), range);
    }
  }
}
