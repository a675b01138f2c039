/** How well a score ranks a set of planted positives: recall in the top fraction, and AUROC. */

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

/** AUROC of the scores for positives versus the rest (Mann–Whitney, ties count one half). */
export function auroc(scores: ArrayLike<number>, positives: ReadonlySet<number>): number {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  // Average ranks over ties.
  const ranks = new Float64Array(scores.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1]] === scores[order[start]]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k]] = rank;
    start = end + 1;
  }
  const p = positives.size;
  const n = scores.length - p;
  if (p === 0 || n === 0) return 0.5;
  let sum = 0;
  for (const i of positives) sum += ranks[i];
  return (sum - (p * (p + 1)) / 2) / (p * n);
}
