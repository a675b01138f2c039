/**
 * Checkpoints and deterministic replay (path-kernel.md §3.2): a run that stores the optimizer's state every K
 * steps explains exactly as the same training with its whole path stored, its replay reproduces the path bit
 * for bit, and a damaged or drifted replay is a clear error naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import * as path from 'node:path';
import type { ExperimentConfig, ExplainQuery } from '../../src/protocol';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { explainWithIndex, indexedRun, forgetRun } from '../../src/engine/explain/explainService';
import { exportPath } from '../../src/engine/pipeline/exportPath';
import { selfInfluenceScores } from '../../src/engine/trust/selfInfluence';
import { kernelEvolutionOf } from '../../src/engine/trust/tangentKernelEvolution';
import { loadRun } from '../../src/engine/explain/shared/loadedRun';
import { digestRunFiles, recordSha256 } from '../../src/engine/run/runDigests';
import { CHECKPOINT_FILES } from '../../src/engine/run/runFiles';
import { weightsFingerprint } from '../../src/engine/run/weightsFingerprint';
import { decodeNpy } from '../../src/engine/run/npy';
import { CancelledError } from '../../src/engine/errors';
import { publishedPositions, replayedByReceiver } from '../../src/engine/explain/replay/sharedReplay';
import { tempWorkspace, useWasm, writeExperiment } from '../helpers/experiments';
import { userError } from '../helpers/userError';

const DATASETS = [
  { file: 'iris.csv', target: 'species' },
  { file: 'penguins.csv', target: 'species' },
  { file: 'breast-cancer.csv', target: 'diagnosis' },
] as const;

const OPTIMIZERS = [
  { optimizer: 'sgd', learningRate: 0.05 },
  { optimizer: 'momentum', learningRate: 0.02, momentum: 0.9 },
  { optimizer: 'momentum', learningRate: 0.02, momentum: 0.9, nesterov: true },
  { optimizer: 'adam', learningRate: 0.01 },
] as const;

function experiment(
  dataset: (typeof DATASETS)[number],
  training: (typeof OPTIMIZERS)[number],
  activation: 'tanh' | 'relu' | 'gelu',
): ExperimentConfig {
  return {
    dataset: { train: dataset.file, target: dataset.target, test: { fraction: 0.2 } },
    model: { hidden: [{ units: 6, activation }] },
    training: { ...training, epochs: 3, batchSize: 32, seed: 5 },
  } as ExperimentConfig;
}

/** The same training twice: its whole path stored, and checkpoints every 7 steps. */
async function pair(config: ExperimentConfig, name: string): Promise<{ stored: string; replayed: string }> {
  await useWasm();
  const ws = tempWorkspace([config.dataset.train as string]);
  const file = writeExperiment(ws, name, config);
  const stored = await trainExperiment(file);
  const replayed = await trainExperiment(file, { pathLayout: { checkpointEvery: 7 } });
  assert.equal(stored.status, 'complete');
  assert.equal(replayed.status, 'complete');
  return { stored: stored.dir, replayed: replayed.dir };
}

const QUERIES: ExplainQuery[] = [0, 1, 2, 3, 4].map((row) => ({ split: 'test', row }));

