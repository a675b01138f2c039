import type { LoadedRun } from '../shared/loadedRun';
import { throwIfCancelled } from '../../errors';
import { adoptSegment } from '../fast/wasm/simdQuerySide';
import { replaySegment, segmentRun } from './segmentReplay';
import { segmentsOf } from './segments';

/**
 * The run's steps as paths in memory, for computations that visit every step: a stored run once, as itself; a
 * checkpointed one segment by segment, each replayed from its checkpoint (steps local to the segment, absolute
 * at `path.firstStep + s`), oldest first unless `newestFirst`, with the per-example factors if asked (`path.factors`).
 * Only one segment is held at a time.
 */
export async function* pathSegments(
  run: LoadedRun,
  options: { signal?: AbortSignal; newestFirst?: boolean; factors?: boolean; outputClasses?: readonly number[] } = {},
): AsyncGenerator<LoadedRun> {
  if (!run.path.replay) {
    yield run;
    return;
  }
  const segments = segmentsOf(run);
  if (options.newestFirst) segments.reverse();
  const longest = Math.max(...segments.map((s) => s.end - s.start));
  for (const segment of segments) {
    throwIfCancelled(options.signal);
    const view = segmentRun(run, await replaySegment(run, segment, options));
    adoptSegment(run, view, longest);
    yield view;
  }
}

/** The longest segment's step count (a stored run: all its steps), to size per-segment storage once. */
export function longestSegment(run: LoadedRun): number {
  return Math.max(...segmentsOf(run).map((s) => s.end - s.start));
}
