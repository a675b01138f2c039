/** A small seeded PRNG (mulberry32): the same seed gives the same shuffles and initial weights on every backend. */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T>(items: T[] | Int32Array, rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
}

/** A seed from several parts (FNV-1a over their text), so draws keyed by (run, row, draw) differ from each other. */
export function seedOf(...parts: (string | number)[]): number {
  let hash = 0x811c9dc5;
  for (const ch of parts.join('\u0000')) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** `take` distinct rows of 0 … count − 1, seeded: the first `take` of a shuffle (verify's and lds's random removals). */
export function randomRows(count: number, take: number, seed: number): Int32Array {
  const order = Int32Array.from({ length: count }, (_, i) => i);
  shuffleInPlace(order, createRng(seed));
  return order.subarray(0, take);
}
