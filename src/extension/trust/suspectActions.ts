/**
 * What a user does with a suspicious row: open it, relabel it as the rest of the data suggests (an undoable edit
 * of its label cell, left unsaved), copy the relabelling as a patch, or ignore it (kept in the experiment file's
 * `suspects.ignore`). Reached from the Suspicious Rows view and as quick fixes on the CSV markers.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { applyEdits, modify, parse, type ParseError } from 'jsonc-parser';
import * as fs from 'node:fs/promises';
import type { SuspectRow, SuspectRowRef } from '../../protocol';
import { OPEN_ROW_COMMAND } from '../hover/hoverMarkdown';
import { plainText } from '../../shared/safeText';
import { canRelabel, csvPatch, labelEdits, type LabelEdit, type RelabelRequest } from './relabel';
import { rowKey } from './suspectMarkers';
import { DIAGNOSTIC_SOURCE, SUSPECT_DIAGNOSTIC_CODE, type SuspectDiagnostics } from './suspectDiagnostics';
import type { SuspectsService } from './suspectsService';
import type { SuspectNode } from './suspectsTree';
import { CSV_SELECTOR } from '../hover/csvHoverProvider';
import { showInfo, showWarning } from '../notify';

export const SUSPECT_COMMANDS = {
  openRow: 'kernelLens.suspects.openRow',
  relabel: 'kernelLens.suspects.relabel',
  copyPatch: 'kernelLens.suspects.copyPatch',
  ignore: 'kernelLens.suspects.ignore',
} as const;

/** A suspect with its absolute CSV file, as the view and the markers hand it over. */
export interface SuspectTarget {
  row: SuspectRow;
  file: string;
}

/** The relabelling each row asks for (rows that passed canRelabel: a line and a suggestion). */
function relabelRequests(rows: readonly SuspectRow[]): RelabelRequest[] {
  return rows.map((r) => ({ line: r.line as number, label: r.label, suggested: r.suggestedLabel as string }));
}

function targetsOf(node: unknown, nodes: unknown): SuspectTarget[] {
  const list = Array.isArray(nodes) && nodes.length > 0 ? nodes : [node];
  return list
    .filter((n): n is Extract<SuspectNode, { kind: 'row' }> => typeof n === 'object' && n !== null && (n as SuspectNode).kind === 'row')
    .map((n) => ({ row: n.row, file: n.file }));
}

