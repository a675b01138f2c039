/**
 * Kernel Lens: activation wires the engine client, the Experiments tree, CSV hovers, the webview panels
 * and the commands. Everything here is glue; the engine process does the work.
 */
import { SHOW_TRAINING_COMMAND } from './training/trainingService';
import { NeuronPanel, pickNeuron } from './explain/neuronPanel';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunInfo } from '../protocol';
import { CsvFileCache } from './hover/csvFileCache';
import { ColumnCompletionProvider, EXPERIMENT_SELECTOR } from './experiments/completion/columnCompletionProvider';
import { CSV_SELECTOR, CsvHoverProvider } from './hover/csvHoverProvider';
import { DocumentRecords } from './hover/documentRecords';
import { activateEngine } from './engine';
import { Explainer } from './explain/explainer';
import { ExplanationCache } from './explain/explanationCache';
import { ExplanationPanel, type ExplanationPanelDeps } from './explain/explanationPanel';
import { explainPrediction, explainRowOf, type ExplainPredictionDeps } from './explain/explainPrediction';
import { ExperimentStore } from './experiments/model/experimentStore';
import { ExperimentTreeProvider, VIEW_ID, type ExperimentTreeNode } from './experiments/tree/experimentTree';
import { EXPLAIN_COMMAND, OPEN_ROW_COMMAND, type OpenRowArgs } from './hover/hoverMarkdown';
import { newExperimentFromCsv, newExperimentFromImageFolder } from './experiments/commands/newExperiment';
import { explainImage } from './explain/explainImage';
import { openCsvRow } from './hover/openRow';
import { Pickers } from './experiments/commands/pickers';
import { RecentExplanations } from './explain/recentExplanations';
import { RunCommands } from './experiments/commands/runCommands';
import { RunResolver } from './experiments/model/runResolver';
import { RunRowsCache } from './experiments/model/runRows';
import { openSampleDataset, openSampleImages } from './experiments/commands/sampleDataset';
import { TestSetPanel, type TestSetPanelDeps } from './explain/testSetPanel';
import { CompareRunsPanel } from './experiments/compare/compareRunsPanel';
import { TrainingPanel } from './training/trainingPanel';
import { TrainingService } from './training/trainingService';
import { registerTrustTools } from './trust/registerTrust';
import { suspectsOf } from './trust/suspectsService';
import { runVerification } from './trust/verifyRunner';
import { messageOf } from '../shared/messageOf';
import { showError, showInfo } from './notify';
import { trackPaletteContext } from './paletteContext';

function isOpenRowArgs(arg: unknown): arg is OpenRowArgs & { stale?: boolean } {
  return (
    typeof arg === 'object' &&
    arg !== null &&
    typeof (arg as OpenRowArgs).file === 'string' &&
    (typeof (arg as OpenRowArgs).line === 'number' || (arg as OpenRowArgs).line === null)
  );
}

