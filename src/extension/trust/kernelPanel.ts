/**
 * "Show Kernel Evolution": runs `trust/kernel` for a run (cancellable progress) and shows the kernel view,
 * one panel per run. A revived panel shows what it had (recomputing takes a while and is one click away).
 */
import * as vscode from 'vscode';
import { EngineMethods, type PersistedWebviewState, type RunInfo } from '../../protocol';
import type { EngineConnection } from '../engine/engineConnection';
import { createWebviewPanel, WebviewHost } from '../webview/webviewHost';
import { kernelViewState } from './kernelViewState';
import { messageOf } from '../../shared/messageOf';

export const KERNEL_VIEW_TYPE = 'kernelLens.kernel';

export class KernelPanel {
  private static readonly panels = new Map<string, KernelPanel>();
  private readonly host: WebviewHost;
  private cts: vscode.CancellationTokenSource | undefined;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri) {
    this.host = new WebviewHost(panel, extensionUri);
    panel.onDidDispose(() => {
      this.cts?.cancel();
      for (const [key, value] of KernelPanel.panels) if (value === this) KernelPanel.panels.delete(key);
    });
  }

  static async show(engine: EngineConnection, extensionUri: vscode.Uri, run: RunInfo): Promise<void> {
    let panel = KernelPanel.panels.get(run.dir);
    if (panel) panel.host.panel.reveal();
    else {
      panel = new KernelPanel(createWebviewPanel(KERNEL_VIEW_TYPE, `Kernel: ${run.label ?? run.name}`, extensionUri), extensionUri);
      KernelPanel.panels.set(run.dir, panel);
    }
    await panel.load(engine, run);
  }

  static registerSerializer(extensionUri: vscode.Uri): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(KERNEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel: vscode.WebviewPanel, saved: unknown) => {
        const panel = new KernelPanel(webviewPanel, extensionUri);
        const persisted = saved as PersistedWebviewState | undefined;
        if (persisted?.view === 'kernel') panel.host.show({ type: 'kernel', state: persisted.state });
        else panel.host.show({ type: 'error', message: 'Run "Kernel Lens: Show Kernel Evolution" on a run to fill this view.' });
      },
    });
  }

  private async load(engine: EngineConnection, run: RunInfo): Promise<void> {
    this.cts?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.cts = cts;
    const name = run.label ?? run.name;
    this.host.post({ type: 'busy', message: `Computing the tangent and path kernels of ${name} along training…` });
    try {
      const evolution = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kernel Lens: watching the kernel of ${name} learn`, cancellable: true },
        (_p, token) => {
          token.onCancellationRequested(() => cts.cancel());
          return engine.request(EngineMethods.trustKernel, { runDir: run.dir, matrices: true }, cts.token);
        },
      );
      if (!cts.token.isCancellationRequested) this.host.show({ type: 'kernel', state: kernelViewState(run, evolution) });
    } catch (e) {
      this.host.post({ type: 'error', message: cts.token.isCancellationRequested ? 'Cancelled.' : messageOf(e) });
    } finally {
      if (this.cts === cts) this.cts = undefined;
      cts.dispose();
    }
  }
}
