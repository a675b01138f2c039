import type { LoadedRun } from '../shared/loadedRun';
import { CancelledError, throwIfCancelled } from '../../errors';
import { adoptSegment } from '../fast/wasm/simdQuerySide';
import { SimdContraction } from '../fast/wasm/simdContraction';
import { replaySegment, segmentRun } from './segmentReplay';
import { segmentsOf } from './segments';
import type { ReplayPass, ReplaySharing } from './sharedReplay';

/**
 * The run's steps as paths in memory, for computations that visit every step: a stored run once, as itself; a
 * checkpointed one segment by segment, each replayed from its checkpoint (steps local to the segment, absolute
 * at `path.firstStep + s`), oldest first unless `newestFirst`, with the per-example factors if asked (`path.factors`).
 * Only one segment is held at a time. With `sharing`, the segments of this `pass` are published to, or received
 * from, another thread (sharedReplay.ts).
 */
export async function* pathSegments(
  run: LoadedRun,
  options: {
    signal?: AbortSignal;
    newestFirst?: boolean;
    factors?: boolean;
    outputClasses?: readonly number[];
    sharing?: ReplaySharing;
    pass?: ReplayPass;
  } = {},
): AsyncGenerator<LoadedRun> {
  if (!run.path.replay) {
    yield run;
    return;
  }
  const { sharing, pass = 'contributions' } = options;
  // One replay of a run at a time: its segments are replayed into buffers and a query-side kernel shared per run
  // (segmentReplay.ts, adoptSegment), and requests run concurrently (a hover beside the cache's background fill).
  // A receiving request took its turn before asking the worker (explainSharingReplay), for all its passes.
  const release = sharing?.role === 'receive' ? () => undefined : await takeReplayTurn(run, options.signal);
  try {
    const segments = segmentsOf(run);
    if (options.newestFirst) segments.reverse();
    const longest = longestSegment(run);
    const replayed =
      sharing?.role === 'receive'
        ? sharing.segments(pass)
        : (async function* () {
            for (const segment of segments) {
              throwIfCancelled(options.signal);
              const path = await replaySegment(run, segment, options);
              if (sharing?.role === 'publish') await sharing.publish(pass, path);
              yield path;
            }
          })();
    for await (const path of replayed) {
      throwIfCancelled(options.signal);
      const view = segmentRun(run, path);
      adoptSegment(run, view, longest);
      yield view;
    }
  } finally {
    release();
  }
}

const replaying = new WeakMap<LoadedRun, Promise<void>>();

/** Waits for the run's current replay to end and takes its turn (or gives it up when cancelled); call the result when done. */
export async function takeReplayTurn(run: LoadedRun, signal?: AbortSignal): Promise<() => void> {
  const previous = replaying.get(run) ?? Promise.resolve();
  let release = (): void => undefined;
  const mine = new Promise<void>((resolve) => (release = resolve));
  const turn = previous.then(() => mine);
  replaying.set(run, turn);
  const done = (): void => {
    release();
    if (replaying.get(run) === turn) replaying.delete(run);
  };
  let onAbort = (): void => undefined;
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  await Promise.race([previous, aborted]);
  signal?.removeEventListener('abort', onAbort);
  if (signal?.aborted) {
    done();
    throw new CancelledError();
  }
  return done;
}

/** The longest segment's step count (a stored run: all its steps), to size per-segment storage once. */
export function longestSegment(run: LoadedRun): number {
  return Math.max(...segmentsOf(run).map((s) => s.end - s.start));
}

/** Index storage for any one segment of a checkpointed run (sized for the longest), rebuilt in it segment by segment. */
export function segmentContraction(run: LoadedRun): SimdContraction {
  return new SimdContraction({ layout: run.layout, path: { ...run.path, steps: longestSegment(run) } }, run.optimizer.name === 'adam');
}
