/**
 * Cancelling trust/suspects with the real engine process: a `$/cancelRequest` sent while the training steps are
 * being scored ends the request as cancelled (-32800) well before the work would have finished, and the engine
 * answers the same request completely afterwards.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineErrorCodes, type RunInfo, type SuspectsResult } from '../../src/protocol';
import { ROOT, RawEngine, delay, ensureEngineBuilt } from './engineHarness';

/** digits: 1437 training rows / 32 = 45 steps an epoch, 1800 steps in all: about a second of scoring. */
const EXPERIMENT = {
  dataset: { train: 'digits.csv', target: 'digit', test: { fraction: 0.2 } },
  model: { hidden: [{ units: 64, activation: 'tanh' }] },
  training: { optimizer: 'adam', learningRate: 0.01, epochs: 40, batchSize: 32, seed: 1 },
};

let root = '';
let engine: RawEngine;
let runDir = '';

before(async () => {
  ensureEngineBuilt();
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'kl-suspects-cancel-')));
  fs.copyFileSync(path.join(ROOT, 'samples', 'digits.csv'), path.join(root, 'digits.csv'));
  fs.writeFileSync(path.join(root, 'digits.kernel.json'), JSON.stringify(EXPERIMENT));
  engine = new RawEngine(['--backend', 'wasm']);
  await engine.ok('engine/initialize', { workspaceFolders: [root] });
  const run = await engine.ok<RunInfo>('run/train', { experimentFile: path.join(root, 'digits.kernel.json') });
  assert.equal(run.status, 'complete');
  runDir = run.dir;
});

after(async () => {
  await engine?.shutdown();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

test('a cancelled trust/suspects request ends as cancelled promptly, and the engine still serves it', async () => {
  // Without suggested labels (their explanations would dominate the time): the scoring's own cancellation is tested.
  const params = { runDir, scoring: 'adam', suggest: false };
  // The first request loads the run; the second times the work alone.
  const first = await engine.ok<SuspectsResult>('trust/suspects', params);
  assert.equal(first.rows.length, 1437);
  const full = await timed(() => engine.ok<SuspectsResult>('trust/suspects', params));
  assert.ok(full.ms > 300, `scoring took only ${full.ms.toFixed(0)} ms: too little to cancel in the middle`);

  const cancelAfter = full.ms / 5;
  const cancelled = await timed(async () => {
    const { id, reply } = engine.send('trust/suspects', params);
    await delay(cancelAfter);
    engine.cancel(id);
    return reply;
  });
  assert.ok(cancelled.value.error, `the request finished instead: ${cancelled.value.result === undefined ? 'no result' : 'a full result'}`);
  assert.equal(cancelled.value.error.code, EngineErrorCodes.cancelled, cancelled.value.error.message);
  assert.match(cancelled.value.error.message, /trust\/suspects was cancelled/);
  // The signal is checked every 128 steps (of 1800): the answer comes long before the work would have ended.
  assert.ok(
    cancelled.ms < cancelAfter + full.ms / 2,
    `cancelled after ${cancelAfter.toFixed(0)} ms, answered at ${cancelled.ms.toFixed(0)} ms; the whole work takes ${full.ms.toFixed(0)} ms`,
  );
  assert.match(engine.stderr, /trust\/suspects \d+ ms error -32800/);

  const again = await engine.ok<SuspectsResult>('trust/suspects', params);
  assert.deepEqual(again.rows, first.rows, 'the same ranking after a cancellation');
});
