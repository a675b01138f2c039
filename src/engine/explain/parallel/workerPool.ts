import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Explanation, ExplainQuery } from '../../../protocol';
import type { RawExplanation } from '../shared/blockTypes';
import type { ExplainOptions } from '../explainService';
import { currentBackend } from '../../backend';
import { UserError, throwIfCancelled } from '../../errors';
import type { WorkerAck, WorkerReply, WorkerRequest, WorkerSegment, WorkerSetup } from './workerMessages';
import { ReceivedSegments, type PackedSegment, type ReplayPlan, type ReplaySharing } from '../replay/sharedReplay';
import type { LoadedRun } from '../shared/loadedRun';
import { takeReplayTurn } from '../replay/pathSegments';

/** The worker script: beside the bundle in dist/, or the TypeScript source under tsx (tests, scripts). */
function startWorker(setup: WorkerSetup): Worker {
  const bundled = path.join(__dirname, 'explainWorker.js');
  if (fs.existsSync(bundled)) return new Worker(bundled, { workerData: setup });
  const source = path.join(__dirname, 'explainWorker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, workerData: setup });
}

interface Pending {
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
  onSegment?: (segment: PackedSegment) => void;
}

/** A request in flight: its reply, and (sharing a replay) how to tell the worker which segments are done with. */
interface WorkerJob {
  reply: Promise<WorkerReply>;
  acknowledge: (consumed: number, buffers: ArrayBuffer[]) => void;
}

/** The options a worker can be sent (no signal, no callbacks). */
type SentOptions = WorkerRequest['options'];

class PooledWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  dead = false;

  constructor(setup: WorkerSetup) {
    this.worker = startWorker(setup);
    this.worker.on('message', (message: WorkerReply | WorkerSegment) => {
      if ('segment' in message) {
        this.pending.get(message.id)?.onSegment?.(message.segment);
        return;
      }
      const reply = message;
      const entry = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      entry?.resolve(reply);
    });
    const fail = (error: Error) => {
      this.dead = true;
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', () => fail(new Error('kernel worker stopped')));
    // Only a worker with work in flight keeps the process alive: an idle pool must not hold a CLI run open.
    this.worker.unref();
  }

  run(
    runDir: string,
    queries: ExplainQuery[],
    options: SentOptions,
    share?: { plan: ReplayPlan; onSegment: (segment: PackedSegment) => void },
  ): WorkerJob {
    const id = this.nextId++;
    const request: WorkerRequest = { id, runDir, queries, options, shareReplay: share?.plan };
    const reply = new Promise<WorkerReply>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject, onSegment: share?.onSegment });
      this.worker.postMessage(request);
    });
    const acknowledge = (consumed: number, buffers: ArrayBuffer[]): void => {
      const ack: WorkerAck = { ackId: id, consumed, buffers };
      if (!this.dead) this.worker.postMessage(ack, buffers);
    };
    return { reply, acknowledge };
  }

  terminate(): void {
    this.dead = true;
    void this.worker.terminate();
  }
}

let pool: PooledWorker[] = [];

/** Threads worth using for a batch (this one included): the machine's cores, at most 4 (each holds its own copy of the run). */
export function workerCount(): number {
  const fromEnv = Number(process.env.KERNEL_LENS_WORKERS);
  if (Number.isInteger(fromEnv) && fromEnv >= 0) return fromEnv;
  return Math.min(4, os.availableParallelism());
}

function workers(count: number): PooledWorker[] {
  pool = pool.filter((w) => !w.dead);
  while (pool.length < count) pool.push(new PooledWorker({ backend: currentBackend().backend }));
  return pool.slice(0, count);
}

type Explained = { explanations: Explanation[]; raw: RawExplanation[] };

/**
 * Rows per part of a batch split across threads, at most: small enough that no thread waits long for another at the
 * end (a worker starts later: it loads the run first), large enough that a part's fixed costs stay small. A smaller
 * batch is cut into two parts per thread.
 */
const PART_ROWS = 24;

/**
 * How a batch is cut into parts: whole blocks of `block` rows (the fast method's), or with `oneEach` one contiguous
 * part per thread (a checkpointed run replays its whole path for every part).
 */
export interface BatchSplit {
  block: number;
  oneEach: boolean;
}

function partRows(rows: number, threads: number, split: BatchSplit): number {
  if (split.oneEach) return Math.max(1, Math.ceil(rows / threads));
  const rowsPerPart = Math.min(PART_ROWS, Math.ceil(rows / (2 * threads)));
  return Math.max(1, Math.ceil(rowsPerPart / split.block)) * split.block;
}

/**
 * Explains rows across `threads` threads — this one (`explainHere`, which already holds the run and its
 * index) and threads − 1 workers — in parts (`split`) that each thread takes in turn as it finishes one, and
 * returns them in order. Sharing the work with this thread saves one copy of the run and index against a worker per
 * core. An abort terminates the workers (they are restarted on the next call): work in flight cannot be interrupted
 * from outside a thread, and a cancelled batch must not keep a core busy; this thread's part stops at its next chunk.
 */
