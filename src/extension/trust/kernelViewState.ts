/**
 * Reduces the engine's kernel evolution (three 200×200 matrices) to what the webview draws (pure, no VS Code):
 * a spread subset of pairwise values for the scatter plots and a small label-ordered subsample for heatmaps.
 * Keeps the message and the persisted webview state small.
 */
import type { KernelEvolution, KernelViewState, RunInfo } from '../../protocol';

/** Points in each scatter plot: enough to see the shape, few enough for SVG. */
export const MAX_PAIRS = 1500;
/** Rows (and columns) of each heatmap. */
export const HEATMAP_ROWS = 36;

/** `count` indices spread evenly over 0..n-1 (all of them when n ≤ count). */
export function spread(n: number, count: number): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * n) / count));
}

/** The i<j pairs of an n-row sample, a spread subset of at most `max`. */
export function samplePairs(n: number, max: number): [number, number][] {
  const total = (n * (n - 1)) / 2;
  const chosen = new Set(spread(total, max));
  const pairs: [number, number][] = [];
  let k = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++, k++) if (chosen.has(k)) pairs.push([i, j]);
  }
  return pairs;
}

/** Up to `count` sample positions spread over the sample (so labels keep their proportions), ordered by label. */
export function labelOrderedSubsample(labels: readonly string[], count: number): number[] {
  const picked = spread(labels.length, count);
  return picked.sort((a, b) => (labels[a] < labels[b] ? -1 : labels[a] > labels[b] ? 1 : a - b));
}

const sub = (m: number[][], rows: number[]): number[][] => rows.map((r) => rows.map((c) => m[r]?.[c] ?? 0));

export function kernelViewState(run: Pick<RunInfo, 'name' | 'label' | 'stale' | 'task'>, k: KernelEvolution): KernelViewState {
  const n = k.sample.length;
  const m = k.matrices;
  const pairs = m
    ? samplePairs(n, MAX_PAIRS).map(([i, j]) => ({
        initial: m.initial[i][j],
        final: m.final[i][j],
        // The path kernel is not symmetric (query row, training column): average both directions.
        path: (m.path[i][j] + m.path[j][i]) / 2,
        sameLabel: k.labels[i] === k.labels[j],
      }))
    : [];
  const order = labelOrderedSubsample(k.labels, HEATMAP_ROWS);
  return {
    runName: run.label ?? run.name,
    stale: run.stale === true,
    sampleSize: n,
    task: run.task,
    alignment: k.alignment,
    alignmentCurve: k.alignmentCurve,
    drift: k.drift,
    sameClass: k.sameClass,
    meanSameClassShare: k.meanSameClassShare,
    pairs,
    pairCount: (n * (n - 1)) / 2,
    heatmap: m
      ? { labels: order.map((i) => k.labels[i]), initial: sub(m.initial, order), final: sub(m.final, order), path: sub(m.path, order) }
      : null,
    ms: k.ms,
  };
}
