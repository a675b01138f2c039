/** The compare-runs view's state from an experiment's runs (pure, no VS Code). */
import type { CompareRunsViewState, RunInfo } from '../../../protocol';
import { answeringRun } from '../model/runSelection';
import { runTitle, TRAINING_SETTINGS } from '../tree/runDisplay';

/** The path layout is compared too: it says whether a run explains from its index or by replay. */
const LAYOUT = { key: 'layout', name: 'Path' };

export function compareRunsState(experimentName: string, runs: readonly RunInfo[]): CompareRunsViewState {
  const ordered = [...runs].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const answering = answeringRun(ordered.filter((r) => r.status === 'complete'));
  const values = ordered.map((run) => {
    const shown: Record<string, string> = {};
    for (const s of TRAINING_SETTINGS) shown[s.key] = run.training ? s.value(run.training) : '';
    shown[LAYOUT.key] = run.pathLayout === 'checkpoints' ? `checkpoints (${run.checkpoints ?? '?'})` : (run.pathLayout ?? 'full');
    return shown;
  });
  const parameters = [...TRAINING_SETTINGS.map((s) => ({ key: s.key as string, name: s.name })), LAYOUT].map((p) => ({
    ...p,
    differs: new Set(values.map((v) => v[p.key])).size > 1,
  }));
  return {
    experimentName,
    parameters,
    regression: ordered.some((r) => r.task === 'regression'),
    runs: ordered.map((run, k) => ({
      runDir: run.dir,
      title: runTitle(run, ordered),
      status: run.status,
      createdAt: run.createdAt,
      parameters: values[k],
      metrics: run.metrics,
      answering: run === answering,
    })),
  };
}
