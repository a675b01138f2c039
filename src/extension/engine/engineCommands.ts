/** The engine's commands: start, stop, restart, show log, copy diagnostics, install the native backend. */
import * as vscode from 'vscode';
import type { EngineClient } from './engineClient';
import { formatDiagnostics } from './diagnostics';
import { nativeBackendInstalled, normalizeSettings } from './engineLaunchConfig';
import { TFJS_NODE_SPEC, installNativeBackend } from './nativeInstall';
import { messageOf } from '../../shared/messageOf';
import { showError, showInfo, showWarning } from '../notify';

export const EngineCommandIds = {
  start: 'kernelLens.startEngine',
  stop: 'kernelLens.stopEngine',
  restart: 'kernelLens.restartEngine',
  showLog: 'kernelLens.showEngineLog',
  copyDiagnostics: 'kernelLens.copyDiagnostics',
  installNativeBackend: 'kernelLens.installNativeBackend',
} as const;

function settings(): ReturnType<typeof normalizeSettings> {
  const config = vscode.workspace.getConfiguration('kernelLens');
  return normalizeSettings({
    backend: config.get('engine.backend'),
    nodePath: config.get('engine.nodePath'),
    memoryBudgetMb: config.get('memoryBudgetMb'),
  });
}

async function reportFailure(client: EngineClient, action: string, error: unknown): Promise<void> {
  const choice = await showError(`Kernel Lens: ${action} failed: ${messageOf(error)}`, 'Show Log');
  if (choice === 'Show Log') client.log.show();
}

async function installNative(client: EngineClient): Promise<void> {
  const { nodePath } = settings();
  if (!nodePath) {
    const choice = await showError(
      "The native backend needs a Node.js installation: the editor's own runtime cannot load native addons. Set kernelLens.engine.nodePath first.",
      'Open Settings',
    );
    if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'kernelLens.engine.nodePath');
    return;
  }
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Installing ${TFJS_NODE_SPEC}`, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      const subscription = token.onCancellationRequested(() => abort.abort());
      try {
        client.log.append(`installing ${TFJS_NODE_SPEC} into ${client.nativeModulesDir} with ${nodePath}`);
        return await installNativeBackend({
          nodePath,
          targetDir: client.nativeModulesDir,
          signal: abort.signal,
          onLine: (line) => {
            client.log.append(`npm: ${line}`);
            progress.report({ message: line.slice(0, 80) });
          },
        });
      } finally {
        subscription.dispose();
      }
    },
  );
  if (!result.ok) {
    if (result.reason === 'cancelled') return;
    const choice = await showError(`Kernel Lens: ${result.message}`, 'Show Log');
    if (choice === 'Show Log') client.log.show();
    return;
  }
  await client.restart();
  const info = client.info;
  if (info?.backend === 'tensorflow') {
    void showInfo(`Kernel Lens: the native TensorFlow backend is in use (Node.js ${result.loadedWith}).`);
  } else {
    void showWarning(
      `Kernel Lens: the native backend was installed but the engine uses ${info?.backend ?? 'no backend'}${info?.backendNote ? `: ${info.backendNote}` : ''}.`,
    );
  }
}

export function registerEngineCommands(context: vscode.ExtensionContext, client: EngineClient): void {
  const register = (id: string, run: () => Promise<void> | void): void => {
    context.subscriptions.push(vscode.commands.registerCommand(id, run));
  };
  register(EngineCommandIds.start, () => client.start().catch((error: unknown) => reportFailure(client, 'starting the engine', error)));
  register(EngineCommandIds.stop, () => client.stop().catch((error: unknown) => reportFailure(client, 'stopping the engine', error)));
  register(EngineCommandIds.restart, () =>
    client.restart().catch((error: unknown) => reportFailure(client, 'restarting the engine', error)),
  );
  register(EngineCommandIds.showLog, () => client.log.show());
  register(EngineCommandIds.copyDiagnostics, async () => {
    const packageJson = context.extension.packageJSON as { version?: unknown };
    const text = formatDiagnostics({
      extensionVersion: String(packageJson.version ?? 'unknown'),
      editorVersion: `${vscode.env.appName} ${vscode.version}`,
      platform: `${process.platform} ${process.arch}, editor runtime Node.js ${process.version}`,
      state: client.state,
      info: client.info,
      settings: settings(),
      nativeInstalled: nativeBackendInstalled(client.nativeModulesDir),
      logLines: client.log.lastLines(50),
    });
    await vscode.env.clipboard.writeText(text);
    void showInfo('Kernel Lens: diagnostics copied to the clipboard.');
  });
  register(EngineCommandIds.installNativeBackend, () =>
    installNative(client).catch((error: unknown) => reportFailure(client, 'installing the native backend', error)),
  );
}
