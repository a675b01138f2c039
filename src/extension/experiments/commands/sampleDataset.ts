/** The walkthrough's samples: the bundled iris CSV (first step) and the digit images (the images step), copied into the workspace. */
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

/** Copies the bundled digit images (one subfolder per digit) into the workspace and shows the folder in the explorer. */
export async function openSampleImages(extensionUri: vscode.Uri): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  if (!folder) {
    void showInfo('Kernel Lens: open a folder first; the sample images are copied into it.');
    return;
  }
  const target = path.join(folder.uri.fsPath, 'digit-images');
  try {
    await fs.access(target);
  } catch {
    await fs.cp(vscode.Uri.joinPath(extensionUri, 'samples', 'digit-images').fsPath, target, { recursive: true });
  }
  await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(target));
  void showInfo('Kernel Lens: copied 400 digit images (one folder per digit). Right-click digit-images: New Experiment from Image Folder.');
}
