import { test } from 'node:test';
import { OPTIMIZER_CASES } from '../helpers/optimizerCases';
import assert from 'node:assert/strict';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { bruteForceContributions } from '../helpers/bruteForce';
import { trainSample } from '../helpers/experiments';

// path-kernel.md §6: on a tiny network (27 parameters, 16 steps) the fast path equals a literal,
// independent computation with per-example tf.grad, for each optimizer separately.
const cases = OPTIMIZER_CASES;

for (const c of cases) {
  test(`fast path equals brute force (${c.label})`, async () => {
    const info = await trainSample('iris.csv', {
      dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
      model: { hidden: [{ units: 3, activation: 'tanh' }] },
      training: { optimizer: c.optimizer, nesterov: c.nesterov, learningRate: c.learningRate, epochs: 2, batchSize: 16, seed: 3 },
    });
    const indexed = await indexedRun(info.dir);
    const run = indexed.run;
    assert.equal(run.layout.parameterCount, 27);
    assert.equal(run.path.steps, 16);
    const F = run.data.featureCount;
    for (const row of [0, 7]) {
      const { explanations, raw } = await explainWithIndex(indexed, [{ split: 'test', row }], {
        output: { kind: 'class', class: 'versicolor' },
        full: true,
      });
      const brute = bruteForceContributions(run, run.data.testX.slice(row * F, (row + 1) * F), Float32Array.of(0, 1, 0));
      const fast = raw[0].contributions;
      const scale = Math.max(...Array.from(brute.contributions, Math.abs));
      assert.ok(scale > 1e-4, 'the contributions are not trivially zero');
      let worst = 0;
      for (let i = 0; i < fast.length; i++) worst = Math.max(worst, Math.abs(fast[i] - brute.contributions[i]));
      assert.ok(worst <= 1e-4 * scale + 1e-7, `max |fast − brute| = ${worst} (scale ${scale})`);
      assert.ok(Math.abs(raw[0].bias - brute.bias) < 1e-5);
      assert.ok(Math.abs(raw[0].network - brute.network) < 1e-5);
      // The brute force obeys the identity too, independently of the engine.
      const bruteSum = brute.contributions.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(brute.network - brute.bias - bruteSum) <= 1e-3 * Math.max(Math.abs(brute.network - brute.bias), 0.01));
      assert.equal(explanations[0].residual.flagged, false);
    }
  });
}