export class SuspectActions implements vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };

  constructor(
    private readonly service: SuspectsService,
    private readonly diagnostics: SuspectDiagnostics,
  ) {}

  register(command: (id: string, fn: (...args: unknown[]) => unknown) => vscode.Disposable): vscode.Disposable[] {
    return [
      vscode.languages.registerCodeActionsProvider(CSV_SELECTOR, this, SuspectActions.metadata),
      command(SUSPECT_COMMANDS.openRow, (node) => {
        const [t] = targetsOf(node, undefined);
        if (t) return vscode.commands.executeCommand(OPEN_ROW_COMMAND, { file: t.file, line: t.row.line, stale: this.service.run?.stale });
      }),
      command(SUSPECT_COMMANDS.relabel, (node, nodes) => this.relabel(targetsOf(node, nodes))),
      command(SUSPECT_COMMANDS.copyPatch, (node, nodes) => this.copyPatch(targetsOf(node, nodes))),
      command(SUSPECT_COMMANDS.ignore, (node, nodes) => this.ignore(targetsOf(node, nodes))),
    ];
  }

  private get target(): string | null {
    const status = this.service.status;
    return status.kind === 'ready' ? status.result.target : null;
  }

  /** Quick fixes on a marker: "Relabel as …" (preferred) and "Ignore this row". */
  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const actions: vscode.CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      if (diagnostic.source !== DIAGNOSTIC_SOURCE || diagnostic.code !== SUSPECT_DIAGNOSTIC_CODE) continue;
      const row = this.diagnostics.rowAt(document.uri.fsPath, diagnostic.range.start.line + 1);
      if (!row) continue;
      const target = this.target;
      if (target !== null && canRelabel(row, target)) {
        const fix = new vscode.CodeAction(`Relabel as '${plainText(row.suggestedLabel ?? '', 60)}'`, vscode.CodeActionKind.QuickFix);
        fix.diagnostics = [diagnostic];
        fix.isPreferred = true;
        try {
          fix.edit = this.labelEdit(document, [row], target);
        } catch (e) {
          fix.disabled = { reason: e instanceof Error ? e.message : String(e) };
        }
        actions.push(fix);
      }
      const ignore = new vscode.CodeAction('Ignore this row (kept in the experiment file)', vscode.CodeActionKind.QuickFix);
      ignore.diagnostics = [diagnostic];
      ignore.command = {
        command: SUSPECT_COMMANDS.ignore,
        title: ignore.title,
        arguments: [{ kind: 'row', row, file: document.uri.fsPath }],
      };
      actions.push(ignore);
    }
    return actions;
  }

  private labelEdit(document: vscode.TextDocument, rows: readonly SuspectRow[], target: string): vscode.WorkspaceEdit {
    const name = path.basename(document.uri.fsPath);
    // The ranking's lines are the saved file's: with unsaved edits a line may hold another row (labels repeat).
    if (document.isDirty) throw new Error(`${name} has unsaved changes, so its lines may have moved: save or revert it first`);
    const edits = labelEdits(document.getText(), name, target, relabelRequests(rows));
    const edit = new vscode.WorkspaceEdit();
    for (const e of edits) edit.replace(document.uri, new vscode.Range(e.line - 1, e.start, e.line - 1, e.end), e.cell);
    return edit;
  }

  /** Groups the relabellable targets by file; says why when none is. */
  private relabellable(targets: readonly SuspectTarget[]): Map<string, SuspectRow[]> | null {
    const target = this.target;
    const byFile = new Map<string, SuspectRow[]>();
    for (const t of targets) if (target !== null && canRelabel(t.row, target)) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t.row]);
    if (byFile.size === 0) {
      void showInfo(
        target === null
          ? 'Kernel Lens: image rows are relabelled by moving the file to another class folder.'
          : 'Kernel Lens: the rest of the data agrees with these labels (or has no suggestion for them): nothing to relabel.',
      );
      return null;
    }
    return byFile;
  }

  private async relabel(targets: readonly SuspectTarget[]): Promise<void> {
    const byFile = this.relabellable(targets);
    const target = this.target;
    if (!byFile || target === null) return;
    for (const [file, rows] of byFile) {
      const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
      let edit: vscode.WorkspaceEdit;
      try {
        edit = this.labelEdit(document, rows, target);
      } catch (e) {
        void showWarning(`Kernel Lens: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      await vscode.workspace.applyEdit(edit);
      const [first] = rows;
      await vscode.window.showTextDocument(document, {
        selection: new vscode.Range((first.line as number) - 1, 0, (first.line as number) - 1, 0),
      });
      void showInfo(
        rows.length === 1
          ? `Kernel Lens: ${path.basename(file)}:${first.line} relabelled as '${plainText(first.suggestedLabel ?? '', 60)}' (not saved; undo with Ctrl+Z). Train again to see its effect.`
          : `Kernel Lens: ${rows.length} rows of ${path.basename(file)} relabelled (not saved; undo with Ctrl+Z). Train again to see the effect.`,
      );
    }
  }

  private async copyPatch(targets: readonly SuspectTarget[]): Promise<void> {
    const byFile = this.relabellable(targets);
    const target = this.target;
    const run = this.service.run;
    if (!byFile || target === null || !run) return;
    const base = path.dirname(run.experimentFile);
    const patches: string[] = [];
    let count = 0;
    for (const [file, rows] of byFile) {
      // The file as saved (the run's lines, each line end as written), not the editor's copy.
      const text = await fs.readFile(file, 'utf8');
      const name = path.relative(base, file).split(path.sep).join('/');
      let edits: LabelEdit[];
      try {
        edits = labelEdits(text, name, target, relabelRequests(rows));
      } catch (e) {
        void showWarning(`Kernel Lens: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      patches.push(csvPatch(name, text, edits));
      count += edits.length;
    }
    await vscode.env.clipboard.writeText(patches.join(''));
    void showInfo(
      `Kernel Lens: copied a patch relabelling ${count} row${count === 1 ? '' : 's'} (apply it with git apply or patch -p1 in the experiment's folder).`,
    );
  }

  /** Adds the rows to the experiment file's `suspects.ignore` (an edit of its open document, saved unless it had unsaved changes). */
  private async ignore(targets: readonly SuspectTarget[]): Promise<void> {
    const run = this.service.run;
    if (!run || targets.length === 0) return;
    const document = await vscode.workspace.openTextDocument(vscode.Uri.file(run.experimentFile));
    const wasDirty = document.isDirty;
    let text = document.getText();
    const errors: ParseError[] = [];
    const config = parse(text, errors) as { suspects?: { ignore?: SuspectRowRef[] } } | undefined;
    if (errors.length > 0 || typeof config !== 'object' || config === null) {
      void showWarning(`Kernel Lens: ${path.basename(run.experimentFile)} is not valid JSON now: fix it, then ignore the row again.`);
      return;
    }
    // The document's own list (it may hold unsaved entries the service has not read yet).
    const known = new Set((Array.isArray(config.suspects?.ignore) ? config.suspects.ignore : []).map(rowKey));
    const added: SuspectRowRef[] = [];
    for (const { row } of targets) {
      if (row.line === null) continue;
      const ref = { file: row.file, line: row.line };
      const key = rowKey(ref);
      if (known.has(key)) continue;
      known.add(key);
      added.push(ref);
      text = applyEdits(text, modify(text, ['suspects', 'ignore', -1], ref, { formattingOptions: { insertSpaces: true, tabSize: 2 } }));
    }
    if (added.length === 0) {
      void showInfo('Kernel Lens: these rows are ignored already (images have no line to ignore).');
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length)), text);
    await vscode.workspace.applyEdit(edit);
    if (!wasDirty) await document.save();
    void showInfo(
      `Kernel Lens: ${added.length === 1 ? `${path.basename(added[0].file)}:${added[0].line} is` : `${added.length} rows are`} no longer marked (listed in ${path.basename(run.experimentFile)} under suspects.ignore)${wasDirty ? '; save the experiment file to keep it' : ''}.`,
    );
  }
}
