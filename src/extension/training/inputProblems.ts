/**
 * Data and experiment errors as diagnostics (Problems, squiggles) instead of toasts that vanish: a training refused
 * for bad input marks the experiment file's field or the CSV cell the engine named, with quick fixes where one is
 * obvious ("Use column …" for a misspelt column, "Treat as missing" for text in a numeric cell). A marker goes when
 * its file is edited or the experiment trains again.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parse } from 'jsonc-parser';
import type { ErrorLocation } from '../../protocol';
import { plainText } from '../../shared/safeText';
import { closestNames, csvCellSpan, jsonFieldSpan, type ProblemSpan } from './problemLocation';

export const PROBLEM_SOURCE = 'Kernel Lens';
const UNKNOWN_COLUMN = 'unknown-column';
const BAD_CELL = 'bad-cell';
const CELL_ELSEWHERE = 'cell-elsewhere';

interface Problem {
  diagnostic: vscode.Diagnostic;
  location: ErrorLocation;
  /** The range is the named CSV cell itself (not its whole line). */
  cell: boolean;
  /** For the experiment file's pointer to a CSV cell: where "Go to cell" goes. */
  goTo?: { uri: vscode.Uri; range: vscode.Range };
}

/** The experiment file's field that names `csvFile`: the test file's when it is that one, else the training file's. */
function datasetFieldOf(text: string, experimentFile: string, csvFile: string): string[] {
  const test = (parse(text) as { dataset?: { test?: { file?: unknown } } } | undefined)?.dataset?.test?.file;
  const isTest = typeof test === 'string' && path.resolve(path.dirname(experimentFile), test) === path.resolve(csvFile);
  return isTest ? ['dataset', 'test', 'file'] : ['dataset', 'train'];
}

export class InputProblems implements vscode.CodeActionProvider, vscode.Disposable {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
  private readonly collection = vscode.languages.createDiagnosticCollection('kernelLens.inputProblems');
  /** Per experiment file, the problems its last training reported (file URI → problems). */
  private readonly byExperiment = new Map<string, Map<string, Problem[]>>();
  private readonly disposables: vscode.Disposable[] = [this.collection];

