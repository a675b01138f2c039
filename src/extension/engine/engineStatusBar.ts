/** Status-bar item with the engine's state and backend; a click opens a small menu of engine actions. */
import * as vscode from 'vscode';
import type { EngineState } from './engineConnection';
import type { EngineClient } from './engineClient';

/** Internal (not in the command palette): the status item's click target. */
export const ENGINE_MENU_COMMAND = 'kernelLens.engine.showMenu';

const ICONS: Record<EngineState, string> = {
  stopped: '$(circle-outline)',
  starting: '$(loading~spin)',
  ready: '$(pulse)',
  busy: '$(sync~spin)',
  crashed: '$(error)',
};

/** A stopped engine reads "idle": it starts on the first command that needs it, so nothing is wrong. */
export function statusText(state: EngineState, backend: string | null): string {
  const label = state === 'ready' || state === 'busy' ? (backend ?? state) : state === 'stopped' ? 'idle' : state;
  return `${ICONS[state]} Kernel Lens: ${label}`;
}

export function createEngineStatusBar(client: EngineClient): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('kernelLens.engine', vscode.StatusBarAlignment.Right, 100);
  item.name = 'Kernel Lens Engine';
  item.command = ENGINE_MENU_COMMAND;

  const update = (): void => {
    const state = client.state;
    const info = client.info;
    item.text = statusText(state, info?.backend ?? null);
    const lines = [
      state === 'stopped' ? 'Kernel Lens engine: not running; it starts when a command needs it' : `Kernel Lens engine: ${state}`,
    ];
    if (info)
      lines.push(`Backend: ${info.backend} (available: ${info.backendsAvailable.join(', ')})`, `Node.js ${info.node}, pid ${info.pid}`);
    if (info?.backendNote) lines.push(info.backendNote);
    item.tooltip = lines.join('\n');
    item.backgroundColor = state === 'crashed' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    item.show();
  };
  update();

  const menu = vscode.commands.registerCommand(ENGINE_MENU_COMMAND, async () => {
    const running = client.state !== 'stopped';
    const items: (vscode.QuickPickItem & { command: string })[] = [
      running
        ? { label: '$(debug-restart) Restart Engine', command: 'kernelLens.restartEngine' }
        : { label: '$(play) Start Engine', command: 'kernelLens.startEngine' },
      ...(running ? [{ label: '$(debug-stop) Stop Engine', command: 'kernelLens.stopEngine' }] : []),
      { label: '$(output) Show Engine Log', command: 'kernelLens.showEngineLog' },
      { label: '$(copy) Copy Diagnostics', command: 'kernelLens.copyDiagnostics' },
    ];
    const picked = await vscode.window.showQuickPick(items, { placeHolder: `Kernel Lens engine: ${client.state}` });
    if (picked) await vscode.commands.executeCommand(picked.command);
  });

  return vscode.Disposable.from(item, menu, client.onDidChangeState(update));
}
