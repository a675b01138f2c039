/**
 * One Kernel Lens webview panel: the HTML from `webviewHtml`, the ready handshake (nothing is posted before the
 * page says "ready"; after a reload the last view is sent again), and typed messages in both directions.
 */
import * as vscode from 'vscode';
import type { FromWebview, ToWebview } from '../../protocol';
import { createNonce, webviewHtml } from './webviewHtml';
import { isFromWebview } from './webviewMessages';

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

/** The open Kernel Lens panels, the last one shown last: a new panel joins its column instead of opening another. */
const shownPanels: vscode.WebviewPanel[] = [];

function trackPanel(panel: vscode.WebviewPanel, disposables: vscode.Disposable[]): void {
  const toFront = (): void => {
    const k = shownPanels.indexOf(panel);
    if (k >= 0) shownPanels.splice(k, 1);
    shownPanels.push(panel);
  };
  toFront();
  panel.onDidChangeViewState((e) => e.webviewPanel.active && toFront(), undefined, disposables);
  // Not among the host's disposables: the host disposes them from its own dispose listener.
  panel.onDidDispose(() => {
    const k = shownPanels.indexOf(panel);
    if (k >= 0) shownPanels.splice(k, 1);
  });
}

/**
 * A new panel in `column`, by default the Kernel Lens column (the last shown panel's), else beside the editor; never
 * over the text editor in use, so the data a user explains from stays in view.
 */
export function createWebviewPanel(
  viewType: string,
  title: string,
  extensionUri: vscode.Uri,
  column?: vscode.ViewColumn,
): vscode.WebviewPanel {
  column ??= [...shownPanels].reverse().find((p) => p.viewColumn !== undefined)?.viewColumn ?? vscode.ViewColumn.Beside;
  if (column === vscode.window.activeTextEditor?.viewColumn) column = vscode.ViewColumn.Beside;
  return vscode.window.createWebviewPanel(viewType, title, { viewColumn: column, preserveFocus: false }, webviewOptions(extensionUri));
}

export class WebviewHost implements vscode.Disposable {
  private ready = false;
  /** The messages that make up the current view, replayed after every "ready". */
  private view: ToWebview[] = [];
  private readonly received = new vscode.EventEmitter<FromWebview>();
  readonly onMessage = this.received.event;
  private readonly disposables: vscode.Disposable[] = [this.received];

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
  ) {
    const webview = panel.webview;
    webview.options = webviewOptions(extensionUri);
    webview.html = webviewHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css')).toString(),
      title: panel.title,
    });
    webview.onDidReceiveMessage(
      (message: unknown) => {
        if (!isFromWebview(message)) return;
        if (message.type === 'ready') {
          this.ready = true;
          for (const m of this.view) void webview.postMessage(m);
        }
        this.received.fire(message);
      },
      undefined,
      this.disposables,
    );
    panel.onDidDispose(() => this.dispose(), undefined, this.disposables);
    trackPanel(panel, this.disposables);
  }

  /** Replaces the view (e.g. a new explanation). */
  show(message: ToWebview): void {
    this.view = [message];
    this.post(message);
  }

  /** Adds to the view (e.g. a trace for the shown explanation, a progress tick). */
  append(message: ToWebview): void {
    // Keep only the latest of each kind so a replay stays short.
    this.view = [...this.view.filter((m) => m.type !== message.type || this.view[0] === m), message];
    this.post(message);
  }

  /** A transient message (busy, error) that is not replayed. */
  post(message: ToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  dispose(): void {
    // splice: the panel's onDidDispose calls this again, which must do nothing.
    vscode.Disposable.from(...this.disposables.splice(0)).dispose();
  }
}
