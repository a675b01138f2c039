/** One line describing an experiment's model and training (pure). */
import type { ExperimentConfig } from '../../../protocol';

export function modelSummary(config: ExperimentConfig | null): string {
  if (!config) return 'model: unknown';
  const hidden = config.model?.hidden ?? [{ units: 16, activation: 'tanh' as const }];
  const layers = hidden.map((h) => `${h.units} ${h.activation ?? 'tanh'}`).join(' → ');
  const t = config.training ?? {};
  return `${layers || 'linear'} · ${t.optimizer ?? 'adam'} · ${t.epochs ?? 20} epochs`;
}
