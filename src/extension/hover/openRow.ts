/** Opens a CSV at a record's line, or an image file (line null) (`kernelLens.openRow`, used by hover links and the webview). */
import * as vscode from 'vscode';
import { showWarning } from '../notify';

export interface OpenRowOptions {
  /** The run was trained on another version of the file: the line may hold another row now. */
  stale?: boolean;
}

export async function openCsvRow(file: string, line: number | null, options: OpenRowOptions = {}): Promise<void> {
  if (line === null) {
    await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file), { preview: true, viewColumn: vscode.ViewColumn.One });
    return;
  }
  if (options.stale) {
    const choice = await showWarning(
      `The dataset changed since this run was trained, so line ${line} of ${vscode.workspace.asRelativePath(file)} may hold another row now. Train again to get matching rows.`,
      'Open Anyway',
    );
    if (choice !== 'Open Anyway') return;
  }
  const position = new vscode.Position(Math.max(0, line - 1), 0);
  const editor = await vscode.window.showTextDocument(vscode.Uri.file(file), {
    selection: new vscode.Range(position, position),
    preview: true,
    viewColumn: vscode.ViewColumn.One,
  });
  editor.revealRange(new vscode.Range(position, position), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
}
