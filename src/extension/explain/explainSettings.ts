/** The `kernelLens.explain.*` settings, used where the experiment file does not decide. */
import * as vscode from 'vscode';
import type { ExperimentConfig } from '../../protocol';
import { LIMITS, TOLERANCE } from '../../protocol/limits';

export interface ExplainOptions {
  top: number;
  quadratureNodes?: number;
  tolerance?: number;
}

export function explainOptions(config: ExperimentConfig | null): ExplainOptions {
  const settings = vscode.workspace.getConfiguration('kernelLens.explain');
  const top = Math.min(
    LIMITS.examplesShown.max,
    Math.max(LIMITS.examplesShown.min, Math.floor(settings.get<number>('examplesShown', LIMITS.examplesShown.default))),
  );
  // The experiment's own `explain` block wins: the engine applies it when the parameter is absent.
  return {
    top,
    quadratureNodes:
      config?.explain?.quadratureNodes === undefined ? settings.get<number>('quadratureNodes', LIMITS.quadratureNodes.default) : undefined,
    tolerance: config?.explain?.tolerance === undefined ? settings.get<number>('tolerance', TOLERANCE.default) : undefined,
  };
}
