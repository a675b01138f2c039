/** Run actions from the tree: rename or annotate, pin, delete (confirmed), reveal the folder. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineMethods, type RunInfo } from '../../../protocol';
import type { EngineConnection } from '../../engine/engineConnection';
import type { ExplanationCache } from '../../explain/explanationCache';
import type { ExperimentStore } from '../model/experimentStore';
import type { RecentExplanations } from '../../explain/recentExplanations';
import type { RunRowsCache } from '../model/runRows';
import { showWarning } from '../../notify';

export class RunCommands {
  constructor(
    private readonly engine: EngineConnection,
    private readonly store: ExperimentStore,
    private readonly cache: ExplanationCache,
    private readonly rows: RunRowsCache,
    private readonly recent: RecentExplanations,
  ) {}

  async rename(run: RunInfo): Promise<void> {
    const label = await vscode.window.showInputBox({
      title: `Rename run ${run.name}`,
      prompt: 'A name for this run (empty keeps the generated name)',
      value: run.label ?? '',
    });
    if (label === undefined) return;
    const annotation = await vscode.window.showInputBox({
      title: `Annotate run ${label || run.name}`,
      prompt: 'A note about this run (what changed, what you learned)',
      value: run.annotation ?? '',
    });
    if (annotation === undefined) return;
    await this.engine.request(EngineMethods.updateRun, { runDir: run.dir, label: label.trim(), annotation: annotation.trim() });
    this.store.refresh(run.experimentFile);
  }

  /** One pinned run per experiment: pinning a run unpins the others. */
  async setPinned(run: RunInfo, pinned: boolean): Promise<void> {
    if (pinned) {
      const { runs } = await this.store.runs(run.experimentFile);
      for (const other of runs) {
        if (other.pinned && other.dir !== run.dir) await this.engine.request(EngineMethods.updateRun, { runDir: other.dir, pinned: false });
      }
    }
    await this.engine.request(EngineMethods.updateRun, { runDir: run.dir, pinned });
    this.store.refresh(run.experimentFile);
  }

  async delete(run: RunInfo): Promise<void> {
    const choice = await showWarning(
      `Delete run ${run.label ?? run.name}? Its folder (weights, training records) is removed from disk.`,
      { modal: true },
      'Delete Run',
    );
    if (choice !== 'Delete Run') return;
    await this.engine.request(EngineMethods.deleteRun, { runDir: run.dir });
    this.cache.forget(run.dir);
    this.rows.forget(run.dir);
    await this.recent.forget(run.dir);
    this.store.refresh(run.experimentFile);
  }

  async reveal(run: RunInfo): Promise<void> {
    const runJson = vscode.Uri.file(path.join(run.dir, 'run.json'));
    // Revealing in the OS does not work remotely (code-server, SSH); the Explorer does everywhere.
    if (vscode.env.remoteName === undefined && vscode.env.uiKind === vscode.UIKind.Desktop) {
      await vscode.commands.executeCommand('revealFileInOS', runJson);
    } else {
      await vscode.commands.executeCommand('revealInExplorer', runJson);
    }
  }
}
