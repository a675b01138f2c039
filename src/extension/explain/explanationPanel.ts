/**
 * The explanation webview panel: shows one row's explanation, answers the page's requests
 * (open a training row, explain it, switch the output, trace, copy, export), and revives after a reload.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Explanation, ExplanationViewState, FromWebview, OutputSelector, PersistedWebviewState, RunInfo } from '../../protocol';
import { contributionsCsv } from './contributionsCsv';
import { reportDocument } from './htmlReport';
import { replayProgressText, type ExplainTarget, type Explainer } from './explainer';
import { describeRowTitle } from './rowTitle';
import { openCsvRow } from '../hover/openRow';
import type { RecentExplanations } from './recentExplanations';
import type { VerifyOutcome } from '../trust/verifyRunner';
import { createWebviewPanel, WebviewHost } from '../webview/webviewHost';
import { messageOf } from '../../shared/messageOf';
import { numberText } from '../../shared/numberText';
import { probabilityClause } from '../../shared/probabilityText';
import { showError, showInfo } from '../notify';

export const EXPLANATION_VIEW_TYPE = 'kernelLens.explanation';

export interface ExplanationPanelDeps {
  extensionUri: vscode.Uri;
  explainer: Explainer;
  recent: RecentExplanations;
  /** Retrains without the shown explanation's top-k supporters (and random rows): "Verify by retraining…". */
  verify(target: ExplainTarget, k: number): Promise<VerifyOutcome>;
}

export class ExplanationPanel implements vscode.Disposable {
  private static current: ExplanationPanel | undefined;
  /** The panel pinned last: the next explanation opens beside it. */
  private static lastPinned: ExplanationPanel | undefined;
  private readonly host: WebviewHost;
  private target: ExplainTarget | undefined;
  private state: ExplanationViewState | undefined;
  private run: RunInfo | undefined;
  private pending: vscode.CancellationTokenSource | undefined;
  private pinned = false;

  private constructor(
    panel: vscode.WebviewPanel,
    private readonly deps: ExplanationPanelDeps,
  ) {
    this.host = new WebviewHost(panel, deps.extensionUri);
    this.host.onMessage((m) => void this.onMessage(m).catch((e: unknown) => this.host.post({ type: 'error', message: messageOf(e) })));
    panel.onDidDispose(() => {
      this.pending?.cancel();
      if (ExplanationPanel.current === this) ExplanationPanel.current = undefined;
      if (ExplanationPanel.lastPinned === this) ExplanationPanel.lastPinned = undefined;
    });
  }

  /** Explains a row in the (single, reused) panel, with a cancellable progress notification. */
  static async show(deps: ExplanationPanelDeps, target: ExplainTarget): Promise<boolean> {
    let current = ExplanationPanel.current;
    if (!current) {
      // After a pin, the next explanation opens in the column beside the pinned one, so both can be read at once.
      const pinned = ExplanationPanel.lastPinned?.host.panel.viewColumn;
      const column = pinned === undefined ? undefined : ((pinned + 1) as vscode.ViewColumn);
      current = new ExplanationPanel(
        createWebviewPanel(EXPLANATION_VIEW_TYPE, 'Kernel Lens: Explanation', deps.extensionUri, column),
        deps,
      );
      ExplanationPanel.current = current;
    } else {
      current.host.panel.reveal(undefined, false);
    }
    return current.explain(target);
  }

