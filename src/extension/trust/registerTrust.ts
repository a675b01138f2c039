/**
 * Wires the trust tools into the extension: the Suspicious Rows view and its CSV markers, which run they
 * follow (active CSV, tree selection, "Show Suspicious Rows"), and the kernel evolution panel.
 */
import type { CsvFileCache } from '../hover/csvFileCache';
import * as vscode from 'vscode';
import type { RunInfo } from '../../protocol';
import type { EngineConnection } from '../engine/engineConnection';
import type { ExperimentStore } from '../experiments/model/experimentStore';
import type { ExperimentTreeNode } from '../experiments/tree/experimentTree';
import type { RunResolver } from '../experiments/model/runResolver';
import { KernelPanel } from './kernelPanel';
import { SuspectDiagnostics } from './suspectDiagnostics';
import { SuspectActions } from './suspectActions';
import { SUSPECTS_VIEW_ID, SuspectsService } from './suspectsService';
import { CANCEL_SUSPECTS_COMMAND, COMPUTE_SUSPECTS_COMMAND, SuspectsTreeProvider } from './suspectsTree';

export interface TrustDeps {
  extensionUri: vscode.Uri;
  engine: EngineConnection;
  store: ExperimentStore;
  resolver: RunResolver;
  experimentsView: vscode.TreeView<ExperimentTreeNode>;
  /** The run a command is about (tree node or quick pick). */
  pickRun(arg: unknown, title: string): Promise<RunInfo | undefined>;
  /** Registers a command with the extension's error handling. */
  command(id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable;
  /** The extension's CSV files, read once for hovers, pickers and the Suspicious Rows pictures. */
  csv: CsvFileCache;
  /** Receives the suspects service, for views that show its ranking (the dataset view). */
  onSuspects?(service: SuspectsService): void;
}

export function registerTrustTools(deps: TrustDeps): vscode.Disposable[] {
  const service = new SuspectsService(deps.engine, deps.store);
  deps.onSuspects?.(service);
  const tree = new SuspectsTreeProvider(service, deps.csv);
  // Many rows at once: "Copy as CSV Patch", "Relabel" and "Ignore" take the whole selection.
  const view = vscode.window.createTreeView(SUSPECTS_VIEW_ID, { treeDataProvider: tree, canSelectMany: true });
  tree.attach(view);
  const diagnostics = new SuspectDiagnostics(service, deps.store);
  const actions = new SuspectActions(service, diagnostics);

  const followEditor = async (editor: vscode.TextEditor | undefined): Promise<void> => {
    const uri = editor?.document.uri;
    if (!uri || uri.scheme !== 'file' || !uri.fsPath.toLowerCase().endsWith('.csv')) return;
    const resolution = await deps.resolver.resolve(uri.fsPath, { ask: false });
    if (resolution.kind === 'run' || resolution.kind === 'noRun') await service.focusExperiment(resolution.experiment.file);
  };
  void followEditor(vscode.window.activeTextEditor);

  return [
    service,
    tree,
    view,
    diagnostics,
    KernelPanel.registerSerializer(deps.extensionUri),
    vscode.window.onDidChangeActiveTextEditor((editor) => void followEditor(editor)),
    deps.experimentsView.onDidChangeSelection((e) => {
      const node = e.selection[0];
      if (node && 'experiment' in node) void service.focusExperiment(node.experiment.file);
    }),
    deps.command('kernelLens.showSuspiciousRows', async (arg) => {
      const run = await deps.pickRun(arg, 'Show Suspicious Rows');
      if (run) await service.selectRun(run);
    }),
    ...actions.register(deps.command),
    deps.command(COMPUTE_SUSPECTS_COMMAND, () => service.compute()),
    deps.command(CANCEL_SUSPECTS_COMMAND, () => service.cancel()),
    deps.command('kernelLens.showKernelEvolution', async (arg) => {
      const run = await deps.pickRun(arg, 'Show Kernel Evolution');
      if (run) await KernelPanel.show(deps.engine, deps.extensionUri, run);
    }),
  ];
}