for (const dataset of DATASETS) {
  for (const training of OPTIMIZERS) {
    for (const activation of ['tanh', 'relu'] as const) {
      const label = `${dataset.file} ${training.optimizer}${'nesterov' in training ? ' (Nesterov)' : ''} ${activation}`;
      test(`replay equals storage: ${label}`, async () => {
        const runs = await pair(experiment(dataset, training, activation), 'pair');
        const stored = await indexedRun(runs.stored);
        const replayed = await indexedRun(runs.replayed);
        assert.equal(stored.run.path.replay, null);
        assert.ok(replayed.run.path.replay, 'the second run is checkpointed');
        assert.ok(!fs.existsSync(path.join(runs.replayed, 'path', 'weights.npy')), 'a checkpointed run stores no per-step weights');
        assert.ok(!fs.existsSync(path.join(runs.replayed, 'index')), 'nor a path index');
        const a = await explainWithIndex(stored, QUERIES, { top: 5, parallel: false });
        const b = await explainWithIndex(replayed, QUERIES, { top: 5, parallel: false });
        a.raw.forEach((ra, q) => {
          const rb = b.raw[q];
          assert.equal(rb.bias, ra.bias, 'same bias');
          assert.equal(rb.network, ra.network, 'same network output');
          for (let i = 0; i < ra.contributions.length; i++) {
            const scale = Math.max(Math.abs(ra.contributions[i]), 1e-300);
            assert.ok(Math.abs(rb.contributions[i] - ra.contributions[i]) <= 1e-9 * scale, `row ${q}, training row ${i}`);
          }
          assert.deepEqual([...rb.kernel.keys()], [...ra.kernel.keys()], 'same top rows');
          // The path kernel of the rows shown: the replay sums it over all rows from float32 logit deltas, the stored
          // run per row in float64 from the weights; equal to float32 rounding.
          const largest = Math.max(...[...ra.kernel.values()].map(Math.abs));
          for (const [i, k] of ra.kernel) assert.ok(Math.abs((rb.kernel.get(i) as number) - k) <= 1e-5 * largest, `kernel of row ${i}`);
        });
        b.explanations.forEach((e) => assert.ok(e.residual.rel <= 1e-3, `residual ${e.residual.rel}`));
        forgetRun(runs.stored);
        forgetRun(runs.replayed);
      });
    }
  }
}

test('path kernels summed in the replay equal those of the second replay (TensorFlow.js deltas, more than two logits)', async () => {
  // GELU's derivative does not follow from its value: the replay records the logits' deltas with TensorFlow.js, a
  // backward pass each, so three classes take a second replay and one class comes with the contributions.
  const runs = await pair(experiment(DATASETS[0], OPTIMIZERS[3], 'gelu'), 'kernels');
  const replayed = await indexedRun(runs.replayed);
  const rows: ExplainQuery[] = Array.from({ length: 30 }, (_, row) => ({ split: 'test', row }));
  const passes = new Set<string>();
  const batch = await explainWithIndex(replayed, rows, { top: 5, parallel: false, onReplay: (p) => passes.add(p.pass) });
  assert.ok(passes.has('kernel'), 'the 30 rows explain three classes: a second replay computes their kernels');
  const stored = await explainWithIndex(await indexedRun(runs.stored), rows, { top: 5, parallel: false });
  stored.raw.forEach((r, q) => {
    const largest = Math.max(...[...r.kernel.values()].map(Math.abs));
    for (const [i, k] of r.kernel) assert.ok(Math.abs((batch.raw[q].kernel.get(i) as number) - k) <= 1e-5 * largest, `row ${q}: stored`);
  });
  for (const q of [0, 7, 19]) {
    passes.clear();
    const single = await explainWithIndex(replayed, [rows[q]], { top: 5, parallel: false, onReplay: (p) => passes.add(p.pass) });
    assert.deepEqual([...passes], ['contributions'], 'one row explains one logit: its kernels come with the contributions');
    const expected = batch.raw[q].kernel;
    const got = single.raw[0].kernel;
    assert.deepEqual([...got.keys()], [...expected.keys()]);
    const largest = Math.max(...[...expected.values()].map(Math.abs));
    for (const [i, k] of expected) assert.ok(Math.abs((got.get(i) as number) - k) <= 1e-5 * largest, `row ${q}, training row ${i}`);
  }
});

test("a receiving thread's share of the segments is spread over the pass, and the publishing thread sends the others", () => {
  assert.deepEqual(publishedPositions(5, 0.4), [0, 1, 3]);
  assert.deepEqual(publishedPositions(6, 0.5), [0, 2, 4]);
  assert.deepEqual(publishedPositions(4, 0), [0, 1, 2, 3]);
  const own = Array.from({ length: 62 }, (_, k) => k).filter((k) => replayedByReceiver(k, 0.36));
  assert.equal(own.length, Math.floor(62 * 0.36));
  assert.ok(!replayedByReceiver(0, 0.36), 'the first segment comes from the other thread while this one replays its own');
});