export async function explainAcrossThreads(
  runDir: string,
  queries: ExplainQuery[],
  options: ExplainOptions,
  threads: number,
  explainHere: (part: ExplainQuery[]) => Promise<Explained>,
  split: BatchSplit,
): Promise<Explained> {
  const { signal } = options;
  const rest = sendable(options);
  const helpers = workers(threads - 1);
  const size = partRows(queries.length, threads, split);
  const parts = Array.from({ length: Math.ceil(queries.length / size) }, (_, k) => queries.slice(k * size, (k + 1) * size));
  const results: Explained[] = [];
  let taken = 0;
  let failed = false;
  // Each thread takes the next part when it has finished its last, until none is left or one of them failed.
  const drain = async (explain: (part: ExplainQuery[]) => Promise<Explained>): Promise<void> => {
    while (taken < parts.length && !failed && !signal?.aborted) {
      const k = taken++;
      try {
        results[k] = await explain(parts[k]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const onAbort = () => helpers.forEach((w) => w.terminate());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // The workers take their first parts before this thread starts on its own.
    const inWorkers = helpers.map((helper) => drain(async (part) => replied(await helper.run(runDir, part, rest).reply)));
    await Promise.all([...inWorkers, drain(explainHere)]);
    throwIfCancelled(signal);
    return { explanations: results.flatMap((r) => r.explanations), raw: results.flatMap((r) => r.raw) };
  } catch (error) {
    throwIfCancelled(signal);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/**
 * Explains rows of a checkpointed run on this thread and one worker with one replay (replay/sharedReplay.ts): the
 * worker replays, publishing its segments, and explains the last `workerRows` rows; this thread explains the others
 * from the segments it receives and the share it replays itself (`plan.receiverShare`). Results come back in the
 * rows' order. A failure on either side stops both; the run's turn is given up only when both have ended.
 */
export async function explainSharingReplay(
  run: LoadedRun,
  queries: ExplainQuery[],
  options: ExplainOptions,
  plan: ReplayPlan,
  workerRows: number,
  explainHere: (part: ExplainQuery[], sharing: ReplaySharing) => Promise<Explained>,
): Promise<Explained> {
  const { signal } = options;
  const [helper] = workers(1);
  let acknowledge: WorkerJob['acknowledge'] = () => undefined;
  const received = new ReceivedSegments(run, plan.receiverShare, (consumed, buffers) => acknowledge(consumed, buffers));
  const here = queries.slice(0, queries.length - workerRows);
  const there = queries.slice(queries.length - workerRows);
  // This thread's turn on the run is taken before the worker is asked and kept through every pass: a request that
  // took the turn between two passes would wait for segments the worker sends only after this request's.
  const release = await takeReplayTurn(run, signal);
  const onAbort = () => helper.terminate();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const job = helper.run(run.dir, there, sendable(options), { plan, onSegment: (segment) => received.push(segment) });
    acknowledge = job.acknowledge;
    const inWorker = job.reply.then(replied).then(
      (result) => {
        // Every segment it publishes was published before the reply; one still awaited would never come.
        received.fail(new Error('the replaying worker ended before publishing every segment'));
        return result;
      },
      (error: Error) => {
        received.fail(error);
        throw error;
      },
    );
    const sharing: ReplaySharing = {
      ...plan,
      role: 'receive',
      segments: (pass) => received.segments(pass),
      doneWithReceived: () => received.release(),
    };
    const mine = explainHere(here, sharing).catch((error: unknown) => {
      // The worker may be waiting for this thread to take its next segment.
      helper.terminate();
      throw error;
    });
    // Both settle before the turn is given up: this thread's own replay writes the run's replay buffers until it
    // meets the worker's failure (or the cancellation). Its error comes first (the worker's reaches it too).
    const [a, b] = await Promise.allSettled([mine, inWorker]);
    if (a.status === 'rejected') throw a.reason;
    if (b.status === 'rejected') throw b.reason;
    return { explanations: [...a.value.explanations, ...b.value.explanations], raw: [...a.value.raw, ...b.value.raw] };
  } catch (error) {
    throwIfCancelled(signal);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    release();
  }
}

/** A worker's reply as its results, or its error again. */
function replied(reply: WorkerReply): Explained {
  if (!reply.ok) throw reply.userError ? new UserError(reply.message) : new Error(reply.message);
  return reply;
}

/** What of the options crosses to a worker: no signal (an abort terminates it) and no callbacks. */
function sendable(options: ExplainOptions): SentOptions {
  const { signal: _signal, onReplay: _onReplay, replaySharing: _sharing, ...rest } = options;
  return rest;
}

/** Stops every worker (engine shutdown, tests). */
export function stopWorkers(): void {
  for (const w of pool) w.terminate();
  pool = [];
}
