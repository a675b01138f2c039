/**
 * Entry of an explanation worker thread (`dist/explainWorker.js`): its own TensorFlow.js backend and run cache,
 * explaining the rows it is sent with the single-threaded path. The engine splits a large batch between its
 * own thread and one of these per further core (the wasm backend is single-threaded in Node.js); for a
 * checkpointed run, this thread replays for both and publishes its segments (replay/sharedReplay.ts; the engine's
 * thread may replay a share itself).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../../backend';
import { explainWithIndex, indexedRun } from '../explainService';
import { UserError, messageOf } from '../../errors';
import { packSegment, SEGMENTS_AHEAD, type ReplayPlan, type ReplaySharing } from '../replay/sharedReplay';
import type { WorkerAck, WorkerReply, WorkerRequest, WorkerSegment, WorkerSetup } from './workerMessages';

const setup = workerData as WorkerSetup;
const ready = initBackend(setup.backend);
// Requests run one after another: each explanation uses the whole core.
let queue: Promise<void> = Promise.resolve();
/** Per request that publishes its replay: how many segments the engine's thread has finished with, and who waits for that. */
const acknowledged = new Map<number, { consumed: number; free: ArrayBuffer[]; wake: (() => void) | null }>();

function publisher(id: number, plan: ReplayPlan): ReplaySharing {
  const state = { consumed: 0, free: [] as ArrayBuffer[], wake: null as (() => void) | null };
  acknowledged.set(id, state);
  let published = 0;
  return {
    ...plan,
    role: 'publish',
    publish: async (pass, segment) => {
      while (published - state.consumed >= SEGMENTS_AHEAD) await new Promise<void>((resolve) => (state.wake = resolve));
      const { packed, transfer } = packSegment(pass, segment, state.free);
      const message: WorkerSegment = { id, segment: packed };
      parentPort?.postMessage(message, transfer);
      published++;
    },
  };
}

parentPort?.on('message', (message: WorkerRequest | WorkerAck) => {
  if ('ackId' in message) {
    const state = acknowledged.get(message.ackId);
    if (!state) return;
    state.consumed = message.consumed;
    state.free.push(...message.buffers);
    const wake = state.wake;
    state.wake = null;
    wake?.();
    return;
  }
  const request = message;
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      await ready;
      const indexed = await indexedRun(request.runDir);
      const replaySharing = request.shareReplay ? publisher(request.id, request.shareReplay) : undefined;
      const { explanations, raw } = await explainWithIndex(indexed, request.queries, {
        ...request.options,
        parallel: false,
        replaySharing,
      });
      reply = { id: request.id, ok: true, explanations, raw };
    } catch (error) {
      reply = { id: request.id, ok: false, message: messageOf(error), userError: error instanceof UserError };
    } finally {
      acknowledged.delete(request.id);
    }
    parentPort?.postMessage(reply);
  });
});