test('two threads share one replay: the worker replays and publishes its segments, the numbers are those of one thread', async () => {
  const saved = process.env.KERNEL_LENS_WORKERS;
  process.env.KERNEL_LENS_WORKERS = '2';
  try {
    // ReLU: the logits' deltas are recorded by the replay and published with it; GELU: three logits take a second,
    // shared replay. One row (the worker only replays; this thread replays none of the segments, or two in five
    // itself), and 30 rows of three classes (the worker explains 12 too, or none while this thread replays half the
    // segments of both passes).
    for (const [activation, rows, workerRows, share] of [
      ['relu', 1, 0, 0],
      ['relu', 1, 0, 0.4],
      ['gelu', 30, 0, 0.5],
      ['relu', 30, 12, 0],
      ['gelu', 30, 12, 0],
    ] as const) {
      const runs = await pair(experiment(DATASETS[0], OPTIMIZERS[3], activation), `shared-${activation}-${rows}-${share}`);
      const replayed = await indexedRun(runs.replayed);
      const queries: ExplainQuery[] = Array.from({ length: rows }, (_, row) => ({ split: 'test', row }));
      const alone = await explainWithIndex(replayed, queries, { top: 5, parallel: false });
      const passes: string[] = [];
      const shared = await explainWithIndex(replayed, queries, {
        top: 5,
        replayingThreadRows: workerRows,
        receiverShare: share,
        onReplay: (p) => passes.push(p.pass),
      });
      const segments = replayed.run.path.replay?.steps.length ?? 0;
      assert.equal(passes.filter((p) => p === 'contributions').length, segments - 1, 'this thread swept every segment it received');
      assert.equal(passes.includes('kernel'), activation === 'gelu', 'a second replay only for the deltas TensorFlow.js computes');
      assert.equal(shared.raw.length, rows);
      shared.raw.forEach((r, q) => {
        assert.deepEqual(Array.from(r.contributions), Array.from(alone.raw[q].contributions), `row ${q}: contributions`);
        assert.deepEqual([...r.kernel], [...alone.raw[q].kernel], `row ${q}: path kernels`);
        assert.equal(shared.explanations[q].row, alone.explanations[q].row, "in the rows' order");
      });
      if (activation === 'relu' && rows > 1) {
        // Cancelled mid-replay: the worker is stopped, the request reads as cancelled, and the next one gets a new worker.
        assert.ok(segments > 2, `${segments - 1} segments: the cancellation comes before the last`);
        const controller = new AbortController();
        const cancelled = explainWithIndex(replayed, QUERIES, {
          replayingThreadRows: 2,
          signal: controller.signal,
          onReplay: (progress) => progress.segment === 1 && controller.abort(),
        });
        await assert.rejects(cancelled, (error: unknown) => error instanceof CancelledError);
        // The same while this thread replays half the segments itself (its own replay stops too).
        const split = new AbortController();
        const splitCancelled = explainWithIndex(replayed, QUERIES.slice(0, 1), {
          replayingThreadRows: 0,
          receiverShare: 0.5,
          signal: split.signal,
          onReplay: (progress) => progress.segment === 1 && split.abort(),
        });
        await assert.rejects(splitCancelled, (error: unknown) => error instanceof CancelledError);
        const again = await explainWithIndex(replayed, QUERIES.slice(0, 2), { top: 5, replayingThreadRows: 1 });
        assert.deepEqual(
          again.raw.map((r) => Array.from(r.contributions)),
          alone.raw.slice(0, 2).map((r) => Array.from(r.contributions)),
        );
      }
      forgetRun(runs.replayed);
      forgetRun(runs.stored);
    }
  } finally {
    if (saved === undefined) delete process.env.KERNEL_LENS_WORKERS;
    else process.env.KERNEL_LENS_WORKERS = saved;
  }
});

