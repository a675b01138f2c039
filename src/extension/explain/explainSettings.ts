/** The `kernelLens.explain.*` settings, used where the experiment file does not decide. */
import * as vscode from 'vscode';
import type { ExperimentConfig } from '../../protocol';

export interface ExplainOptions {
  top: number;
  quadratureNodes?: number;
  tolerance?: number;
}

export function explainOptions(config: ExperimentConfig | null): ExplainOptions {
  const settings = vscode.workspace.getConfiguration('kernelLens.explain');
  const top = Math.max(1, Math.floor(settings.get<number>('examplesShown', 10)));
  // The experiment's own `explain` block wins: the engine applies it when the parameter is absent.
  return {
    top,
    quadratureNodes: config?.explain?.quadratureNodes === undefined ? settings.get<number>('quadratureNodes', 3) : undefined,
    tolerance: config?.explain?.tolerance === undefined ? settings.get<number>('tolerance', 1e-3) : undefined,
  };
}
