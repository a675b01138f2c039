import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Explanation, ExplainQuery } from '../../../protocol';
import type { RawExplanation } from '../shared/blockTypes';
import type { ExplainOptions } from '../explainService';
import { currentBackend } from '../../backend';
import { UserError, throwIfCancelled } from '../../errors';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './workerMessages';

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
}

class PooledWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  dead = false;

  constructor(setup: WorkerSetup) {
    this.worker = startWorker(setup);
    this.worker.on('message', (reply: WorkerReply) => {
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

  run(runDir: string, queries: ExplainQuery[], options: Omit<ExplainOptions, 'signal'>): Promise<WorkerReply> {
    const id = this.nextId++;
    const request: WorkerRequest = { id, runDir, queries, options };
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(request);
    });
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
 * Explains rows across `threads` threads — this one (`explainHere`, which already holds the run and its
 * index) and threads − 1 workers — in contiguous shares, and returns them in order. Sharing the work with
 * this thread saves one copy of the run and index against a worker per core. An abort terminates the
 * workers (they are restarted on the next call): work in flight cannot be interrupted from outside a
 * thread, and a cancelled batch must not keep a core busy; this thread's share stops at its next chunk.
 */
export async function explainAcrossThreads(
  runDir: string,
  queries: ExplainQuery[],
  options: ExplainOptions,
  threads: number,
  explainHere: (part: ExplainQuery[]) => Promise<Explained>,
): Promise<Explained> {
  const { signal, ...rest } = options;
  const helpers = workers(threads - 1);
  const share = Math.ceil(queries.length / threads);
  const parts = Array.from({ length: threads }, (_, k) => queries.slice(k * share, (k + 1) * share));
  const onAbort = () => helpers.forEach((w) => w.terminate());
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // The workers start first, so they compute while this thread works through its own share.
    const inWorkers = parts.slice(1).map(async (part, k): Promise<Explained> => {
      if (part.length === 0) return { explanations: [], raw: [] };
      const reply = await helpers[k].run(runDir, part, rest);
      if (!reply.ok) throw reply.userError ? new UserError(reply.message) : new Error(reply.message);
      return reply;
    });
    const replies = await Promise.all([explainHere(parts[0]), ...inWorkers]);
    return { explanations: replies.flatMap((r) => r.explanations), raw: replies.flatMap((r) => r.raw) };
  } catch (error) {
    throwIfCancelled(signal);
    throw error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Stops every worker (engine shutdown, tests). */
export function stopWorkers(): void {
  for (const w of pool) w.terminate();
  pool = [];
}