  constructor() {
    this.disposables.push(
      vscode.languages.registerCodeActionsProvider([{ scheme: 'file', pattern: '**/*.{csv,json}' }], this, InputProblems.metadata),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length > 0 && this.collection.has(e.document.uri)) this.forgetFile(e.document.uri);
      }),
    );
  }

  /** Marks the problem; returns how to reveal it (for the notification's "Show Problem"), or null if it has no place. */
  async report(experimentFile: string, location: ErrorLocation, message: string): Promise<(() => Promise<void>) | null> {
    this.clear(experimentFile);
    const uri = vscode.Uri.file(location.file);
    let document: vscode.TextDocument;
    try {
      document = await vscode.workspace.openTextDocument(uri);
    } catch {
      return null;
    }
    const span = this.spanOf(document, location);
    if (!span) return null;
    const range = document.validateRange(new vscode.Range(span.line, span.start, span.line, span.end));
    const diagnostic = new vscode.Diagnostic(range, plainText(message, 600), vscode.DiagnosticSeverity.Error);
    diagnostic.source = PROBLEM_SOURCE;
    diagnostic.code = location.choices ? UNKNOWN_COLUMN : location.column !== undefined ? BAD_CELL : 'input';
    const cell = location.column !== undefined && location.field === undefined && span.end !== Number.MAX_SAFE_INTEGER;
    const files = new Map<string, Problem[]>([[uri.toString(), [{ diagnostic, location, cell }]]]);
    const pointer = await this.pointerToCell(experimentFile, location, message, { uri, range });
    if (pointer) files.set(pointer.uri.toString(), [pointer.problem]);
    this.byExperiment.set(experimentFile, files);
    for (const [file, problems] of files)
      this.collection.set(
        vscode.Uri.parse(file),
        problems.map((p) => p.diagnostic),
      );
    return async () => {
      const editor = await vscode.window.showTextDocument(uri, { selection: range });
      editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    };
  }

  /**
   * A problem in a CSV cell is also shown on the experiment file's dataset field (where the user trained from), with
   * "Go to cell".
   */
  private async pointerToCell(
    experimentFile: string,
    location: ErrorLocation,
    message: string,
    cell: { uri: vscode.Uri; range: vscode.Range },
  ): Promise<{ uri: vscode.Uri; problem: Problem } | null> {
    if (location.field || location.line === undefined || location.file === experimentFile) return null;
    const uri = vscode.Uri.file(experimentFile);
    const document = await Promise.resolve(vscode.workspace.openTextDocument(uri)).catch(() => null);
    if (!document) return null;
    const text = document.getText();
    const field = jsonFieldSpan(text, datasetFieldOf(text, experimentFile, location.file));
    if (!field) return null;
    const range = document.validateRange(new vscode.Range(field.line, field.start, field.line, field.end));
    const diagnostic = new vscode.Diagnostic(range, plainText(message, 600), vscode.DiagnosticSeverity.Error);
    diagnostic.source = PROBLEM_SOURCE;
    diagnostic.code = CELL_ELSEWHERE;
    diagnostic.relatedInformation = [new vscode.DiagnosticRelatedInformation(new vscode.Location(cell.uri, cell.range), 'the cell')];
    return { uri, problem: { diagnostic, location, cell: false, goTo: cell } };
  }

  private spanOf(document: vscode.TextDocument, location: ErrorLocation): ProblemSpan | null {
    const text = document.getText();
    if (location.field) return jsonFieldSpan(text, location.field) ?? { line: 0, start: 0, end: Number.MAX_SAFE_INTEGER };
    if (location.line !== undefined) return csvCellSpan(text, location.line, location.column);
    return { line: 0, start: 0, end: Number.MAX_SAFE_INTEGER };
  }

  /** The experiment trained (or is training again): its earlier problems go. */
  clear(experimentFile: string): void {
    const files = this.byExperiment.get(experimentFile);
    if (!files) return;
    for (const uri of files.keys()) this.collection.delete(vscode.Uri.parse(uri));
    this.byExperiment.delete(experimentFile);
  }

  private forgetFile(uri: vscode.Uri): void {
    this.collection.delete(uri);
    for (const files of this.byExperiment.values()) files.delete(uri.toString());
  }

  private problemOf(document: vscode.TextDocument, diagnostic: vscode.Diagnostic): Problem | undefined {
    for (const files of this.byExperiment.values()) {
      const found = files.get(document.uri.toString())?.find((p) => p.diagnostic === diagnostic);
      if (found) return found;
    }
    return undefined;
  }

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== PROBLEM_SOURCE) continue;
      const problem = this.problemOf(document, diagnostic);
      if (!problem) continue;
      const { location } = problem;
      if (diagnostic.code === UNKNOWN_COLUMN && location.choices) {
        const written = document.getText(diagnostic.range);
        const name = written.startsWith('"') ? (JSON.parse(written) as string) : written;
        closestNames(name, location.choices).forEach((choice, k) => {
          const fix = new vscode.CodeAction(`Use column '${plainText(choice, 80)}'`, vscode.CodeActionKind.QuickFix);
          fix.diagnostics = [diagnostic];
          fix.isPreferred = k === 0;
          fix.edit = new vscode.WorkspaceEdit();
          fix.edit.replace(document.uri, diagnostic.range, JSON.stringify(choice));
          actions.push(fix);
        });
      }
      if (diagnostic.code === CELL_ELSEWHERE && problem.goTo) {
        const line = problem.goTo.range.start.line + 1;
        const column = location.column === undefined ? '' : `, column '${plainText(location.column, 80)}'`;
        const fix = new vscode.CodeAction(`Go to cell (line ${line}${column})`, vscode.CodeActionKind.QuickFix);
        fix.diagnostics = [diagnostic];
        fix.isPreferred = true;
        fix.command = { title: fix.title, command: 'vscode.open', arguments: [problem.goTo.uri, { selection: problem.goTo.range }] };
        actions.push(fix);
      }
      if (diagnostic.code === BAD_CELL && problem.cell && !diagnostic.range.isEmpty) {
        // An empty cell is missing: imputed under the default policy (dataset.missing).
        const fix = new vscode.CodeAction('Treat as missing (empty the cell)', vscode.CodeActionKind.QuickFix);
        fix.diagnostics = [diagnostic];
        fix.edit = new vscode.WorkspaceEdit();
        fix.edit.replace(document.uri, diagnostic.range, '');
        actions.push(fix);
      }
    }
    return actions;
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
