/** The last explanations opened per run (shown under the run in the tree), kept in workspace state. */
import * as vscode from 'vscode';
import type { ExplainQuery } from '../../protocol';
import { normalizePath } from '../experiments/model/rowLookup';

export interface RecentExplanation {
  query: ExplainQuery;
  /** e.g. "test row 12 · setosa (97.0%)" */
  title: string;
  file: string;
  /** null for an image file. */
  line: number | null;
  at: string;
}

const KEY = 'kernelLens.recentExplanations';
const PER_RUN = 10;

export class RecentExplanations {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(private readonly memento: vscode.Memento) {}

  private all(): Record<string, RecentExplanation[]> {
    return this.memento.get<Record<string, RecentExplanation[]>>(KEY, {});
  }

  list(runDir: string): RecentExplanation[] {
    return this.all()[normalizePath(runDir)] ?? [];
  }

  async add(runDir: string, entry: RecentExplanation): Promise<void> {
    const all = this.all();
    const key = normalizePath(runDir);
    const same = (q: ExplainQuery): boolean => q.split === entry.query.split && q.row === entry.query.row && q.input === entry.query.input;
    all[key] = [entry, ...(all[key] ?? []).filter((e) => !same(e.query))].slice(0, PER_RUN);
    await this.memento.update(KEY, all);
    this.changed.fire();
  }

  async forget(runDir: string): Promise<void> {
    const all = this.all();
    delete all[normalizePath(runDir)];
    await this.memento.update(KEY, all);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
