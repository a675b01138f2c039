/** The walkthrough's samples: the bundled iris CSV (first step) and the digit images (the images step), copied into the workspace. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { showInfo } from '../../notify';

/** Copies `samples/<name>` (a file or a folder) into the first workspace folder unless it is there; its path, or undefined with no folder open. */
async function copySample(extensionUri: vscode.Uri, name: string, what: string): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) {
    void showInfo(`Kernel Lens: open a folder first; the ${what} is copied into it.`);
    return undefined;
  }
  const target = path.join(folder.uri.fsPath, name);
  try {
    await fs.access(target);
  } catch {
    await fs.cp(vscode.Uri.joinPath(extensionUri, 'samples', name).fsPath, target, { recursive: true });
  }
  return target;
}

export async function openSampleDataset(extensionUri: vscode.Uri): Promise<void> {
  const target = await copySample(extensionUri, 'iris.csv', 'sample dataset');
  if (target) await vscode.window.showTextDocument(vscode.Uri.file(target));
}

/** Copies the bundled digit images (one subfolder per digit) into the workspace and shows the folder in the explorer. */
export async function openSampleImages(extensionUri: vscode.Uri): Promise<void> {
  const target = await copySample(extensionUri, 'digit-images', 'sample image folder');
  if (!target) return;
  await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(target));
  void showInfo('Kernel Lens: copied 400 digit images (one folder per digit). Right-click digit-images: New Experiment from Image Folder.');
}
