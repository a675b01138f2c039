/**
 * Per-run cache of what hovers and the test set view need, filled in the background after training
 * (every test row, then every training row, in chunks) so hovers answer instantly. Cancellable per run.
 */
import * as vscode from 'vscode';
import type { ExplainProgress, RunInfo, Split } from '../../protocol';
import { LIMITS } from '../../protocol/limits';
import { replayProgressText, type Explainer } from './explainer';
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

/** A run whose explanations replay its training from checkpoints (seconds to minutes, not milliseconds). */
const replayed = (run: RunInfo): boolean => run.pathLayout === 'checkpoints';

/** Long replayed work in a cancellable notification that follows the engine's replay progress. */
function withReplayProgress<T>(
  title: string,
  outer: vscode.CancellationToken | undefined,
  work: (onReplay: (p: ExplainProgress) => void, token: vscode.CancellationToken) => Promise<T>,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    vscode.window
      .withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Kernel Lens: ${title}`, cancellable: true },
        (progress, token) => {
          const both = new vscode.CancellationTokenSource();
          const stops = [token.onCancellationRequested(() => both.cancel()), outer?.onCancellationRequested(() => both.cancel())];
          if (outer?.isCancellationRequested) both.cancel();
          return work((p) => progress.report({ message: replayProgressText(p) }), both.token).finally(() => {
            for (const stop of stops) stop?.dispose();
            both.dispose();
          });
        },
      )
      .then(resolve, reject);
  });
}

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

  /** One row, from the cache or explained now (cancellable by `token`; on a checkpointed run, one replay with its own progress). */
  async get(run: RunInfo, ref: RowRef, token?: vscode.CancellationToken): Promise<HoverFacts> {
    const entry = this.entry(run);
    const hit = entry.facts.get(keyOf(ref));
    if (hit) return hit;
    const query = [{ split: ref.split, row: ref.row }];
    const [explanation] = replayed(run)
      ? await withReplayProgress(`${ref.split} row ${ref.row} is not in the cache: one replay of the training`, token, (onReplay, cancel) =>
          this.explainer.explain(run, query, { top: HOVER_TOP, onReplay }, cancel),
        )
      : await this.explainer.explain(run, query, { top: HOVER_TOP }, token);
    if (!explanation) throw new Error('The engine returned no explanation.');
    const facts = hoverFacts(explanation, run.image);
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

  /**
   * Test rows first (the hover's usual target and the test set view), then training rows. A checkpointed run's
   * test split is one batch (one replay, with progress and cancel); its training rows are explained on demand.
   */
  fillAll(run: RunInfo): void {
    // An image folder's rows are files, never hovered: they are explained when asked (the Test Set view, a click).
    if (run.imageFolder) return;
    const test = this.fill(run, 'test');
    void (replayed(run) ? test : test.then(() => this.fill(run, 'train'))).catch(() => undefined);
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
    // A checkpointed run replays its training per request: as few requests as the protocol allows.
    const chunk = replayed(run) ? LIMITS.queries.max : CHUNK;
    const explainChunks = async (onReplay?: (p: ExplainProgress) => void, token = entry.cts.token): Promise<void> => {
      for (let start = 0; start < count; start += chunk) {
        if (token.isCancellationRequested) throw new vscode.CancellationError();
        const queries: { split: Split; row: number }[] = [];
        for (let row = start; row < Math.min(count, start + chunk); row++) {
          if (!entry.facts.has(keyOf({ split, row }))) queries.push({ split, row });
        }
        if (queries.length === 0) continue;
        const explanations = await this.explainer.explain(run, queries, { top: HOVER_TOP, onReplay }, token);
        explanations.forEach((e, i) => entry.facts.set(keyOf(queries[i]), hoverFacts(e, run.image)));
      }
    };
    if (!replayed(run)) return explainChunks();
    await withReplayProgress(
      `explaining the ${count} ${split} rows of ${run.label ?? run.name} for hovers and the Test Set view`,
      entry.cts.token,
      (onReplay, token) => explainChunks(onReplay, token),
    );
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
