/**
 * Context keys that hide palette commands which cannot apply now (package.json `menus.commandPalette`): no
 * experiment to train, explain or compare, an engine already running or already stopped. Whether runs exist is not
 * asked: listing them would start the engine, and "no complete run yet" is answered by the commands themselves
 * with an offer to train.
 */
import * as vscode from 'vscode';
import type { EngineConnection, EngineState } from './engine/engineConnection';
import type { ExperimentStore } from './experiments/model/experimentStore';

export const PALETTE_KEYS = {
  hasExperiments: 'kernelLens.hasExperiments',
  engineRunning: 'kernelLens.engine.running',
} as const;

const setContext = (key: string, value: boolean): Thenable<unknown> => vscode.commands.executeCommand('setContext', key, value);

/** A stopped or crashed engine can be started; one starting, ready or busy can be stopped or restarted. */
export function isRunning(state: EngineState): boolean {
  return state === 'starting' || state === 'ready' || state === 'busy';
}

export function trackPaletteContext(store: ExperimentStore, engine: EngineConnection): vscode.Disposable {
  let generation = 0;
  const update = async (): Promise<void> => {
    const mine = ++generation;
    // Scanning the workspace never fails outright; an answer overtaken by a later change is dropped.
    const experiments = await store.experiments();
    if (mine === generation) await setContext(PALETTE_KEYS.hasExperiments, experiments.length > 0);
  };
  void update();
  void setContext(PALETTE_KEYS.engineRunning, isRunning(engine.state));
  return vscode.Disposable.from(
    store.onDidChange(() => void update()),
    engine.onDidChangeState((state) => void setContext(PALETTE_KEYS.engineRunning, isRunning(state))),
  );
}
