/**
 * Per-run cache of what hovers and the test set view need, filled in the background after training
 * (every test row, then every training row, in chunks) so hovers answer instantly. Cancellable per run.
 */
import * as vscode from 'vscode';
import type { RunInfo, Split } from '../../protocol';
import type { Explainer } from './explainer';
import { hoverFacts, type HoverFacts } from '../hover/hoverMarkdown';
import type { RowRef } from '../experiments/model/rowLookup';
import { normalizePath } from '../experiments/model/rowLookup';

/** Enough contributions per row to usually find an opposer among them. */
const HOVER_TOP = 50;
const CHUNK = 16;

interface RunEntry {
  facts: Map<string, HoverFacts>;
  /** Split → promise of the fill finishing. */
  fills: Map<Split, Promise<void>>;
  cts: vscode.CancellationTokenSource;
}

const keyOf = (ref: RowRef): string => `${ref.split}:${ref.row}`;

export class ExplanationCache implements vscode.Disposable {
  private readonly runs = new Map<string, RunEntry>();

  constructor(private readonly explainer: Explainer) {}

  private entry(run: RunInfo): RunEntry {
    const key = normalizePath(run.dir);
    let entry = this.runs.get(key);
    if (!entry) {
      entry = { facts: new Map(), fills: new Map(), cts: new vscode.CancellationTokenSource() };
      this.runs.set(key, entry);
    }
    return entry;
  }

  peek(run: RunInfo, ref: RowRef): HoverFacts | undefined {
    return this.runs.get(normalizePath(run.dir))?.facts.get(keyOf(ref));
  }

  /** One row, from the cache or explained now (cancellable by `token`). */
  async get(run: RunInfo, ref: RowRef, token?: vscode.CancellationToken): Promise<HoverFacts> {
    const entry = this.entry(run);
    const hit = entry.facts.get(keyOf(ref));
    if (hit) return hit;
    const [explanation] = await this.explainer.explain(run, [{ split: ref.split, row: ref.row }], { top: HOVER_TOP }, token);
    if (!explanation) throw new Error('The engine returned no explanation.');
    const facts = hoverFacts(explanation);
    entry.facts.set(keyOf(ref), facts);
    return facts;
  }

  /** Starts (once) filling a split in the background; resolves when it is complete. */
  fill(run: RunInfo, split: Split): Promise<void> {
    const entry = this.entry(run);
    let fill = entry.fills.get(split);
    if (!fill) {
      fill = this.fillSplit(run, split, entry);
      entry.fills.set(split, fill);
      // A failed fill may be retried later.
      fill.catch(() => entry.fills.delete(split));
    }
    return fill;
  }

  /** Test rows first (the hover's usual target and the test set view), then training rows. */
  fillAll(run: RunInfo): void {
    void this.fill(run, 'test')
      .then(() => this.fill(run, 'train'))
      .catch(() => undefined);
  }

  /** Every row of a split, waiting for the background fill (cancelling `token` stops waiting, not the fill). */
  async rows(run: RunInfo, split: Split, token?: vscode.CancellationToken): Promise<{ row: number; facts: HoverFacts }[]> {
    const entry = this.entry(run);
    await Promise.race([
      this.fill(run, split),
      new Promise<void>((_, reject) => token?.onCancellationRequested(() => reject(new vscode.CancellationError()))),
    ]);
    const count = split === 'test' ? run.testRows : run.trainRows;
    const result: { row: number; facts: HoverFacts }[] = [];
    for (let row = 0; row < count; row++) {
      const facts = entry.facts.get(keyOf({ split, row }));
      if (facts) result.push({ row, facts });
    }
    return result;
  }

  private async fillSplit(run: RunInfo, split: Split, entry: RunEntry): Promise<void> {
    const count = split === 'test' ? run.testRows : run.trainRows;
    for (let start = 0; start < count; start += CHUNK) {
      if (entry.cts.token.isCancellationRequested) throw new vscode.CancellationError();
      const queries: { split: Split; row: number }[] = [];
      for (let row = start; row < Math.min(count, start + CHUNK); row++) {
        if (!entry.facts.has(keyOf({ split, row }))) queries.push({ split, row });
      }
      if (queries.length === 0) continue;
      const explanations = await this.explainer.explain(run, queries, { top: HOVER_TOP }, entry.cts.token);
      explanations.forEach((e, i) => entry.facts.set(keyOf(queries[i]), hoverFacts(e)));
    }
  }

  /** Forgets a run (deleted, retrained, or its dataset changed) and stops its fill. */
  forget(runDir: string): void {
    const key = normalizePath(runDir);
    const entry = this.runs.get(key);
    if (!entry) return;
    entry.cts.cancel();
    entry.cts.dispose();
    this.runs.delete(key);
  }

  dispose(): void {
    for (const key of [...this.runs.keys()]) this.forget(key);
  }
}
