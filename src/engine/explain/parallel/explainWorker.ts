/**
 * Entry of an explanation worker thread (`dist/explainWorker.js`): its own TensorFlow.js backend and run cache,
 * explaining the rows it is sent with the single-threaded path. The engine splits a large batch between its
 * own thread and one of these per further core (the wasm backend is single-threaded in Node.js).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../../backend';
import { explainWithIndex, indexedRun } from '../explainService';
import { UserError, messageOf } from '../../errors';
import type { WorkerReply, WorkerRequest, WorkerSetup } from './workerMessages';

const setup = workerData as WorkerSetup;
const ready = initBackend(setup.backend);
// Requests run one after another: each explanation uses the whole core.
let queue: Promise<void> = Promise.resolve();

parentPort?.on('message', (request: WorkerRequest) => {
  queue = queue.then(async () => {
    let reply: WorkerReply;
    try {
      await ready;
      const indexed = await indexedRun(request.runDir);
      const { explanations, raw } = await explainWithIndex(indexed, request.queries, { ...request.options, parallel: false });
      reply = { id: request.id, ok: true, explanations, raw };
    } catch (error) {
      reply = { id: request.id, ok: false, message: messageOf(error), userError: error instanceof UserError };
    }
    parentPort?.postMessage(reply);
  });
});
