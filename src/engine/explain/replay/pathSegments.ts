import type { LoadedRun } from '../shared/loadedRun';
import { CancelledError, throwIfCancelled } from '../../errors';
import { adoptSegment } from '../fast/wasm/simdQuerySide';
import { SimdContraction } from '../fast/wasm/simdContraction';
import { replaySegment, segmentRun } from './segmentReplay';
import { segmentsOf, type Segment } from './segments';
import { publishedPositions, replayedByReceiver, type ReplayPass, type ReplaySharing } from './sharedReplay';
import type { TrainingPath } from '../../run/trainingPath';

/**
 * The run's steps as paths in memory, for computations that visit every step: a stored run once, as itself; a
 * checkpointed one segment by segment, each replayed from its checkpoint (steps local to the segment, absolute
 * at `path.firstStep + s`), oldest first unless `newestFirst`, with the per-example factors if asked (`path.factors`).
 * One segment is held at a time (a receiving thread that replays a share itself: one of its own being replayed
 * besides one received). With `sharing`, the segments of this `pass` are published to, or received from, another
 * thread (sharedReplay.ts).
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
        ? receivedAndOwn(run, segments, options, sharing)
        : (async function* () {
            const share = sharing?.role === 'publish' ? sharing.receiverShare : 0;
            for (const k of publishedPositions(segments.length, share)) {
              throwIfCancelled(options.signal);
              const path = await replaySegment(run, segments[k], options);
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

/**
 * The receiving side's segments in the pass's order: the other thread's as they arrive, and the share this thread
 * replays itself (`receiverShare`), each started as soon as the previous one of its own has been used (they share
 * the run's replay buffers), so it runs while this thread waits for, or sweeps, the other's segments.
 */
async function* receivedAndOwn(
  run: LoadedRun,
  segments: Segment[],
  options: { signal?: AbortSignal; factors?: boolean; outputClasses?: readonly number[]; pass?: ReplayPass },
  sharing: Extract<ReplaySharing, { role: 'receive' }>,
): AsyncGenerator<TrainingPath> {
  const pass = options.pass ?? 'contributions';
  const own = segments.filter((_, k) => replayedByReceiver(k, sharing.receiverShare));
  const received = sharing.segments(pass)[Symbol.asyncIterator]();
  let next = 0;
  const start = (): Promise<TrainingPath> | null => {
    if (next >= own.length) return null;
    throwIfCancelled(options.signal);
    const replay = replaySegment(run, own[next++], options);
    // Awaited when its turn comes; until then a failure must not count as unhandled.
    replay.catch(() => undefined);
    return replay;
  };
  let ahead = start();
  try {
    for (let k = 0; k < segments.length; k++) {
      if (replayedByReceiver(k, sharing.receiverShare)) {
        const path = await (ahead as Promise<TrainingPath>);
        ahead = null;
        yield path;
        ahead = start();
      } else {
        const arrived = await received.next();
        if (arrived.done) throw new Error('the replaying thread published fewer segments than planned');
        yield arrived.value;
        // Done with it: acknowledged now, so the other thread may send its next while this one replays its own.
        sharing.doneWithReceived();
      }
    }
    // Both threads derive the positions from the plan alike; the received side's end is reached here.
    if (!(await received.next()).done) throw new Error('the replaying thread published more segments than planned');
  } finally {
    // A replay still running writes the run's replay buffers: it ends (or fails) before the turn is given up.
    await ahead?.catch(() => undefined);
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
