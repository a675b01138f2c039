/** The `kernelLens.explain.*` settings, used where the experiment file does not decide. */
import * as vscode from 'vscode';
import type { ExperimentConfig } from '../../protocol';
import { LIMITS, TOLERANCE, type IntegerRange } from '../../protocol/limits';

export interface ExplainOptions {
  top: number;
  quadratureNodes?: number;
  tolerance?: number;
}

/** A setting's number within the shared range (a hand-edited settings.json may hold anything). */
export function wholeIn(value: unknown, range: IntegerRange & { default: number }): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return range.default;
  return Math.min(range.max, Math.max(range.min, Math.round(value)));
}

function toleranceOf(value: unknown): number {
  return typeof value === 'number' && value > 0 && value <= TOLERANCE.max ? value : TOLERANCE.default;
}

export function explainOptions(config: ExperimentConfig | null): ExplainOptions {
  const settings = vscode.workspace.getConfiguration('kernelLens.explain');
  // The experiment's own `explain` block wins: the engine applies it when the parameter is absent.
  return {
    top: wholeIn(settings.get('examplesShown'), LIMITS.examplesShown),
    quadratureNodes:
      config?.explain?.quadratureNodes === undefined ? wholeIn(settings.get('quadratureNodes'), LIMITS.quadratureNodes) : undefined,
    tolerance: config?.explain?.tolerance === undefined ? toleranceOf(settings.get('tolerance')) : undefined,
  };
}
