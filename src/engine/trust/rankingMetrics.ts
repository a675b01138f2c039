/** How well a score ranks: recall of planted positives in the top fraction, AUROC, and rank correlation. */

/** Indices sorted by score, highest first (ties by index, so the order is deterministic). */
export function rankByScore(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

/** Share of the positives found in the first ⌈fraction · N⌉ rows of the ranking. */
export function recallAtFraction(ranking: readonly number[], positives: ReadonlySet<number>, fraction: number): number {
  if (positives.size === 0) return 0;
  const cut = Math.ceil(fraction * ranking.length);
  let found = 0;
  for (let r = 0; r < cut; r++) if (positives.has(ranking[r])) found++;
  return found / positives.size;
}

/** 1-based ranks of the values, ties given their average rank. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b]);
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]] = rank;
    start = end + 1;
  }
  return ranks;
}

/** AUROC of the scores for positives versus the rest (Mann–Whitney, ties count one half). */
export function auroc(scores: ArrayLike<number>, positives: ReadonlySet<number>): number {
  const ranks = averageRanks(scores);
  const p = positives.size;
  const n = scores.length - p;
  if (p === 0 || n === 0) return 0.5;
  let sum = 0;
  for (const i of positives) sum += ranks[i];
  return (sum - (p * (p + 1)) / 2) / (p * n);
}

/** Pearson correlation of two equally long series; NaN when either is constant. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i] / n;
    mb += b[i] / n;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa === 0 || bb === 0 ? NaN : ab / Math.sqrt(aa * bb);
}

/** Spearman's rank correlation (Pearson of the average ranks); NaN when either series is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return pearson(averageRanks(a), averageRanks(b));
}
