/**
 * How a run records its training path (README, "Run directory"):
 * - full: every step's weights (and Adam's second moments), with the path index stored beside them;
 * - checkpoints: the optimizer's whole state every `every` steps; each segment is replayed to explain (exact);
 * - approximate: every `stride`-th weight row only, each stretch explained as one step (not exact; opt-in).
 */
import type { PathLayoutName } from '../../protocol';

export type PathLayout = { kind: 'full' } | { kind: 'checkpoints'; every: number } | { kind: 'approximate'; stride: number };

/** A run record's layout: written since checkpoints exist; before, a pathStride above 1 meant approximate. */
export function pathLayoutOf(record: { pathLayout?: PathLayoutName; pathStride?: number }): PathLayoutName {
  return record.pathLayout ?? ((record.pathStride ?? 1) > 1 ? 'approximate' : 'full');
}
