/**
 * Warning markers on the most suspicious training rows of the selected run, in its training CSV.
 * Markers go when the run changes, when the run turns stale, and as soon as the CSV is edited (its lines may
 * have moved); they come back with the next ranking of a run that matches the file.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SuspectRow } from '../../protocol';
import type { ExperimentStore } from '../experiments/model/experimentStore';
import { normalizePath } from '../experiments/model/rowLookup';
import { experimentDataFiles } from '../experiments/model/runSelection';
import { markerCount, selectMarkerRows, suspectMessage } from './suspectMarkers';
import { markerSetting, type SuspectsService } from './suspectsService';

export const DIAGNOSTIC_SOURCE = 'Kernel Lens';
export const SUSPECT_DIAGNOSTIC_CODE = 'suspicious-row';

const markerKey = (file: string, line: number | null): string => `${normalizePath(file)}\n${line}`;

export class SuspectDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('kernelLens.suspects');
  private readonly disposables: vscode.Disposable[] = [this.collection];
  /** Files edited since the markers were placed: no markers until the run is ranked again against them. */
  private readonly edited = new Set<string>();
  /** The row behind each marker, for its quick fixes. */
  private readonly marked = new Map<string, SuspectRow>();

  constructor(
    private readonly service: SuspectsService,
    private readonly store: ExperimentStore,
  ) {
    this.disposables.push(
      service.onDidChange(() => {
        this.edited.clear();
        this.update();
        void this.computeIfShown(vscode.window.visibleTextEditors);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('kernelLens.suspects.markers')) this.update();
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length === 0 || !this.collection.has(e.document.uri)) return;
        this.edited.add(normalizePath(e.document.uri.fsPath));
        this.collection.delete(e.document.uri);
        for (const key of [...this.marked.keys()]) if (key.startsWith(`${normalizePath(e.document.uri.fsPath)}\n`)) this.marked.delete(key);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => void this.computeIfShown(editors)),
    );
  }

  /** The suspect a marker on this file's 1-based line stands for. */
  rowAt(file: string, line: number): SuspectRow | undefined {
    return this.marked.get(markerKey(file, line));
  }

  private update(): void {
    this.collection.clear();
    this.marked.clear();
    const run = this.service.run;
    const status = this.service.status;
    if (!run || run.stale || status.kind !== 'ready') return;
    const { rows, trainRows } = status.result;
    const base = path.dirname(run.experimentFile);
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const row of selectMarkerRows(rows, markerCount(markerSetting(), trainRows), this.service.ignoredRows)) {
      const file = path.resolve(base, row.file);
      if (this.edited.has(normalizePath(file))) continue;
      // An image has no line to mark: the Suspicious Rows list shows it.
      if (row.line === null) continue;
      const line = Math.max(0, row.line - 1);
      // The end is clamped to the line's length by the editor: the whole record start line is marked.
      const diagnostic = new vscode.Diagnostic(
        new vscode.Range(line, 0, line, 100_000),
        suspectMessage(row, trainRows),
        vscode.DiagnosticSeverity.Warning,
      );
      diagnostic.source = DIAGNOSTIC_SOURCE;
      diagnostic.code = SUSPECT_DIAGNOSTIC_CODE;
      this.marked.set(markerKey(file, row.line), row);
      const list = byFile.get(file) ?? [];
      list.push(diagnostic);
      byFile.set(file, list);
    }
    for (const [file, diagnostics] of byFile) this.collection.set(vscode.Uri.file(file), diagnostics);
  }

  /** A visible editor shows the selected run's training CSV: rank its rows so the markers appear. */
  private async computeIfShown(editors: readonly vscode.TextEditor[]): Promise<void> {
    const run = this.service.run;
    if (!run || run.stale || this.service.status.kind !== 'idle') return;
    const experiment = await this.store.experiment(run.experimentFile);
    if (!experiment?.config) return;
    const train = experimentDataFiles(experiment.file, experiment.config)[0];
    if (editors.some((e) => e.document.uri.scheme === 'file' && normalizePath(e.document.uri.fsPath) === train)) this.service.ensure();
  }

  dispose(): void {
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
