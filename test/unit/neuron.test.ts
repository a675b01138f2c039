import { test } from 'node:test';
import { OPTIMIZER_CASES } from '../helpers/optimizerCases';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../src/protocol';
import { explainNeuronOfRun } from '../../src/engine/explain/explainService';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { SAMPLES, tempWorkspace, trainSample, useWasm, writeExperiment } from '../helpers/experiments';
import { userError } from '../helpers/userError';
import { weightPicture } from '../../src/engine/cli/weightPicture';

// The neuron view: Δw of one unit is Σ_i v_i exactly (the optimizer's sweep with the unit's weights as the "output").
// A smaller Adam step: its first steps are as large for every parameter.
const optimizers = OPTIMIZER_CASES.map((c) => (c.optimizer === 'adam' ? { ...c, learningRate: 0.02 } : c));

for (const o of optimizers) {
  test(`a conv filter's and a dense unit's weight change are the sum of their examples' vectors (${o.label})`, async () => {
    await useWasm();
    const dir = tempWorkspace();
    fs.cpSync(path.join(SAMPLES, 'digit-images'), path.join(dir, 'digit-images'), { recursive: true });
    const config: ExperimentConfig = {
      dataset: { train: 'digit-images', test: { fraction: 0.2 } },
      model: {
        layers: [
          { type: 'conv2d', filters: 3, kernel: 3, activation: 'relu' },
          { type: 'maxPool2d', size: 2 },
          { type: 'flatten' },
          { type: 'dense', units: 5, activation: 'tanh' },
        ],
      },
      training: { optimizer: o.optimizer, nesterov: o.nesterov, learningRate: o.learningRate, epochs: 2, batchSize: 32 },
    };
    const info = await trainExperiment(writeExperiment(dir, 'cnn', config));
    for (const [layer, unit, fanIn] of [
      [0, 1, 9],
      [3, 4, 48],
    ]) {
      const n = await explainNeuronOfRun(info.dir, { layer, unit, top: 400 });
      assert.equal(n.initial.length, fanIn);
      const change = n.final.map((w, j) => w - n.initial[j]);
      const norm = Math.sqrt(change.reduce((s, x) => s + x * x, 0));
      assert.ok(norm > 1e-3, 'the weights moved');
      assert.ok(n.residual.rel <= 1e-4, `relative residual ${n.residual.rel}`);
      // Every training example is listed (top 400 ≥ 320): the vectors sum to Δw and the shares to 1.
      assert.equal(n.contributions.length, 320);
      const shares = n.contributions.reduce((s, c) => s + c.share, 0);
      assert.ok(Math.abs(shares - 1) < 1e-3, `shares sum to ${shares}`);
      const sum = change.map((_, j) => n.contributions.reduce((s, c) => s + (c.vector as number[])[j], 0));
      sum.forEach((v, j) => assert.ok(Math.abs(v - change[j]) <= 1e-4 * norm, `Σ v_i[${j}] = ${v}, Δw = ${change[j]}`));
      for (let k = 1; k < n.contributions.length; k++)
        assert.ok(Math.abs(n.contributions[k - 1].projection) >= Math.abs(n.contributions[k].projection), 'largest projection first');
      assert.match(n.contributions[0].file, /^digit-images\/\d\/line\d{4}\.png$/);
    }
  });
}

test('the neuron view names a layer without weights and a unit out of range plainly', async () => {
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species' },
    model: { hidden: [{ units: 4, activation: 'tanh' }] },
    training: { epochs: 2, batchSize: 16 },
  });
  assert.match(
    (await userError(explainNeuronOfRun(info.dir, { layer: 0, unit: 4, top: 5 }))).message,
    /--unit 4 is out of range: layer 0 has 4 units/,
  );
  assert.match(
    (await userError(explainNeuronOfRun(info.dir, { layer: 1, unit: 0, top: 5 }))).message,
    /--layer 1 is out of range: the model has 1 hidden layers/,
  );
  const n = await explainNeuronOfRun(info.dir, { layer: 0, unit: 2, top: 3 });
  assert.equal(n.contributions[0].line !== null && n.contributions[0].file.endsWith('iris.csv'), true);
  assert.ok(n.residual.rel < 1e-4);
});

test('the CLI draws a weight change as the image it is: sign and shade per cell, one grid per channel', () => {
  assert.deepEqual(weightPicture([1, -0.5, 0, 0.05], [2, 2, 1]), ['  +@ -+', '       ']);
  const rgb = weightPicture([1, 0, 0, 0, -1, 0], [1, 2, 3]);
  assert.deepEqual(rgb, ['  channel 0:', '  +@   ', '  channel 1:', '     -@', '  channel 2:', '       ']);
});
