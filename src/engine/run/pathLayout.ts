/**
 * How a run records its training path (README, "Run directory"):
 * - full: every step's weights (and Adam's second moments), with the path index stored beside them;
 * - checkpoints: the optimizer's whole state every `every` steps; each segment is replayed to explain (exact);
 * - approximate: every `stride`-th weight row only, each stretch explained as one step (not exact; opt-in).
 */
export type PathLayout = { kind: 'full' } | { kind: 'checkpoints'; every: number } | { kind: 'approximate'; stride: number };