  static registerSerializer(deps: ExplanationPanelDeps): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(EXPLANATION_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel: vscode.WebviewPanel, saved: unknown) => {
        const restored = new ExplanationPanel(panel, deps);
        const persisted = saved as PersistedWebviewState | undefined;
        // A pinned panel comes back pinned, beside the shared one; of shared ones only the last restored is kept.
        if (persisted?.view === 'explanation' && persisted.state?.pinned) {
          restored.pinned = true;
          ExplanationPanel.lastPinned = restored;
        } else {
          ExplanationPanel.current?.host.panel.dispose();
          ExplanationPanel.current = restored;
        }
        if (persisted?.view === 'explanation' && persisted.state?.runDir) {
          const { runDir, query, output } = persisted.state;
          // Explain again rather than trust the saved copy: the run may be stale or deleted by now.
          const ok = await restored.explain({ runDir, query, output }, { quiet: true });
          if (!ok) restored.host.show({ type: 'explanation', state: persisted.state });
        } else {
          restored.host.show({ type: 'error', message: 'Nothing to show: explain a prediction to fill this view.' });
        }
      },
    });
  }

  /** Another row: here, unless this panel is pinned (it keeps its row; the shared panel beside it shows the other). */
  private async explainOther(target: ExplainTarget): Promise<void> {
    if (this.pinned) await ExplanationPanel.show(this.deps, target);
    else await this.explain(target);
  }

  private async explain(target: ExplainTarget, options: { quiet?: boolean } = {}): Promise<boolean> {
    this.pending?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.pending = cts;
    const what = describeRowTitle(target.query);
    this.host.post({ type: 'busy', message: `Explaining ${what}…` });
    try {
      const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kernel Lens: explaining ${what}`, cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => cts.cancel());
          // A checkpointed run replays its training for this row: say how far it is.
          return this.deps.explainer.explainForView(target, cts.token, (p) => progress.report({ message: replayProgressText(p) }));
        },
      );
      if (cts.token.isCancellationRequested) return false;
      this.target = target;
      this.state = { ...result.state, pinned: this.pinned };
      this.run = result.run;
      this.host.panel.title = `${this.pinned ? '📌 ' : ''}Explain: ${what}`;
      this.host.show({ type: 'explanation', state: this.state });
      const e = result.state.explanation;
      await this.deps.recent.add(result.run.dir, {
        query: target.query,
        title: `${what} · ${predictionText(e)}`,
        file: path.resolve(path.dirname(result.run.experimentFile), e.file),
        line: e.line,
        at: new Date().toISOString(),
      });
      return true;
    } catch (e) {
      if (cts.token.isCancellationRequested) {
        this.host.post({ type: 'error', message: 'Explanation cancelled.' });
        return false;
      }
      const message = messageOf(e);
      this.host.post({ type: 'error', message });
      if (!options.quiet) void showError(`Kernel Lens: could not explain ${what}: ${message}`);
      return false;
    } finally {
      if (this.pending === cts) this.pending = undefined;
      cts.dispose();
    }
  }

  private async onMessage(message: FromWebview): Promise<void> {
    const target = this.target;
    switch (message.type) {
      case 'pin': {
        // A pinned panel keeps its explanation (and answers its own buttons); the next one opens beside it.
        this.pinned = true;
        ExplanationPanel.lastPinned = this;
        if (ExplanationPanel.current === this) ExplanationPanel.current = undefined;
        if (this.state) {
          this.state = { ...this.state, pinned: true };
          this.host.show({ type: 'explanation', state: this.state });
        }
        this.host.panel.title = `📌 ${this.host.panel.title}`;
        return;
      }
      case 'openRow': {
        const base = this.run ? path.dirname(this.run.experimentFile) : undefined;
        if (!base) return;
        await openCsvRow(path.resolve(base, message.file), message.line, { stale: this.run?.stale === true });
        return;
      }
      case 'explainTraining':
        if (target)
          await this.explainOther({ runDir: target.runDir, query: { split: 'train', row: message.index }, output: { kind: 'default' } });
        return;
      case 'explainRow':
        if (target)
          await this.explainOther({
            runDir: target.runDir,
            query: { split: message.split, row: message.row },
            output: { kind: 'default' },
          });
        return;
      case 'switchOutput':
        if (target) await this.explain({ ...target, output: message.output satisfies OutputSelector });
        return;
      case 'requestTrace':
        if (target) this.host.append({ type: 'trace', trace: await this.deps.explainer.trace(target, message.indices) });
        return;
      case 'verify': {
        if (!target) return;
        this.host.post({
          type: 'busy',
          message: `Retraining without the top ${message.k} supporters, then without ${message.k} random rows…`,
        });
        const outcome = await this.deps.verify(target, message.k);
        // The panel may show another explanation by now: a result for an older one is dropped.
        if (this.target !== target) return;
        if (outcome.kind === 'done') this.host.append({ type: 'verification', result: outcome.result });
        else this.host.post({ type: 'error', message: 'Verification cancelled.' });
        return;
      }
      case 'copyJson':
        if (this.state) {
          await vscode.env.clipboard.writeText(JSON.stringify(this.state.explanation, null, 2));
          void showInfo('Kernel Lens: explanation copied as JSON.');
        }
        return;
      case 'exportCsv':
        await this.exportCsv();
        return;
      case 'exportReport':
        await this.exportReport(message);
        return;
      default:
        return;
    }
  }

  /** Exports every training example's contribution (not just the shown top K). */
  private async exportCsv(): Promise<void> {
    const target = this.target;
    const run = this.run;
    if (!target || !run) return;
    const uri = await exportDestination(run, target, 'contributions', 'csv');
    if (!uri) return;
    const [full] = await this.deps.explainer.explain(run, [target.query], { output: target.output, full: true });
    if (!full) return;
    await fs.writeFile(uri.fsPath, contributionsCsv(full), 'utf8');
    const choice = await showInfo(
      `Kernel Lens: wrote ${full.contributions.length} contributions to ${vscode.workspace.asRelativePath(uri)}.`,
      'Open',
    );
    if (choice === 'Open') await vscode.window.showTextDocument(uri);
  }

  /** Saves what the view shows as a standalone HTML page (htmlReport.ts), then offers to open it in a browser. */
  private async exportReport(snapshot: Extract<FromWebview, { type: 'exportReport' }>): Promise<void> {
    const target = this.target;
    const run = this.run;
    if (!target || !run) return;
    const uri = await exportDestination(run, target, 'explanation', 'html');
    if (!uri) return;
    try {
      const css = await fs.readFile(vscode.Uri.joinPath(this.deps.extensionUri, 'media', 'webview.css').fsPath, 'utf8');
      const title = `Kernel Lens: ${run.name}, ${target.query.split} row ${target.query.row}`;
      await fs.writeFile(uri.fsPath, reportDocument({ ...snapshot, title, css, exportedAt: new Date() }), 'utf8');
    } catch (error) {
      void showError(`Kernel Lens: could not export the report to ${uri.fsPath}: ${messageOf(error)}`);
      return;
    }
    const choice = await showInfo(`Kernel Lens: wrote the report ${vscode.workspace.asRelativePath(uri)}.`, 'Open in Browser');
    if (choice === 'Open in Browser') await vscode.env.openExternal(uri);
  }

  dispose(): void {
    this.host.panel.dispose();
  }
}

/** Where an export of the explained row goes: a save dialog that proposes `<run>-<split>-<row>-<what>.<ext>` beside the experiment. */
function exportDestination(run: RunInfo, target: ExplainTarget, what: string, extension: 'csv' | 'html'): Thenable<vscode.Uri | undefined> {
  const name = `${run.name}-${target.query.split}-${target.query.row}-${what}.${extension}`.replace(/[^\w.-]+/g, '_');
  return vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(path.join(path.dirname(run.experimentFile), name)),
    filters: { [extension.toUpperCase()]: [extension] },
  });
}

function predictionText(e: Explanation): string {
  return 'label' in e.prediction
    ? `${e.prediction.label} (${probabilityClause(e.prediction.probability)})`
    : numberText(e.prediction.value);
}
