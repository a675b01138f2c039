import type { OutputDeltas, PathFactors, TrainingPath } from '../../run/trainingPath';
import type { LoadedRun } from '../shared/loadedRun';
import { segmentsOf } from './segments';

/** The replays of an explanation: the contributions' (with the factors), then, when needed, the path kernels'. */
export type ReplayPass = 'contributions' | 'kernel';

/**
 * One replay serving two threads (the wasm backend is single-threaded, a replay costs about one training): the
 * thread that replays publishes each segment as it goes and sweeps its own rows; the other receives the segments
 * and sweeps its rows meanwhile. When the receiving thread's rows leave it time (a few rows), it replays a share of
 * the segments itself (`receiverShare`), which the publishing thread skips. Both record and read the same explained
 * logits' deltas.
 */
export type ReplaySharing = ReplayPlan &
  (
    | { role: 'publish'; publish: (pass: ReplayPass, segment: TrainingPath) => Promise<void> }
    | {
        role: 'receive';
        segments: (pass: ReplayPass) => AsyncIterable<TrainingPath>;
        /** The consumer is done with the segment last received (before it next asks for one: it replays its own meanwhile). */
        doneWithReceived: () => void;
      }
  );

/**
 * What both threads of a shared replay agree on: the logits their rows explain, whether the path kernels are summed
 * in the contributions' pass, and which segments the receiving thread replays itself.
 */
export interface ReplayPlan {
  classes: number[];
  kernelsInPass: boolean;
  /**
   * The share (0 to 1/2) of each pass's segments the receiving thread replays itself, spread evenly over the pass's
   * order (`replayedByReceiver`); only when the publishing thread explains no rows (it never sees those segments).
   */
  receiverShare: number;
}

/** Whether the segment at `position` of a pass's order (0 = the first replayed) is replayed by the receiving thread. */
export function replayedByReceiver(position: number, share: number): boolean {
  return Math.floor((position + 1) * share) > Math.floor(position * share);
}

/** The positions of a pass's `count` segments that the publishing thread replays and sends. */
export function publishedPositions(count: number, share: number): number[] {
  return Array.from({ length: count }, (_, k) => k).filter((k) => !replayedByReceiver(k, share));
}

/** A replayed segment as a worker message: its own arrays (copied out of the replay's reused buffers), transferred. */
export interface PackedSegment {
  pass: ReplayPass;
  firstStep: number;
  steps: number;
  weights: Float32Array;
  /** The contributions' pass only (the kernels never read the second moments). */
  adamV: Float32Array | null;
  factors: PathFactors[] | null;
  outputDeltas: OutputDeltas | null;
}

/**
 * Copies a replayed segment into arrays of its own (into `free` buffers handed back by the receiver where one is
 * large enough, so the two threads pass the same few buffers back and forth) and lists their buffers for a transfer.
 */
export function packSegment(
  pass: ReplayPass,
  segment: TrainingPath,
  free: ArrayBuffer[] = [],
): { packed: PackedSegment; transfer: ArrayBuffer[] } {
  const own = (array: Float32Array): Float32Array => {
    // The smallest free buffer that holds the array (a segment's arrays differ in size by a hundredfold).
    let k = -1;
    free.forEach((buffer, j) => {
      if (buffer.byteLength >= array.byteLength && (k < 0 || buffer.byteLength < free[k].byteLength)) k = j;
    });
    const buffer = k >= 0 ? free.splice(k, 1)[0] : new ArrayBuffer(array.byteLength);
    const copy = new Float32Array(buffer, 0, array.length);
    copy.set(array);
    return copy;
  };
  const packed: PackedSegment = {
    pass,
    firstStep: segment.firstStep,
    steps: segment.steps,
    weights: own(segment.weights),
    adamV: pass === 'contributions' && segment.adamV ? own(segment.adamV) : null,
    factors: segment.factors?.map((layer) => ({ a: own(layer.a), delta: own(layer.delta) })) ?? null,
    outputDeltas: segment.outputDeltas
      ? { classes: segment.outputDeltas.classes, delta: segment.outputDeltas.delta.map((layers) => layers.map(own)) }
      : null,
  };
  return { packed, transfer: segmentBuffers(packed) };
}

