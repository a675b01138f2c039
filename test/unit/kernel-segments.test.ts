import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Activation } from '../../src/protocol';
import { indexedRun } from '../../src/engine/explain/explainService';
import { kinkSteps } from '../../src/engine/explain/direct/kinkDetection';
import { wasmSegmentIntegrator } from '../../src/engine/explain/fast/segmentIntegrals';
import type { StepRow } from '../../src/engine/explain/shared/stepRefinement';
import { tensorSegmentIntegrator } from '../../src/engine/explain/direct/tensorSegmentIntegrator';
import { resolveOutput } from '../../src/engine/explain/shared/outputSelector';
import { trainSample } from '../helpers/experiments';

/** max |a − b| / max |b| over two dense Φ arrays. */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < a.length; k++) {
    diff = Math.max(diff, Math.abs(a[k] - b[k]));
    scale = Math.max(scale, Math.abs(b[k]));
  }
  return diff / scale;
}

// The fast method's refinement (WebAssembly query side: first-layer ReLU kinks located exactly, later
// ones by bisection) integrates the same Φ as the direct method's TensorFlow.js passes.
for (const hidden of [
  [{ units: 12, activation: 'relu' as Activation }],
  [
    { units: 12, activation: 'relu' as Activation },
    { units: 6, activation: 'relu' as Activation },
  ],
]) {
  test(`kinked and refined steps give the direct method's Φ: ${hidden.map((h) => `${h.units} ${h.activation}`).join(' → ')}`, async () => {
    const info = await trainSample('iris.csv', {
      dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
      model: { hidden },
      training: { optimizer: 'adam', learningRate: 0.05, epochs: 4, batchSize: 16, seed: 3 },
    });
    const { run } = await indexedRun(info.dir);
    const F = run.data.featureCount;
    const C = run.outputCount;
    const rows = [0, 1, 2, 3];
    const x = new Float32Array(rows.length * F);
    rows.forEach((row, q) => x.set(run.data.testX.subarray(row * F, (row + 1) * F), q * F));
    // Explain the first class's logit of each row (any fixed output will do).
    const e = new Float32Array(rows.length * C);
    rows.forEach((_, q) =>
      e.set(
        resolveOutput(run.record.task, run.record.preprocessing.classes, new Float32Array(C), { kind: 'class', class: 'setosa' }).e,
        q * C,
      ),
    );
    const block = { x, e, count: rows.length };
    const flags = kinkSteps(run, block) as Uint8Array;
    const kinked: StepRow[] = [];
    for (let s = 0; s < run.path.steps; s++)
      for (let q = 0; q < rows.length; q++) if (flags[s * rows.length + q] === 1) kinked.push({ step: s, row: q });
    assert.ok(kinked.length >= 5, `the run has kinked steps to compare (${kinked.length})`);
    const fast = wasmSegmentIntegrator(run, block);
    const direct = tensorSegmentIntegrator(run, block);
    const pairs = kinked.slice(0, 12);
    assert.ok(relativeDifference(fast.kinkAware(pairs, 3), direct.kinkAware(pairs, 3)) < 1e-5);
    const plain = [
      { step: 0, row: 0 },
      { step: 7, row: 2 },
    ];
    assert.ok(relativeDifference(fast.composite(plain, 3, 4), direct.composite(plain, 3, 4)) < 1e-5);
  });
}
