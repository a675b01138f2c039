/**
 * "Explain Neuron…": asks for a layer and a unit of a run, runs `explain/neuron` (cancellable progress) and shows the
 * neuron view, one panel per run. A revived panel shows what it had.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineMethods, type PersistedWebviewState, type RunInfo, type WeightLayer } from '../../protocol';
import type { EngineConnection } from '../engine/engineConnection';
import { OPEN_ROW_COMMAND } from '../hover/hoverMarkdown';
import { showInfo } from '../notify';
import { createWebviewPanel, WebviewHost } from '../webview/webviewHost';
import { messageOf } from '../../shared/messageOf';

export const NEURON_VIEW_TYPE = 'kernelLens.neuron';
/** Examples the view lists. */
const NEURON_TOP = 12;

/** Asks which layer (when more than one has weights) and which unit; undefined when the user backs out. */
export async function pickNeuron(run: RunInfo): Promise<{ layer: WeightLayer; unit: number } | undefined> {
  const layers = run.weightLayers ?? [];
  if (layers.length === 0) {
    void showInfo('Kernel Lens: this run has no hidden layer with weights to explain.');
    return undefined;
  }
  const noun = (l: WeightLayer) => (l.type === 'dense' ? 'unit' : 'filter');
  const layer =
    layers.length === 1
      ? layers[0]
      : (
          await vscode.window.showQuickPick(
            layers.map((l) => ({ label: `Layer ${l.layer}`, description: `${l.type} · ${l.units} ${noun(l)}s`, l })),
            { title: 'Explain Neuron: which layer?', placeHolder: 'A hidden layer with weights (index in model.layers)' },
          )
        )?.l;
  if (!layer) return undefined;
  const unit = await vscode.window.showQuickPick(
    Array.from({ length: layer.units }, (_, u) => ({ label: `${noun(layer)} ${u}`, u })),
    { title: `Explain Neuron: which ${noun(layer)} of layer ${layer.layer}?`, placeHolder: `0 to ${layer.units - 1}` },
  );
  return unit ? { layer, unit: unit.u } : undefined;
}

export class NeuronPanel {
  private static readonly panels = new Map<string, NeuronPanel>();
  private readonly host: WebviewHost;
  private cts: vscode.CancellationTokenSource | undefined;
  private run: RunInfo | undefined;

  private constructor(panel: vscode.WebviewPanel, extensionUri: vscode.Uri) {
    this.host = new WebviewHost(panel, extensionUri);
    this.host.onMessage((m) => {
      if (m.type === 'openRow' && this.run)
        void vscode.commands.executeCommand(OPEN_ROW_COMMAND, {
          file: path.resolve(path.dirname(this.run.experimentFile), m.file),
          line: m.line,
          stale: this.run.stale,
        });
    });
    panel.onDidDispose(() => {
      this.cts?.cancel();
      for (const [key, value] of NeuronPanel.panels) if (value === this) NeuronPanel.panels.delete(key);
    });
  }

  static async show(engine: EngineConnection, extensionUri: vscode.Uri, run: RunInfo, layer: number, unit: number): Promise<void> {
    let panel = NeuronPanel.panels.get(run.dir);
    if (panel) panel.host.panel.reveal();
    else {
      panel = new NeuronPanel(createWebviewPanel(NEURON_VIEW_TYPE, `Neuron: ${run.label ?? run.name}`, extensionUri), extensionUri);
      NeuronPanel.panels.set(run.dir, panel);
    }
    await panel.load(engine, run, layer, unit);
  }

  static registerSerializer(extensionUri: vscode.Uri): vscode.Disposable {
    return vscode.window.registerWebviewPanelSerializer(NEURON_VIEW_TYPE, {
      deserializeWebviewPanel: async (webviewPanel: vscode.WebviewPanel, saved: unknown) => {
        const panel = new NeuronPanel(webviewPanel, extensionUri);
        const persisted = saved as PersistedWebviewState | undefined;
        if (persisted?.view === 'neuron') panel.host.show({ type: 'neuron', state: persisted.state });
        else panel.host.show({ type: 'error', message: 'Run "Kernel Lens: Explain Neuron…" on a run to fill this view.' });
      },
    });
  }

  private async load(engine: EngineConnection, run: RunInfo, layer: number, unit: number): Promise<void> {
    this.cts?.cancel();
    const cts = new vscode.CancellationTokenSource();
    this.cts = cts;
    this.run = run;
    const name = run.label ?? run.name;
    this.host.panel.title = `Neuron ${layer}.${unit}: ${name}`;
    this.host.post({ type: 'busy', message: `Decomposing the weight change of layer ${layer}, unit ${unit} over the training examples…` });
    try {
      const neuron = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Kernel Lens: explaining neuron ${layer}.${unit} of ${name}`,
          cancellable: true,
        },
        (_p, token) => {
          token.onCancellationRequested(() => cts.cancel());
          return engine.request(EngineMethods.explainNeuron, { runDir: run.dir, layer, unit, top: NEURON_TOP }, cts.token);
        },
      );
      if (!cts.token.isCancellationRequested) this.host.show({ type: 'neuron', state: { runName: name, neuron } });
    } catch (e) {
      this.host.post({ type: 'error', message: cts.token.isCancellationRequested ? 'Cancelled.' : messageOf(e) });
    } finally {
      if (this.cts === cts) this.cts = undefined;
      cts.dispose();
    }
  }
}
