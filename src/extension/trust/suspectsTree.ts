/**
 * The Suspicious Rows view: the selected run's training rows, most suspicious first, each opening its CSV line.
 * Status (no run, computing, cancelled, failed, stale) is said in the view's message and in action rows.
 */
import { SUSPECT_SCORING_WORDS } from '../../protocol/limits';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SuspectRow } from '../../protocol';
import { OPEN_ROW_COMMAND } from '../hover/hoverMarkdown';
import { markerCount, rowKey, selectMarkerRows, suspectDescription, suspectMessage } from './suspectMarkers';
import { canRelabel } from './relabel';
import { LISTED_ROWS, markerSetting, type SuspectsService } from './suspectsService';
import { rowSourceText } from '../../shared/rowSource';
import type { CsvFileCache } from '../hover/csvFileCache';
import { pictureTooltip, suspectPicture } from './suspectPicture';

export type SuspectNode =
  | { kind: 'row'; row: SuspectRow; file: string; trainRows: number; marked: boolean; stale: boolean; ignored: boolean; relabel: boolean }
  | { kind: 'action'; text: string; icon: string; command: string; tooltip?: string }
  | { kind: 'more'; count: number };

export const COMPUTE_SUSPECTS_COMMAND = 'kernelLens.computeSuspects';
export const CANCEL_SUSPECTS_COMMAND = 'kernelLens.cancelSuspects';

export class SuspectsTreeProvider implements vscode.TreeDataProvider<SuspectNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SuspectNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];
  private view: vscode.TreeView<SuspectNode> | undefined;

  constructor(
    private readonly service: SuspectsService,
    /** The extension's CSV cache (the hovers' too): a pixel row's picture is read from it. */
    private readonly csv: CsvFileCache,
  ) {
    this.disposables.push(
      service.onDidChange(() => this.refresh()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('kernelLens.suspects.markers')) this.refresh();
      }),
    );
  }

  attach(view: vscode.TreeView<SuspectNode>): void {
    this.view = view;
    this.updateMessage();
  }

  private refresh(): void {
    this.updateMessage();
    this.changed.fire(undefined);
  }

  private updateMessage(): void {
    const view = this.view;
    if (!view) return;
    const run = this.service.run;
    const status = this.service.status;
    view.description = run ? (run.label ?? run.name) : undefined;
    const stale = run?.stale
      ? 'The dataset changed since this run was trained: lines may now hold other rows, and the CSV has no markers. Train again for a ranking of the current file. '
      : '';
    let message: string;
    switch (status.kind) {
      case 'noRun':
        message = 'No complete run selected: open a CSV of an experiment, select an experiment, or use "Show Suspicious Rows" on a run.';
        break;
      case 'computing':
        message = `Ranking the ${run?.trainRows ?? ''} training rows of ${run?.label ?? run?.name ?? 'the run'} (one explanation per row, and per class for the first rows' suggested labels)…`;
        break;
      case 'ready': {
        const r = status.result;
        message = `${r.trainRows} training rows ranked by ${SUSPECT_SCORING_WORDS[r.scoring]} (${r.scoring}).`;
        break;
      }
      default:
        message = '';
    }
    view.message = (stale + message).trim() || undefined;
  }

  getChildren(node?: SuspectNode): SuspectNode[] {
    if (node) return [];
    const run = this.service.run;
    const status = this.service.status;
    switch (status.kind) {
      case 'noRun':
        return [];
      case 'idle':
        // The view is visible (it asks for children): compute now.
        this.service.ensure();
        return [];
      case 'computing':
        return [{ kind: 'action', text: 'Computing… (click to cancel)', icon: 'loading~spin', command: CANCEL_SUSPECTS_COMMAND }];
      case 'cancelled':
        return [{ kind: 'action', text: 'Cancelled: compute the ranking', icon: 'refresh', command: COMPUTE_SUSPECTS_COMMAND }];
      case 'error':
        return [
          {
            kind: 'action',
            text: `Failed: ${status.message}`,
            icon: 'error',
            command: COMPUTE_SUSPECTS_COMMAND,
            tooltip: `${status.message}\n\nClick to try again.`,
          },
        ];
      case 'ready': {
        if (!run) return [];
        const base = path.dirname(run.experimentFile);
        const { rows, trainRows, target } = status.result;
        const stale = run.stale === true;
        const ignored = this.service.ignoredRows;
        const marked = new Set(stale ? [] : selectMarkerRows(rows, markerCount(markerSetting(), trainRows), ignored).map((r) => r.index));
        const nodes: SuspectNode[] = rows.slice(0, LISTED_ROWS).map((row) => ({
          kind: 'row',
          row,
          file: path.resolve(base, row.file),
          trainRows,
          marked: marked.has(row.index),
          stale,
          ignored: ignored.has(rowKey(row)),
          relabel: !stale && canRelabel(row, target),
        }));
        if (trainRows > nodes.length) nodes.push({ kind: 'more', count: trainRows - nodes.length });
        return nodes;
      }
    }
  }

  getTreeItem(node: SuspectNode): vscode.TreeItem {
    switch (node.kind) {
      case 'row': {
        const { row } = node;
        const item = new vscode.TreeItem(
          `${row.rank}. ${rowSourceText(path.basename(row.file), row.line)}`,
          vscode.TreeItemCollapsibleState.None,
        );
        item.id = `suspect:${row.index}`;
        item.description = (node.ignored ? 'ignored · ' : '') + suspectDescription(row);
        // A plain string tooltip: labels from the data are never rendered as Markdown.
        item.tooltip =
          suspectMessage(row, node.trainRows) +
          (node.stale ? '\n\nThe dataset changed since training: this line may hold another row now.' : '');
        // An image file's row shows the image itself, unless it is marked (the warning says more).
        item.iconPath = node.marked
          ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
          : row.line === null && !node.ignored
            ? vscode.Uri.file(node.file)
            : new vscode.ThemeIcon(node.ignored ? 'eye-closed' : 'circle-small');
        // suspect, suspect.relabel (its suggestion differs), suspect.ignored / suspect.relabel.ignored: the menus' keys.
        item.contextValue = `suspect${node.relabel ? '.relabel' : ''}${node.ignored ? '.ignored' : ''}`;
        item.command = {
          command: OPEN_ROW_COMMAND,
          title: 'Open Row',
          arguments: [{ file: node.file, line: row.line, stale: node.stale }],
        };
        item.accessibilityInformation = {
          label: `Rank ${row.rank}, ${path.basename(row.file)}${row.line === null ? '' : ` line ${row.line}`}, ${node.ignored ? 'ignored, ' : ''}${suspectDescription(row)}`,
        };
        return item;
      }
      case 'action': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.command = { command: node.command, title: node.text };
        item.tooltip = node.tooltip;
        return item;
      }
      case 'more': {
        const item = new vscode.TreeItem(`${node.count} less suspicious rows not listed`, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.tooltip = 'The full ranking: kernel-lens suspects RUN_DIR --json';
        return item;
      }
    }
  }

  /** The row's picture joins its tooltip when the tooltip is about to show (reading it for every row up front would be wasted). */
  async resolveTreeItem(item: vscode.TreeItem, node: SuspectNode): Promise<vscode.TreeItem> {
    const run = this.service.run;
    if (node.kind !== 'row' || !run || typeof item.tooltip !== 'string') return item;
    const picture = await suspectPicture(node.file, node.row.line, run, this.csv);
    const tooltip = picture && pictureTooltip(picture, item.tooltip);
    if (tooltip) item.tooltip = new vscode.MarkdownString(tooltip);
    return item;
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
