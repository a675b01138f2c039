import { createRng, shuffleInPlace } from '../random';

/** Row indices of each split, ascending (so both matrices keep the file's row order). */
export interface HoldoutSplit {
  train: number[];
  test: number[];
}

/**
 * Holds out `ceil(fraction × rows)` rows with a seeded draw. With `classes` (class index per row) the draw is
 * stratified: each class gets its proportional share, rounded by largest remainder (ties to the lower class index).
 */
export function holdoutSplit(rows: number, fraction: number, seed: number, classes: ArrayLike<number> | null): HoldoutSplit {
  const testCount = Math.min(rows, Math.ceil(fraction * rows));
  const rng = createRng(seed);
  const chosen = new Uint8Array(rows);
  if (classes === null) {
    const order = Array.from({ length: rows }, (_, i) => i);
    shuffleInPlace(order, rng);
    for (let k = 0; k < testCount; k++) chosen[order[k]] = 1;
  } else {
    const groups = groupByClass(classes, rows);
    const quotas = largestRemainder(
      groups.map((g) => g.length),
      testCount,
    );
    groups.forEach((members, c) => {
      shuffleInPlace(members, rng);
      for (let k = 0; k < quotas[c]; k++) chosen[members[k]] = 1;
    });
  }
  const split: HoldoutSplit = { train: [], test: [] };
  for (let i = 0; i < rows; i++) (chosen[i] ? split.test : split.train).push(i);
  return split;
}

function groupByClass(classes: ArrayLike<number>, rows: number): number[][] {
  const groups: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const c = classes[i];
    while (groups.length <= c) groups.push([]);
    groups[c].push(i);
  }
  return groups;
}

/** Splits `total` across groups proportionally to `sizes`: floors first, then the largest remainders get one more. */
export function largestRemainder(sizes: readonly number[], total: number): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (sum === 0) return sizes.map(() => 0);
  // Integer arithmetic (numerator mod sum) keeps the remainders exact, so ties are real ties.
  const quotas = sizes.map((n) => Math.floor((n * total) / sum));
  const remainders = sizes.map((n, i) => ({ i, r: (n * total) % sum }));
  let left = total - quotas.reduce((a, b) => a + b, 0);
  remainders.sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of remainders) {
    if (left === 0) break;
    if (quotas[i] < sizes[i]) {
      quotas[i]++;
      left--;
    }
  }
  return quotas;
}