test('shared replays of one run at the same time take turns without waiting on each other', { timeout: 180_000 }, async () => {
  // GELU: the 30 rows take two passes. Between them another request must not take the run's turn and wait for
  // segments the worker sends only after this request's second pass.
  const runs = await pair(experiment(DATASETS[0], OPTIMIZERS[3], 'gelu'), 'shared-turns');
  const replayed = await indexedRun(runs.replayed);
  const many: ExplainQuery[] = Array.from({ length: 30 }, (_, row) => ({ split: 'test', row }));
  const saved = process.env.KERNEL_LENS_WORKERS;
  process.env.KERNEL_LENS_WORKERS = '2';
  try {
    const aloneMany = await explainWithIndex(replayed, many, { top: 5, parallel: false });
    const aloneOne = await explainWithIndex(replayed, many.slice(3, 4), { top: 5, parallel: false });
    const [a, b, c] = await Promise.all([
      explainWithIndex(replayed, many, { top: 5, replayingThreadRows: 10 }),
      explainWithIndex(replayed, many.slice(3, 4), { top: 5, replayingThreadRows: 0 }),
      explainWithIndex(replayed, many.slice(3, 4), { top: 5, parallel: false }),
    ]);
    assert.deepEqual(
      a.raw.map((r) => Array.from(r.contributions)),
      aloneMany.raw.map((r) => Array.from(r.contributions)),
    );
    for (const single of [b, c]) assert.deepEqual(Array.from(single.raw[0].contributions), Array.from(aloneOne.raw[0].contributions));
  } finally {
    if (saved === undefined) delete process.env.KERNEL_LENS_WORKERS;
    else process.env.KERNEL_LENS_WORKERS = saved;
    forgetRun(runs.replayed);
    forgetRun(runs.stored);
  }
});

test('requests replaying one run at the same time wait their turn and get the numbers of one at a time', async () => {
  const runs = await pair(experiment(DATASETS[1], OPTIMIZERS[3], 'relu'), 'concurrent');
  const replayed = await indexedRun(runs.replayed);
  const alone = await explainWithIndex(replayed, QUERIES.slice(0, 2), { top: 5, parallel: false });
  const [a, b, scores] = await Promise.all([
    explainWithIndex(replayed, QUERIES.slice(0, 2), { top: 5, parallel: false }),
    explainWithIndex(replayed, QUERIES.slice(0, 2), { top: 5, parallel: false }),
    selfInfluenceScores(replayed, 'adam'),
  ]);
  for (const result of [a, b]) {
    assert.deepEqual(
      result.raw.map((r) => Array.from(r.contributions)),
      alone.raw.map((r) => Array.from(r.contributions)),
    );
  }
  assert.deepEqual(scores, await selfInfluenceScores(await indexedRun(runs.stored), 'adam'));
});

test('a replayed explanation leaves no tensors behind', async () => {
  const runs = await pair(experiment(DATASETS[0], OPTIMIZERS[1], 'relu'), 'tensors');
  const replayed = await indexedRun(runs.replayed);
  await explainWithIndex(replayed, QUERIES.slice(0, 1), { top: 5, parallel: false });
  const before = tf.memory();
  await explainWithIndex(replayed, QUERIES.slice(0, 3), { top: 5, parallel: false });
  await selfInfluenceScores(replayed, 'tracin');
  const after = tf.memory();
  assert.equal(after.numTensors, before.numTensors, 'tensors');
  assert.equal(after.numBytes, before.numBytes, 'bytes');
});

test('suspects and kernel evolution agree on a replayed run', async () => {
  const runs = await pair(experiment(DATASETS[0], OPTIMIZERS[3], 'relu'), 'trust');
  const stored = await indexedRun(runs.stored);
  const replayed = await indexedRun(runs.replayed);
  for (const scoring of ['tracin', 'adam', 'path-loss'] as const) {
    assert.deepEqual(await selfInfluenceScores(replayed, scoring), await selfInfluenceScores(stored, scoring), scoring);
  }
  const options = { sample: 12, checkpoints: 4, shareRows: 3 };
  const a = await kernelEvolutionOf(stored, options);
  const b = await kernelEvolutionOf(replayed, options);
  assert.ok(Math.abs(a.alignment.path - b.alignment.path) <= 1e-9, 'same path-kernel alignment');
  assert.deepEqual(
    b.sameClass.map((r) => r.shareAbs),
    a.sameClass.map((r) => r.shareAbs),
  );
  // The curve of a checkpointed run takes its points among the checkpoints.
  const checkpoints = new Set(replayed.run.path.replay?.steps);
  assert.ok(b.alignmentCurve.every((point) => checkpoints.has(point.step)));
});

