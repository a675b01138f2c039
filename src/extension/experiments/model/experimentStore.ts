/**
 * The workspace's experiment files and their runs, cached and refreshed when files change.
 * Runs come from the engine (`run/list`, which also marks stale runs); nothing here trains or explains.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EngineMethods, type ExperimentConfig, type RunInfo } from '../../../protocol';
import type { EngineConnection } from '../../engine/engineConnection';
import { normalizePath } from './rowLookup';
import { messageOf } from '../../../shared/messageOf';

export interface ExperimentEntry {
  /** Absolute path of the `*.kernel.json` file. */
  file: string;
  uri: vscode.Uri;
  name: string;
  /** null when the file is not valid JSON or lacks a dataset. */
  config: ExperimentConfig | null;
  error: string | null;
}

export interface RunsResult {
  runs: RunInfo[];
  error: string | null;
}

export const EXPERIMENT_GLOB = '**/*.kernel.json';
const EXCLUDE_GLOB = '**/{node_modules,.kernel-lens,.git}/**';

export function experimentName(file: string, config: ExperimentConfig | null): string {
  return config?.name?.trim() || path.basename(file).replace(/\.kernel\.json$/i, '');
}

/** Minimal structural check; the engine validates fully (and the JSON schema helps while editing). */
export function parseExperimentText(text: string): { config: ExperimentConfig | null; error: string | null } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { config: null, error: `Not valid JSON: ${messageOf(e)}` };
  }
  const dataset = (value as { dataset?: { train?: unknown; target?: unknown } } | null)?.dataset;
  // The target is optional for an image folder (the class is its subfolder); the engine says when a CSV lacks one.
  if (typeof dataset?.train !== 'string' || (dataset.target !== undefined && typeof dataset.target !== 'string')) {
    return {
      config: null,
      error: 'The experiment needs "dataset": {"train": "<file.csv>", "target": "<column>"} or {"train": "<image folder>"}.',
    };
  }
  return { config: value as ExperimentConfig, error: null };
}

export class ExperimentStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private experimentsPromise: Promise<ExperimentEntry[]> | undefined;
  private readonly runsCache = new Map<string, Promise<RunsResult>>();
  private readonly disposables: vscode.Disposable[] = [this.changed];
  /** Non-recursive watchers on run folders: `.kernel-lens/` is excluded from the workspace watcher. */
  private readonly runWatchers = new Map<string, vscode.Disposable>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly engine: EngineConnection) {
    const watcher = vscode.workspace.createFileSystemWatcher(EXPERIMENT_GLOB);
    const onExperiment = (): void => this.refresh();
    watcher.onDidCreate(onExperiment, undefined, this.disposables);
    watcher.onDidChange(onExperiment, undefined, this.disposables);
    watcher.onDidDelete(onExperiment, undefined, this.disposables);
    this.disposables.push(watcher);
    vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh(), undefined, this.disposables);
  }

  /** Drops every cache and tells listeners (debounced: runs write run.json often while training). */
  refresh(experimentFile?: string): void {
    if (experimentFile) this.runsCache.delete(normalizePath(experimentFile));
    else {
      this.experimentsPromise = undefined;
      this.runsCache.clear();
    }
    this.fireChanged();
  }

  private fireChanged(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => this.changed.fire(), 150);
  }

  experiments(): Promise<ExperimentEntry[]> {
    this.experimentsPromise ??= this.scan();
    return this.experimentsPromise;
  }

  async experiment(file: string): Promise<ExperimentEntry | undefined> {
    const target = normalizePath(file);
    return (await this.experiments()).find((e) => e.file === target);
  }

  runs(experimentFile: string): Promise<RunsResult> {
    const key = normalizePath(experimentFile);
    let result = this.runsCache.get(key);
    if (!result) {
      result = this.loadRuns(key);
      this.runsCache.set(key, result);
    }
    return result;
  }

  /** The run with this directory, searched among every experiment's runs. */
  async findRun(runDir: string): Promise<{ experiment: ExperimentEntry; run: RunInfo } | undefined> {
    const target = normalizePath(runDir);
    for (const experiment of await this.experiments()) {
      const { runs } = await this.runs(experiment.file);
      const run = runs.find((r) => normalizePath(r.dir) === target);
      if (run) return { experiment, run };
    }
    return undefined;
  }

  private async scan(): Promise<ExperimentEntry[]> {
    const uris = await vscode.workspace.findFiles(EXPERIMENT_GLOB, EXCLUDE_GLOB);
    const entries = await Promise.all(
      uris.map(async (uri): Promise<ExperimentEntry> => {
        const file = normalizePath(uri.fsPath);
        try {
          const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
          const { config, error } = parseExperimentText(text);
          return { file, uri, name: experimentName(file, config), config, error };
        } catch (e) {
          return { file, uri, name: experimentName(file, null), config: null, error: messageOf(e) };
        }
      }),
    );
    entries.sort((a, b) => a.name.localeCompare(b.name) || a.file.localeCompare(b.file));
    for (const entry of entries) this.watchRunFolder(path.join(path.dirname(entry.file), '.kernel-lens', 'runs', entry.name));
    return entries;
  }

  private async loadRuns(experimentFile: string): Promise<RunsResult> {
    try {
      const runs = await this.engine.request(EngineMethods.listRuns, { experimentFile });
      for (const run of runs) {
        this.watchRunFolder(path.dirname(run.dir));
        this.watchRunFolder(run.dir, 'run.json');
      }
      return { runs, error: null };
    } catch (e) {
      return { runs: [], error: messageOf(e) };
    }
  }

  private watchRunFolder(folder: string, pattern = '*'): void {
    const key = `${folder}\0${pattern}`;
    if (this.runWatchers.has(key)) return;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(folder), pattern));
    const experimentDir = folder.slice(0, folder.indexOf(`${path.sep}.kernel-lens${path.sep}`));
    const onChange = (): void => {
      // Any experiment in that folder may own the run; refreshing them all is cheap.
      void this.experiments().then((list) => {
        for (const e of list) if (path.dirname(e.file) === experimentDir) this.runsCache.delete(e.file);
        this.fireChanged();
      });
    };
    watcher.onDidCreate(onChange);
    watcher.onDidChange(onChange);
    watcher.onDidDelete(onChange);
    this.runWatchers.set(key, watcher);
  }

  dispose(): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    vscode.Disposable.from(...this.disposables, ...this.runWatchers.values()).dispose();
    this.runWatchers.clear();
  }
}
