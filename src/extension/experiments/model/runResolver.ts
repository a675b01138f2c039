/**
 * Which experiment and run answer for a CSV file: the experiments that read it, the remembered choice
 * when several do (asked once, kept per workspace), and the pinned or latest complete run.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunInfo } from '../../../protocol';
import type { ExperimentEntry, ExperimentStore } from './experimentStore';
import { normalizePath } from './rowLookup';
import { answeringRun, experimentsReading, rememberedChoice } from './runSelection';

const KEY = 'kernelLens.csvExperiment';

export type CsvResolution =
  | { kind: 'none' }
  | { kind: 'ambiguous'; candidates: ExperimentEntry[] }
  | { kind: 'noRun'; experiment: ExperimentEntry; error: string | null }
  | { kind: 'run'; experiment: ExperimentEntry; run: RunInfo };

type ConfiguredExperiment = ExperimentEntry & { config: NonNullable<ExperimentEntry['config']> };

export class RunResolver {
  constructor(
    private readonly store: ExperimentStore,
    private readonly memento: vscode.Memento,
  ) {}

  async experimentsFor(csvFile: string): Promise<ConfiguredExperiment[]> {
    const configured = (await this.store.experiments()).filter((e): e is ConfiguredExperiment => e.config !== null);
    return experimentsReading(csvFile, configured);
  }

  async runFor(experiment: ExperimentEntry): Promise<CsvResolution> {
    const { runs, error } = await this.store.runs(experiment.file);
    const run = answeringRun(runs);
    return run ? { kind: 'run', experiment, run } : { kind: 'noRun', experiment, error };
  }

  /** Resolves without asking (hovers); `ask` offers a quick pick when several experiments read the file. */
  async resolve(csvFile: string, options: { ask: boolean }): Promise<CsvResolution> {
    const candidates = await this.experimentsFor(csvFile);
    if (candidates.length === 0) return { kind: 'none' };
    if (candidates.length === 1) return this.runFor(candidates[0]);
    const remembered = this.memento.get<Record<string, string>>(KEY, {})[normalizePath(csvFile)];
    const chosen = rememberedChoice(candidates, remembered) ?? (options.ask ? await this.ask(csvFile, candidates) : undefined);
    return chosen ? this.runFor(chosen) : { kind: 'ambiguous', candidates };
  }

  private async ask(csvFile: string, candidates: ExperimentEntry[]): Promise<ExperimentEntry | undefined> {
    const picked = await vscode.window.showQuickPick(
      candidates.map((e) => ({ label: e.name, description: vscode.workspace.asRelativePath(e.file), experiment: e })),
      { title: `Several experiments read ${path.basename(csvFile)}: which one should explain it? (remembered for this workspace)` },
    );
    if (!picked) return undefined;
    const all = this.memento.get<Record<string, string>>(KEY, {});
    all[normalizePath(csvFile)] = picked.experiment.file;
    await this.memento.update(KEY, all);
    return picked.experiment;
  }
}