/** The buffers a packed segment's arrays live in (each its own). */
export function segmentBuffers(packed: PackedSegment): ArrayBuffer[] {
  const arrays = [
    packed.weights,
    ...(packed.adamV ? [packed.adamV] : []),
    ...(packed.factors ?? []).flatMap((layer) => [layer.a, layer.delta]),
    ...(packed.outputDeltas?.delta ?? []).flat(),
  ];
  return arrays.map((array) => array.buffer as ArrayBuffer);
}

/** The segment's path again, its batches and learning rates read from the receiving thread's own copy of the run. */
export function unpackSegment(run: LoadedRun, packed: PackedSegment): TrainingPath {
  const W = run.path.batchWidth;
  const start = packed.firstStep;
  const end = start + packed.steps;
  return {
    weights: packed.weights,
    batches: run.path.batches.subarray(start * W, end * W),
    batchWidth: W,
    learningRates: run.path.learningRates.subarray(start, end),
    adamV: packed.adamV,
    steps: packed.steps,
    checkpoints: null,
    replay: null,
    factors: packed.factors,
    outputDeltas: packed.outputDeltas ?? undefined,
    firstStep: start,
  };
}

/**
 * The receiving side: segments arrive in the order they are replayed (newest first for the contributions, oldest
 * first for the kernels) and are handed out pass by pass. Each segment taken and done with is acknowledged, so the
 * replaying thread stays at most a few segments ahead, and its buffers go back to be filled again: the memory holds
 * a few segments, not the path, and no garbage.
 */
export class ReceivedSegments {
  private readonly arrived: PackedSegment[] = [];
  private waiting: (() => void) | null = null;
  private failure: Error | null = null;
  private consumed = 0;
  /** The segment handed out last and not yet acknowledged. */
  private taken: PackedSegment | null = null;

  constructor(
    private readonly run: LoadedRun,
    /** The plan's `receiverShare`: the segments this thread replays itself never arrive. */
    private readonly receiverShare: number,
    /** Called with the count of segments done with and the buffers of the last one, which go back to the replaying thread. */
    private readonly acknowledge: (consumed: number, buffers: ArrayBuffer[]) => void,
  ) {}

  push(segment: PackedSegment): void {
    this.arrived.push(segment);
    this.wake();
  }

  /** The replaying thread failed: whoever waits for a segment gets its error. */
  fail(error: Error): void {
    this.failure ??= error;
    this.wake();
  }

  async *segments(pass: ReplayPass): AsyncGenerator<TrainingPath> {
    const count = publishedPositions(segmentsOf(this.run).length, this.receiverShare).length;
    for (let k = 0; k < count; k++) {
      while (this.arrived.length === 0) {
        if (this.failure) throw this.failure;
        await new Promise<void>((resolve) => (this.waiting = resolve));
      }
      const packed = this.arrived.shift() as PackedSegment;
      if (packed.pass !== pass) throw new Error(`a replayed segment of the ${packed.pass} pass arrived during the ${pass} pass`);
      this.taken = packed;
      yield unpackSegment(this.run, packed);
      // The consumer asked for the next segment (if it did not say so earlier): it is done with this one.
      this.release();
    }
  }

  /** The consumer is done with the segment taken last: acknowledged, its buffers go back to be filled again. */
  release(): void {
    const taken = this.taken;
    if (!taken) return;
    this.taken = null;
    this.acknowledge(++this.consumed, segmentBuffers(taken));
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.();
  }
}

/** Segments the replaying thread may publish before the receiving one has finished with the earlier ones. */
export const SEGMENTS_AHEAD = 1;
