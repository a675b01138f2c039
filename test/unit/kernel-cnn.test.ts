import { test } from 'node:test';
import { OPTIMIZER_CASES } from '../helpers/optimizerCases';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { ExperimentConfig, LayerConfig } from '../../src/protocol';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { bruteForceContributions } from '../helpers/bruteForce';
import { buildLayout, type ConvLayerLayout } from '../../src/engine/model/parameterLayout';
import { ConvLayer } from '../../src/engine/model/convLayer';
import { SAMPLES, tempWorkspace, useWasm, writeExperiment } from '../helpers/experiments';

// path-kernel.md §3.1 and §6: a tiny CNN's contributions equal a literal computation with per-example tf.grad through
// TensorFlow.js's own conv2d / maxPool / avgPool (on the cpu backend: wasm has no filter gradient), for each optimizer.
// The brute force integrates each step with 64 pieces of 4 nodes, so the ReLU and arg-max kinks it crosses blindly
// cost it little; the engine finds them and integrates between them.
const architectures: { label: string; layers: LayerConfig[] }[] = [
  {
    label: 'conv same stride 1 → max-pool → conv valid stride 2',
    layers: [
      { type: 'conv2d', filters: 2, kernel: 3, padding: 'same', activation: 'relu' },
      { type: 'maxPool2d', size: 2 },
      { type: 'conv2d', filters: 3, kernel: 3, stride: 2, padding: 'valid', activation: 'tanh' },
    ],
  },
  {
    label: 'conv same stride 2 → avg-pool → flatten → dense',
    layers: [
      { type: 'conv2d', filters: 3, kernel: 3, stride: 2, padding: 'same', activation: 'tanh' },
      { type: 'avgPool2d', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 4, activation: 'tanh' },
    ],
  },
];

// A smaller Adam step: its first steps are as large for every parameter.
const optimizers = OPTIMIZER_CASES.map((c) => (c.optimizer === 'adam' ? { ...c, learningRate: 0.02 } : c));

/** The first 60 digits (8×8), so that a run is a dozen steps. */
function smallDigits(dir: string): void {
  const lines = fs.readFileSync(path.join(SAMPLES, 'digits.csv'), 'utf8').split('\n');
  fs.writeFileSync(path.join(dir, 'digits60.csv'), lines.slice(0, 61).join('\n') + '\n');
}

for (const architecture of architectures) {
  for (const o of optimizers) {
    test(`CNN contributions equal brute force: ${architecture.label}, ${o.label}`, async () => {
      await useWasm();
      const dir = tempWorkspace();
      smallDigits(dir);
      const config: ExperimentConfig = {
        dataset: { train: 'digits60.csv', target: 'digit', test: { fraction: 0.2 }, image: { width: 8, height: 8 } },
        model: { layers: architecture.layers },
        training: { optimizer: o.optimizer, nesterov: o.nesterov, learningRate: o.learningRate, epochs: 3, batchSize: 16, seed: 2 },
      };
      const info = await trainExperiment(writeExperiment(dir, 'cnn', config));
      assert.equal(info.status, 'complete');
      const indexed = await indexedRun(info.dir);
      const run = indexed.run;
      assert.equal(run.path.steps, 9);
      const F = run.data.featureCount;
      const C = run.outputCount;
      const rows = [0, 5];
      const { explanations, raw } = await explainWithIndex(
        indexed,
        rows.map((row) => ({ split: 'test' as const, row })),
        { full: true, output: { kind: 'class', class: '3' } },
      );
      const explained = (run.record.preprocessing.classes ?? []).indexOf('3');
      assert.ok(explained >= 0);
      await tf.setBackend('cpu');
      try {
        rows.forEach((row, q) => {
          const e = new Float32Array(C);
          e[explained] = 1;
          const brute = bruteForceContributions(run, run.data.testX.slice(row * F, (row + 1) * F), e, 4, 64);
          const scale = Math.max(...Array.from(brute.contributions, Math.abs));
          assert.ok(scale > 1e-4, 'the contributions are not trivially zero');
          let worst = 0;
          for (let i = 0; i < brute.contributions.length; i++)
            worst = Math.max(worst, Math.abs(raw[q].contributions[i] - brute.contributions[i]));
          assert.ok(worst <= 1e-3 * scale + 1e-6, `max |engine − brute| = ${worst} (scale ${scale})`);
          assert.ok(Math.abs(raw[q].bias - brute.bias) < 1e-5, `bias ${raw[q].bias} vs ${brute.bias}`);
          assert.ok(Math.abs(raw[q].network - brute.network) < 1e-5, `network ${raw[q].network} vs ${brute.network}`);
          assert.equal(explanations[q].residual.flagged, false, `residual ${explanations[q].residual.rel}`);
        });
      } finally {
        await tf.setBackend('wasm');
      }
    });
  }
}