test('export-path of a replayed run equals the stored path of the same training, bit for bit', async () => {
  const runs = await pair(experiment(DATASETS[1], OPTIMIZERS[3], 'tanh'), 'export');
  const out = path.join(path.dirname(runs.replayed), 'exported');
  await exportPath(runs.replayed, out, { maxMb: 64 });
  for (const name of ['weights.npy', 'adam_v.npy', 'batches.npy', 'lr.npy']) {
    assert.ok(fs.readFileSync(path.join(out, 'path', name)).equals(fs.readFileSync(path.join(runs.stored, 'path', name))), name);
  }
  for (const name of fs.readdirSync(path.join(runs.stored, 'data'))) {
    assert.ok(fs.readFileSync(path.join(out, 'data', name)).equals(fs.readFileSync(path.join(runs.stored, 'data', name))), name);
  }
  // The export is a complete run of the stored layout: it loads, checks and explains as the original.
  const exported = await indexedRun(out);
  assert.equal(exported.run.path.replay, null);
  const [a, b] = [
    await explainWithIndex(exported, QUERIES.slice(0, 2), { parallel: false }),
    await explainWithIndex(await indexedRun(runs.replayed), QUERIES.slice(0, 2), { parallel: false }),
  ];
  assert.deepEqual(
    a.raw.map((r) => Array.from(r.contributions)),
    b.raw.map((r) => Array.from(r.contributions)),
  );
  const refused = await userError(exportPath(runs.replayed, path.join(path.dirname(out), 'too-big'), { maxMb: 1 / 1024 }));
  assert.match(refused.message, /the full path would take \d+ MiB .* more than --max-mb/);
  assert.ok(!fs.existsSync(path.join(path.dirname(out), 'too-big')), 'a refused export creates nothing');
  const again = await userError(exportPath(runs.replayed, out, { maxMb: 64 }));
  assert.match(again.message, /already exists/);
});

/** Rewrites run.json's digests after an edit, as a careful tamperer would: only the fingerprints can tell. */
function redigest(dir: string, edit: (record: Record<string, unknown>) => void): Promise<void> {
  const file = path.join(dir, 'run.json');
  const record = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(record);
  return digestRunFiles(dir).then((digests) => {
    record.digests = digests;
    record.recordSha256 = recordSha256(record);
    fs.writeFileSync(file, JSON.stringify(record));
  });
}

test('a tampered checkpoint or a replay that drifts is a clear error naming the file', async () => {
  const runs = await pair(experiment(DATASETS[0], OPTIMIZERS[1], 'tanh'), 'tamper');
  const weightsFile = path.join(runs.replayed, 'path', CHECKPOINT_FILES.weights);
  const original = fs.readFileSync(weightsFile);
  const fingerprints = [...JSON.parse(fs.readFileSync(path.join(runs.replayed, 'run.json'), 'utf8')).replay.fingerprints] as string[];
  // One flipped bit in a checkpoint: the digests say which file changed.
  const flipped = Buffer.from(original);
  flipped[flipped.length - 5] ^= 1;
  fs.writeFileSync(weightsFile, flipped);
  const damaged = await userError(loadRun(runs.replayed));
  assert.match(damaged.message, /damaged/);
  assert.ok(damaged.message.includes(CHECKPOINT_FILES.weights), damaged.message);
  // The same change with the digests rewritten: the checkpoint no longer matches its fingerprint in run.json.
  await redigest(runs.replayed, () => undefined);
  const mismatch = await userError(loadRun(runs.replayed));
  assert.match(mismatch.message, /checkpoint \d+ at step \d+ does not match its fingerprint/);
  assert.ok(mismatch.message.includes(CHECKPOINT_FILES.weights), mismatch.message);
  // And with its fingerprint rewritten too (a checkpoint from another backend): the replay that should reach it drifts.
  const P = JSON.parse(fs.readFileSync(path.join(runs.replayed, 'run.json'), 'utf8')).parameters as number;
  const weights = decodeNpy(flipped).data as Float32Array;
  await redigest(runs.replayed, (record) => {
    const replay = record.replay as { fingerprints: string[] };
    const last = replay.fingerprints.length - 1;
    replay.fingerprints[last] = weightsFingerprint(weights.subarray(last * P, (last + 1) * P));
  });
  forgetRun(runs.replayed);
  const drift = await userError(explainWithIndex(await indexedRun(runs.replayed), QUERIES.slice(0, 1), { parallel: false }));
  assert.match(drift.message, /did not reproduce checkpoint \d+ bit for bit/);
  assert.match(drift.message, /trained on the wasm backend with Kernel Lens [\d.]+ and TensorFlow\.js [\d.]+, this engine runs wasm/);
  assert.match(drift.message, /so a checkpoint was changed/);
  assert.ok(drift.message.includes(CHECKPOINT_FILES.weights), drift.message);
  // Replayed by a worker for this thread too: the worker's error is this request's.
  const saved = process.env.KERNEL_LENS_WORKERS;
  process.env.KERNEL_LENS_WORKERS = '2';
  try {
    const shared = await userError(explainWithIndex(await indexedRun(runs.replayed), QUERIES.slice(0, 1), { replayingThreadRows: 0 }));
    assert.match(shared.message, /did not reproduce checkpoint \d+ bit for bit/);
  } finally {
    if (saved === undefined) delete process.env.KERNEL_LENS_WORKERS;
    else process.env.KERNEL_LENS_WORKERS = saved;
  }
  fs.writeFileSync(weightsFile, original);
  await redigest(runs.replayed, (record) => {
    (record.replay as { fingerprints: string[] }).fingerprints = fingerprints;
  });
  forgetRun(runs.replayed);
  const fine = await explainWithIndex(await indexedRun(runs.replayed), QUERIES.slice(0, 1), { parallel: false });
  assert.ok(fine.explanations[0].residual.rel <= 1e-3, 'restored, it explains again');
});

