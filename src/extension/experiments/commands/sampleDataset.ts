/** The walkthrough's first step: copies the bundled iris sample into the workspace and opens it. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { showInfo } from '../../notify';

export async function openSampleDataset(extensionUri: vscode.Uri): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) {
    void showInfo('Kernel Lens: open a folder first; the sample dataset is copied into it.');
    return;
  }
  const target = path.join(folder.uri.fsPath, 'iris.csv');
  try {
    await fs.access(target);
  } catch {
    await fs.copyFile(vscode.Uri.joinPath(extensionUri, 'samples', 'iris.csv').fsPath, target);
  }
  await vscode.window.showTextDocument(vscode.Uri.file(target));
}