export function activate(context: vscode.ExtensionContext): void {
  const engine = activateEngine(context);
  const store = new ExperimentStore(engine);
  const csv = new CsvFileCache();
  const rows = new RunRowsCache();
  const records = new DocumentRecords();
  const recent = new RecentExplanations(context.workspaceState);
  const explainer = new Explainer(engine, store);
  const cache = new ExplanationCache(explainer);
  const resolver = new RunResolver(store, context.workspaceState);
  const pickers = new Pickers(store, rows, csv, cache);
  const runCommands = new RunCommands(engine, store, cache, rows, recent);

  const panelDeps: ExplanationPanelDeps = {
    extensionUri: context.extensionUri,
    explainer,
    recent,
    verify: (target, k) => runVerification(engine, target, k),
  };
  const show = (runDir: string, ref: { split: 'train' | 'test'; row: number }): Promise<boolean> =>
    ExplanationPanel.show(panelDeps, { runDir, query: { split: ref.split, row: ref.row }, output: { kind: 'default' } });
  const explainDeps: ExplainPredictionDeps = { resolver, records, rows, pickers, show };
  const testSetDeps: TestSetPanelDeps = {
    extensionUri: context.extensionUri,
    explainer,
    cache,
    memento: context.workspaceState,
    explainRow: (runDir, split, row) => show(runDir, { split, row }),
  };
  const training = new TrainingService(engine, store, cache, context.extensionUri, context.workspaceState, {
    explainTestRow: (run) => explainRowOf(explainDeps, run, ['test']),
    showTestSet: (run) => TestSetPanel.show(testSetDeps, run),
  });
  const tree = new ExperimentTreeProvider(store, training, recent);
  // A changed dataset makes its runs stale (the engine compares sha256 in run/list): list them again.
  const csvWatcher = vscode.workspace.createFileSystemWatcher('**/*.csv');
  const onCsvChange = (): void => store.refresh();
  csvWatcher.onDidChange(onCsvChange);
  csvWatcher.onDidCreate(onCsvChange);
  csvWatcher.onDidDelete(onCsvChange);
  const view = vscode.window.createTreeView(VIEW_ID, { treeDataProvider: tree, showCollapseAll: true });

  const runArg = async (arg: unknown, title: string): Promise<RunInfo | undefined> => pickers.run(arg, title);
  const command = (id: string, fn: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (e) {
        if (e instanceof vscode.CancellationError) return;
        void showError(`Kernel Lens: ${messageOf(e)}`);
      }
    });

  context.subscriptions.push(
    trackPaletteContext(store, engine),
    csvWatcher,
    store,
    recent,
    cache,
    training,
    tree,
    view,
    // '"' opens a value or key: the names are offered as soon as the user starts one.
    vscode.languages.registerCompletionItemProvider(EXPERIMENT_SELECTOR, new ColumnCompletionProvider(), '"'),
    vscode.languages.registerHoverProvider(CSV_SELECTOR, new CsvHoverProvider(resolver, rows, records, cache)),
    ExplanationPanel.registerSerializer(panelDeps),
    TestSetPanel.registerSerializer(testSetDeps),
    TrainingPanel.registerSerializer(context.extensionUri),
    NeuronPanel.registerSerializer(context.extensionUri),
    vscode.workspace.onDidCloseTextDocument((doc) => records.forget(doc)),
    // A CSV saved in the editor may make runs stale: list them again now, not when the file watcher gets to it,
    // so a hover right after saving never shows the old run's numbers as current.
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (doc.uri.scheme === 'file' && doc.uri.fsPath.toLowerCase().endsWith('.csv')) store.refresh();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => store.refresh()),
    // Hovers should be instant: fill the answering run's cache when a CSV it reads is shown.
    vscode.window.onDidChangeVisibleTextEditors((editors) => void warmForEditors(editors, resolver, cache)),
    store.onDidChange(() => void warmForEditors(vscode.window.visibleTextEditors, resolver, cache)),

    command('kernelLens.newExperiment', async (arg) => {
      const uri = await pickers.csvFile(arg);
      if (uri) await newExperimentFromCsv(engine, uri);
      store.refresh();
    }),
    command('kernelLens.newImageExperiment', async (arg) => {
      const uri = await pickers.imageFolder(arg);
      if (uri) await newExperimentFromImageFolder(engine, uri);
      store.refresh();
    }),
    command('kernelLens.trainExperiment', async (arg) => {
      const experiment = await pickers.experiment(arg, 'Train Experiment');
      if (experiment) await training.train(experiment);
    }),
    command('kernelLens.cancelTraining', async (arg) => {
      const node = arg as ExperimentTreeNode | undefined;
      const file = node?.kind === 'run' ? node.run.experimentFile : (await pickers.experiment(arg, 'Cancel Training'))?.file;
      if (file && !training.cancel(file)) void showInfo('Kernel Lens: that experiment is not training.');
    }),
    command(EXPLAIN_COMMAND, (arg) => explainPrediction(explainDeps, arg)),
    command('kernelLens.explainImage', (arg) =>
      explainImage(
        { store, rows, show: (runDir, query) => ExplanationPanel.show(panelDeps, { runDir, query, output: { kind: 'default' } }) },
        arg,
      ),
    ),
    command('kernelLens.explainRow', async (arg) => {
      const run = await runArg(arg, 'Explain Row');
      if (run) await explainRowOf(explainDeps, run);
    }),
    command('kernelLens.showTestSet', async (arg) => {
      const run = await runArg(arg, 'Show Test Set');
      if (run) await TestSetPanel.show(testSetDeps, run);
    }),
    command('kernelLens.showDataset', async (arg) => {
      const run = await runArg(arg, 'Show Dataset');
      if (run) await TestSetPanel.show(testSetDeps, run, { dataset: true });
    }),
    command('kernelLens.compareRuns', async (arg) => {
      const experiment = await pickers.experiment(arg, 'Compare Runs');
      if (experiment)
        await CompareRunsPanel.show(
          {
            extensionUri: context.extensionUri,
            store,
            explainer,
            rows,
            showRun: (run) => training.showRun(run),
            pickRow: (run, title) => pickers.row(run, title),
          },
          experiment,
        );
    }),
    command(SHOW_TRAINING_COMMAND, async (arg) => {
      const run = await runArg(arg, 'Show Training');
      if (run) training.showRun(run);
    }),
    command('kernelLens.explainNeuron', async (arg) => {
      const run = await runArg(arg, 'Explain Neuron');
      const picked = run && (await pickNeuron(run));
      if (run && picked) await NeuronPanel.show(engine, context.extensionUri, run, picked.layer.layer, picked.unit);
    }),
    command('kernelLens.openExperimentFile', async (arg) => {
      const experiment = await pickers.experiment(arg, 'Open Experiment File');
      if (experiment) await vscode.window.showTextDocument(experiment.uri);
    }),
    command('kernelLens.openDataset', async (arg) => {
      const experiment = await pickers.experiment(arg, 'Open Dataset');
      if (experiment?.config)
        await vscode.window.showTextDocument(vscode.Uri.file(path.resolve(path.dirname(experiment.file), experiment.config.dataset.train)));
    }),
    command('kernelLens.renameRun', async (arg) => {
      const run = await runArg(arg, 'Rename or Annotate Run');
      if (run) await runCommands.rename(run);
    }),
    command('kernelLens.pinRun', async (arg) => {
      const run = await runArg(arg, 'Pin Run');
      if (run) await runCommands.setPinned(run, true);
    }),
    command('kernelLens.unpinRun', async (arg) => {
      const run = await runArg(arg, 'Unpin Run');
      if (run) await runCommands.setPinned(run, false);
    }),
    command('kernelLens.deleteRun', async (arg) => {
      const run = await runArg(arg, 'Delete Run');
      if (run) await runCommands.delete(run);
    }),
    command('kernelLens.revealRunFolder', async (arg) => {
      const run = await runArg(arg, 'Reveal Run Folder');
      if (run) await runCommands.reveal(run);
    }),
    command('kernelLens.refreshExperiments', () => store.refresh()),
    command(OPEN_ROW_COMMAND, async (arg) => {
      if (isOpenRowArgs(arg)) await openCsvRow(arg.file, arg.line, { stale: arg.stale === true });
    }),
    command('kernelLens.openSampleDataset', () => openSampleDataset(context.extensionUri)),
    command('kernelLens.openSampleImages', () => openSampleImages(context.extensionUri)),
    ...registerTrustTools({
      extensionUri: context.extensionUri,
      engine,
      store,
      resolver,
      experimentsView: view,
      pickRun: runArg,
      command,
      csv,
      // The dataset view shows the Suspicious Rows view's ranking of a run once it has one.
      onSuspects: (service) => (testSetDeps.suspects = (run) => suspectsOf(service, run)),
    }),
  );
}

/** Fills, in the background, the hover cache of the runs answering for the visible CSV files. */
async function warmForEditors(editors: readonly vscode.TextEditor[], resolver: RunResolver, cache: ExplanationCache): Promise<void> {
  for (const editor of editors) {
    const uri = editor.document.uri;
    if (uri.scheme !== 'file' || !uri.fsPath.toLowerCase().endsWith('.csv')) continue;
    const resolution = await resolver.resolve(uri.fsPath, { ask: false });
    if (resolution.kind === 'run' && !resolution.run.stale) cache.fillAll(resolution.run);
  }
}

export function deactivate(): void {
  // Disposables in context.subscriptions stop the engine and the watchers.
}
