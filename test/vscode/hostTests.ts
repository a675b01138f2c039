/**
 * Extension tests that run inside VS Code's extension host, through the `vscode` API: in code-server for CI
 * (test/e2e/hostSuite.test.ts) and in desktop VS Code through @vscode/test-electron (`npm run test:vscode`).
 * They make their own files in the first workspace folder, so any empty folder will do.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { waitFor } from '../helpers/waitFor';

export interface HostTest {
  name: string;
  run(): Promise<void>;
}

const EXTENSION_ID = 'kernel-lens.kernel-lens';
// Training and the engine's start-up run on a shared, possibly busy machine.
const SLOW = { timeoutMs: 180_000, intervalMs: 250 };

interface Manifest {
  contributes: { commands: { command: string }[] };
}

function workspaceFolder(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder');
  return folder.uri.fsPath;
}

async function kernelLens(): Promise<vscode.Extension<unknown>> {
  const extension = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed`);
  await extension.activate();
  return extension;
}

function writeExperiment(name: string, train: string): vscode.Uri {
  const file = join(workspaceFolder(), `${name}.kernel.json`);
  const experiment = {
    name,
    dataset: { train, target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 8, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.05, epochs: 10, batchSize: 16, seed: 1 },
  };
  writeFileSync(file, JSON.stringify(experiment, null, 2) + '\n');
  return vscode.Uri.file(file);
}

/** iris.csv from the extension's samples, into the workspace under `name`; returns its lines. */
async function copyIris(name: string): Promise<string[]> {
  const extension = await kernelLens();
  const to = join(workspaceFolder(), name);
  copyFileSync(join(extension.extensionPath, 'samples', 'iris.csv'), to);
  return readFileSync(to, 'utf8').split('\n');
}

function labelOf(item: vscode.CompletionItem): string {
  return typeof item.label === 'string' ? item.label : item.label.label;
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .join('\n');
}

export const HOST_TESTS: HostTest[] = [
  {
    name: 'activates and registers every command its manifest declares',
    async run() {
      const extension = await kernelLens();
      const registered = new Set(await vscode.commands.getCommands(true));
      const declared = (extension.packageJSON as Manifest).contributes.commands.map((c) => c.command);
      assert.ok(declared.length > 10);
      assert.deepEqual(
        declared.filter((c) => !registered.has(c)),
        [],
      );
    },
  },
  {
    name: "completes the CSV's column names for dataset.target and dataset.ignore",
    async run() {
      const header = (await copyIris('iris.csv'))[0].trim().split(',');
      const uri = writeExperiment('iris', 'iris.csv');
      const document = await vscode.workspace.openTextDocument(uri);
      const text = document.getText();
      const inTarget = document.positionAt(text.indexOf('"species"') + 1);
      const items = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, inTarget);
      const labels = items.items.map(labelOf);
      for (const column of header) assert.ok(labels.includes(column), `${column} among ${labels.join(', ')}`);
      const offered = items.items.find((i) => labelOf(i) === header[0]);
      assert.equal(offered?.insertText, JSON.stringify(header[0]));
      // Elsewhere (the name's value) no column is offered.
      const inName = document.positionAt(text.indexOf('"iris"') + 1);
      const elsewhere = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, inName);
      assert.ok(!elsewhere.items.some((i) => labelOf(i) === header[0]));
    },
  },
  {
    name: 'text in a numeric cell marks the cell and the experiment file, whose "Go to cell" opens the cell',
    async run() {
      const lines = await copyIris('broken.csv');
      const cells = lines[4].split(',');
      cells[1] = 'oops';
      lines[4] = cells.join(',');
      writeFileSync(join(workspaceFolder(), 'broken.csv'), lines.join('\n'));
      const csv = vscode.Uri.file(join(workspaceFolder(), 'broken.csv'));
      const experiment = writeExperiment('broken', 'broken.csv');
      void vscode.commands.executeCommand('kernelLens.trainExperiment', experiment);
      const ours = (uri: vscode.Uri): vscode.Diagnostic[] => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'Kernel Lens');
      const [cell] = await waitFor(() => (ours(csv).length > 0 ? ours(csv) : null), { what: 'a diagnostic on the CSV cell', ...SLOW });
      assert.equal(cell.range.start.line, 4);
      assert.equal((await vscode.workspace.openTextDocument(csv)).getText(cell.range), 'oops');
      assert.match(cell.message, /oops|line 5|row/i);
      const [pointer] = await waitFor(() => (ours(experiment).length > 0 ? ours(experiment) : null), {
        what: 'the experiment file marker',
      });
      const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
        'vscode.executeCodeActionProvider',
        experiment,
        pointer.range,
      );
      const goTo = actions.find((a) => a.title.startsWith('Go to cell (line 5'));
      assert.ok(goTo?.command, `"Go to cell" among ${actions.map((a) => a.title).join(' | ')}`);
      await vscode.commands.executeCommand(goTo.command.command, ...(goTo.command.arguments ?? []));
      const editor = await waitFor(
        () => (vscode.window.activeTextEditor?.document.uri.fsPath === csv.fsPath ? vscode.window.activeTextEditor : null),
        {
          what: 'the CSV in the editor',
        },
      );
      assert.deepEqual(editor.selection.start, cell.range.start);
      const treatAsMissing = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', csv, cell.range);
      assert.ok(treatAsMissing.some((a) => a.title.startsWith('Treat as missing')));
    },
  },
  {
    name: 'trains an experiment, then a hover on a data row shows its explained prediction',
    async run() {
      const csv = vscode.Uri.file(join(workspaceFolder(), 'iris.csv'));
      await vscode.commands.executeCommand('kernelLens.trainExperiment', vscode.Uri.file(join(workspaceFolder(), 'iris.kernel.json')));
      await vscode.window.showTextDocument(csv);
      const text = await waitFor(
        async () => {
          const answer = hoverText(
            await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', csv, new vscode.Position(1, 2)),
          );
          return /Explained output/.test(answer) ? answer : null;
        },
        { what: 'a hover with the explained prediction', ...SLOW },
      );
      assert.match(text, /Explain prediction/);
    },
  },
  {
    name: "training again reuses the experiment's one training view",
    async run() {
      const trainingTabs = (): vscode.Tab[] =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .filter(
            (t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('kernelLens.training') && /iris/.test(t.label),
          );
      await vscode.commands.executeCommand('kernelLens.trainExperiment', vscode.Uri.file(join(workspaceFolder(), 'iris.kernel.json')));
      assert.equal(trainingTabs().length, 1, 'after the second training');
    },
  },
  {
    name: 'Explain Prediction on the row under the cursor opens the explanation panel',
    async run() {
      const csv = vscode.Uri.file(join(workspaceFolder(), 'iris.csv'));
      const editor = await vscode.window.showTextDocument(csv);
      editor.selection = new vscode.Selection(10, 0, 10, 0);
      await vscode.commands.executeCommand('kernelLens.explainPrediction');
      const panel = (): vscode.Tab | undefined =>
        vscode.window.tabGroups.all
          .flatMap((g) => g.tabs)
          .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('kernelLens.explanation'));
      const tab = await waitFor(panel, { what: 'the explanation panel', ...SLOW });
      assert.match(tab.label, /iris|line 11|row/i);
    },
  },
];
