/** Restricted Mode: existing runs can be read, nothing is trained. */
import * as vscode from 'vscode';
import { showError } from '../notify';

export const RESTRICTED_TRAINING_MESSAGE =
  'Kernel Lens: training is disabled in Restricted Mode because it runs code on this workspace’s data and settings. Existing runs can still be read and explained. Trust the workspace to train.';

/** True when training may run; otherwise tells the user why not. */
export function ensureTrustedForTraining(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void showError(RESTRICTED_TRAINING_MESSAGE, 'Manage Workspace Trust').then((choice) => {
    if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
  });
  return false;
}
