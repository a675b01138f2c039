/** After the first run is written, offers once per workspace folder to add `.kernel-lens/` to `.gitignore`. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { showInfo } from '../../notify';

const KEY = 'kernelLens.gitignoreAsked';

export function gitignoreMentions(text: string): boolean {
  return text.split(/\r?\n/).some((line) => /^\/?(\*\*\/)?\.kernel-lens\/?(\*\*?)?\s*$/.test(line.trim()));
}

export async function offerGitignore(experimentFile: string, memento: vscode.Memento): Promise<void> {
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(experimentFile));
  if (!folder || folder.uri.scheme !== 'file') return;
  const asked = memento.get<string[]>(KEY, []);
  if (asked.includes(folder.uri.fsPath)) return;
  const gitignore = path.join(folder.uri.fsPath, '.gitignore');
  const text = await fs.readFile(gitignore, 'utf8').catch(() => '');
  if (gitignoreMentions(text)) return;
  await memento.update(KEY, [...asked, folder.uri.fsPath]);
  const choice = await showInfo(
    `Kernel Lens stores runs in .kernel-lens/ (weights and training records). Add it to ${folder.name}/.gitignore?`,
    'Add to .gitignore',
    'Not Now',
  );
  if (choice !== 'Add to .gitignore') return;
  const prefix = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
  await fs.appendFile(gitignore, `${prefix}# Kernel Lens runs\n.kernel-lens/\n`, 'utf8');
}