test('a replayed explanation stops at the cancellation, between segments', async () => {
  const runs = await pair(experiment(DATASETS[2], OPTIMIZERS[3], 'relu'), 'cancel');
  const replayed = await indexedRun(runs.replayed);
  const controller = new AbortController();
  let segments = 0;
  let total = 0;
  const explained = explainWithIndex(replayed, QUERIES, {
    parallel: false,
    signal: controller.signal,
    onReplay: (progress) => {
      segments++;
      total = progress.segments;
      if (progress.segment === 2) controller.abort();
    },
  });
  await assert.rejects(explained, (error: unknown) => error instanceof CancelledError);
  assert.ok(total > 3, `${total} segments`);
  assert.equal(segments, 2, 'no segment is replayed after the cancellation');
});

test('the run-folder budget picks the layout: the full path when it fits, checkpoints within the budget otherwise', async () => {
  await useWasm();
  const ws = tempWorkspace(['digits.csv']);
  const file = writeExperiment(ws, 'budget', {
    dataset: { train: 'digits.csv', target: 'digit', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 32, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 4, batchSize: 32, seed: 2 },
  } as ExperimentConfig);
  const folderBytes = (dir: string): number =>
    fs
      .readdirSync(dir, { recursive: true, withFileTypes: true })
      .reduce((sum, e) => (e.isFile() ? sum + Math.ceil(fs.statSync(path.join(e.parentPath, e.name)).size / 4096) * 4096 : sum), 0);
  const roomy = await trainExperiment(file);
  assert.equal(JSON.parse(fs.readFileSync(path.join(roomy.dir, 'run.json'), 'utf8')).pathLayout, 'full', 'the default 256 MiB holds it');
  const fullBytes = folderBytes(roomy.dir);
  const budgetMb = Math.max(1, Math.floor(fullBytes / (1024 * 1024) / 3));
  const tight = await trainExperiment(file, { pathLayout: { budgetMb } });
  const record = JSON.parse(fs.readFileSync(path.join(tight.dir, 'run.json'), 'utf8'));
  assert.equal(record.pathLayout, 'checkpoints');
  assert.ok(folderBytes(tight.dir) <= budgetMb * 1024 * 1024, `${folderBytes(tight.dir)} bytes within ${budgetMb} MiB`);
  assert.equal(tight.approximate, false, 'checkpoints are exact, never approximate');
  await assert.rejects(trainExperiment(file, { pathLayout: { budgetMb: 1 / 4096 } }), /even with the fewest checkpoints/);
});
