import type { LoadedRun } from '../shared/loadedRun';

/** Steps [start, end) between checkpoint `index` and the next one. */
export interface Segment {
  index: number;
  start: number;
  end: number;
}

/** A checkpointed run's segments, oldest first; a stored run is one segment over all its steps. */
export function segmentsOf(run: Pick<LoadedRun, 'path'>): Segment[] {
  const replay = run.path.replay;
  if (!replay) return [{ index: 0, start: 0, end: run.path.steps }];
  return Array.from({ length: replay.steps.length - 1 }, (_, m) => ({ index: m, start: replay.steps[m], end: replay.steps[m + 1] }));
}

/** Whether the run's per-step weights must be replayed from checkpoints (not read from its stored path). */
export function isReplayed(run: Pick<LoadedRun, 'path'>): boolean {
  return run.path.replay !== null;
}