test('a checkpointed CNN run (replayed whole) explains exactly as the same run stored', async () => {
  await useWasm();
  const dir = tempWorkspace();
  smallDigits(dir);
  const config: ExperimentConfig = {
    dataset: { train: 'digits60.csv', target: 'digit', test: { fraction: 0.2 }, image: { width: 8, height: 8 } },
    model: { layers: architectures[0].layers },
    training: { optimizer: 'adam', learningRate: 0.02, epochs: 3, batchSize: 16, seed: 4 },
  };
  const file = writeExperiment(dir, 'cnn', config);
  const stored = await trainExperiment(file, { out: path.join(dir, 'stored') });
  const checkpointed = await trainExperiment(file, { out: path.join(dir, 'checkpointed'), pathLayout: { checkpointEvery: 4 } });
  assert.equal(JSON.parse(fs.readFileSync(path.join(checkpointed.dir, 'run.json'), 'utf8')).pathLayout, 'checkpoints');
  const queries = [0, 3].map((row) => ({ split: 'test' as const, row }));
  const a = await explainWithIndex(await indexedRun(stored.dir), queries, { full: true });
  const b = await explainWithIndex(await indexedRun(checkpointed.dir), queries, { full: true });
  a.raw.forEach((raw, q) => {
    assert.deepEqual(Array.from(b.raw[q].contributions), Array.from(raw.contributions), 'the same numbers, bit for bit');
    assert.equal(b.explanations[q].network, a.explanations[q].network);
  });
});

test('the conv layer gives the same numbers by our im2col / col2im kernels, by selection products, by gather / scatter-add and by conv2d / conv2dTranspose, on wasm and cpu', async () => {
  await useWasm();
  try {
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      compareConvForms();
    }
  } finally {
    await tf.setBackend('wasm');
  }
});

function compareConvForms(): void {
  const layout = buildLayout(
    5 * 6 * 2,
    { width: 6, height: 5, channels: 2 },
    [{ type: 'conv2d', filters: 3, kernel: 3, stride: 2, padding: 'same', activation: 'relu' }],
    2,
  );
  const conv = layout.layers[0] as ConvLayerLayout;
  const byKernels = new ConvLayer(conv);
  const byProducts = new ConvLayer(conv, 'selection');
  const byGather = new ConvLayer(conv, 'gather');
  let seed = 7;
  const random = (n: number) => Float32Array.from({ length: n }, () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5);
  const G = 3;
  const R = 4;
  const results = [byProducts, byGather, byKernels].map((layer) =>
    tf.tidy(() => {
      const weights = tf.tensor2d(random(G * layout.parameterCount), [G, layout.parameterCount]);
      const a = tf.tensor3d(random(G * R * conv.inputs), [G, R, conv.inputs]);
      const delta = tf.tensor3d(random(G * R * conv.outputs), [G, R, conv.outputs]);
      seed = 7;
      return [layer.forward(a, weights), layer.backward(delta, weights), layer.summedGradient({ a, delta })].map((t) =>
        Array.from(t.dataSync()),
      );
    }),
  );
  for (const other of [results[1], results[2]])
    results[0].forEach((values, k) =>
      values.forEach((v, i) => assert.ok(Math.abs(v - other[k][i]) < 1e-5, `output ${k}[${i}]: ${v} vs ${other[k][i]}`)),
    );
  // The patches themselves are copies: the kernels' forward and summed gradient equal the products' bit for bit.
  assert.deepEqual(results[2][0], results[0][0]);
  assert.deepEqual(results[2][2], results[0][2]);
  // One weight point at a time takes TensorFlow.js's conv2d and conv2dTranspose: the same numbers again.
  seed = 7;
  const weights = random(G * layout.parameterCount);
  const a = random(G * R * conv.inputs);
  const delta = random(G * R * conv.outputs);
  const P = layout.parameterCount;
  for (let g = 0; g < G; g++) {
    const [forward, backward] = tf.tidy(() => {
      const w = tf.tensor2d(weights.subarray(g * P, (g + 1) * P), [1, P]);
      return [
        byGather.forward(tf.tensor3d(a.subarray(g * R * conv.inputs, (g + 1) * R * conv.inputs), [1, R, conv.inputs]), w),
        byGather.backward(tf.tensor3d(delta.subarray(g * R * conv.outputs, (g + 1) * R * conv.outputs), [1, R, conv.outputs]), w),
      ].map((t) => Array.from(t.dataSync()));
    });
    forward.forEach((v, i) => assert.ok(Math.abs(v - results[1][0][g * R * conv.outputs + i]) < 1e-5, `conv2d ${g}[${i}]`));
    backward.forEach((v, i) => assert.ok(Math.abs(v - results[1][1][g * R * conv.inputs + i]) < 1e-5, `conv2dTranspose ${g}[${i}]`));
  }
}
