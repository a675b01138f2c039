/**
 * Thin glue over `explain/rows` and `explain/trace`: settings, the run and experiment behind a run directory,
 * and the raw CSV values the webview shows next to each training example.
 */
import type * as vscode from 'vscode';
import {
  EngineMethods,
  type ContributionTrace,
  type ExplainProgress,
  type ExplainQuery,
  type Explanation,
  type ExplanationViewState,
  type OutputSelector,
  type RunInfo,
} from '../../protocol';
import type { EngineConnection } from '../engine/engineConnection';
import { explainOptions } from './explainSettings';
import type { ExperimentEntry, ExperimentStore } from '../experiments/model/experimentStore';

export interface ExplainTarget {
  runDir: string;
  query: ExplainQuery;
  output: OutputSelector;
}

export interface ExplainedRow {
  run: RunInfo;
  experiment: ExperimentEntry | undefined;
  state: ExplanationViewState;
}

let progressCount = 0;

/** What a replay progress event says, for a notification: which pass, how far. */
export function replayProgressText(progress: ExplainProgress): string {
  const what = progress.pass === 'contributions' ? 'replaying the training' : 'path kernel of the rows shown (second replay)';
  return `${what}: segment ${progress.segment} of ${progress.segments}`;
}

export class Explainer {
  constructor(
    private readonly engine: EngineConnection,
    private readonly store: ExperimentStore,
  ) {}

  loadRun(runDir: string, token?: vscode.CancellationToken): Promise<RunInfo> {
    return this.engine.request(EngineMethods.loadRun, { runDir }, token);
  }

  /** `onReplay`: a checkpointed run's replay progress (its explanations replay the training, which takes a while). */
  async explain(
    run: RunInfo,
    queries: ExplainQuery[],
    options: { output?: OutputSelector; top?: number; full?: boolean; onReplay?: (progress: ExplainProgress) => void },
    token?: vscode.CancellationToken,
  ): Promise<Explanation[]> {
    const experiment = await this.store.experiment(run.experimentFile);
    const defaults = explainOptions(experiment?.config ?? null);
    const progressToken = options.onReplay ? `explain-${++progressCount}` : undefined;
    const listening = options.onReplay
      ? this.engine.onExplainProgress((p) => {
          if (p.token === progressToken) options.onReplay?.(p);
        })
      : undefined;
    try {
      const result = await this.engine.request(
        EngineMethods.explainRows,
        {
          runDir: run.dir,
          queries,
          output: options.output,
          top: options.top ?? defaults.top,
          full: options.full,
          quadratureNodes: defaults.quadratureNodes,
          tolerance: defaults.tolerance,
          progressToken,
        },
        token,
      );
      return result.explanations;
    } finally {
      listening?.dispose();
    }
  }

  /** Everything the explanation view shows for one row. */
  async explainForView(
    target: ExplainTarget,
    token?: vscode.CancellationToken,
    onReplay?: (progress: ExplainProgress) => void,
  ): Promise<ExplainedRow> {
    const run = await this.loadRun(target.runDir, token);
    const experiment = await this.store.experiment(run.experimentFile);
    const [explanation] = await this.explain(run, [target.query], { output: target.output, onReplay }, token);
    if (!explanation) throw new Error('The engine returned no explanation.');
    // The engine sends the cells it recorded at training, so a stale CSV cannot show another row's values.
    const header = explanation.values?.map((v) => v.name) ?? [];
    const trainingValues: Record<number, string[]> = {};
    for (const c of explanation.contributions) if (c.values) trainingValues[c.index] = c.values;
    const state: ExplanationViewState = {
      runDir: run.dir,
      runName: run.label ?? run.name,
      classes: run.classes,
      query: target.query,
      output: target.output,
      header,
      target: experiment?.config?.dataset.target ?? null,
      image: run.image ?? experiment?.config?.dataset.image ?? null,
      stale: run.stale === true,
      explanation,
      trainingValues,
    };
    return { run, experiment, state };
  }

  trace(target: ExplainTarget, indices: number[], token?: vscode.CancellationToken): Promise<ContributionTrace[]> {
    return this.engine.request(
      EngineMethods.traceContribution,
      { runDir: target.runDir, query: target.query, output: target.output, indices },
      token,
    );
  }
}
