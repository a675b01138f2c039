import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLayout, type LayerLayout } from '../../src/engine/model/parameterLayout';
import { analyticLayerCount, layerCuts, lines, parabolas } from '../../src/engine/explain/direct/analyticKinks';

// analyticKinks.ts finds a layer's ReLU and max-pool arg-max switches along a step from its pre-activations as lines
// (first layer) or parabolas (second layer). Checked against the pattern sampled densely along the piece: every switch
// the samples see has a cut between them, and every cut is a switch.

const layout = buildLayout(
  4 * 4 * 2,
  { width: 4, height: 4, channels: 2 },
  [
    { type: 'conv2d', filters: 3, kernel: 3, stride: 1, padding: 'same', activation: 'relu' },
    { type: 'maxPool2d', size: 2 },
    { type: 'conv2d', filters: 2, kernel: 3, stride: 1, padding: 'same', activation: 'tanh' },
    { type: 'maxPool2d', size: 2 },
    { type: 'flatten' },
  ],
  3,
);

let seed = 11;
const random = (n: number) => Float64Array.from({ length: n }, () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5);

/** The pattern that makes φ jump: ReLU on/off, and each window's arg-max (none after a ReLU when the window is ≤ 0). */
function pattern(layer: LayerLayout, z: (unit: number) => number): string {
  const parts: number[] = [];
  const relu = layer.activation === 'relu';
  if (relu) for (let u = 0; u < layer.outputs; u++) parts.push(z(u) > 0 ? 1 : 0);
  const pool = layer.pools[0];
  const { size, input, output } = pool;
  for (let oy = 0; oy < output.height; oy++)
    for (let ox = 0; ox < output.width; ox++)
      for (let c = 0; c < output.channels; c++) {
        let best = -1;
        let top = -Infinity;
        for (let dy = 0; dy < size; dy++)
          for (let dx = 0; dx < size; dx++) {
            const u = ((oy * size + dy) * input.width + ox * size + dx) * input.channels + c;
            if (z(u) > top) [best, top] = [u, z(u)];
          }
        parts.push(relu && top <= 0 ? -1 : best);
      }
  return parts.join(',');
}

function checkCuts(layer: LayerLayout, at: (unit: number, t: number) => number, cuts: number[]): number {
  const sorted = [...cuts].sort((a, b) => a - b);
  const samples = 20_000;
  let switches = 0;
  let previous = pattern(layer, (u) => at(u, 0));
  for (let k = 1; k <= samples; k++) {
    const t1 = k / samples;
    const current = pattern(layer, (u) => at(u, t1));
    if (current !== previous) {
      switches++;
      const t0 = (k - 1) / samples;
      assert.ok(
        sorted.some((t) => t >= t0 && t <= t1),
        `a switch in [${t0}, ${t1}] has no cut`,
      );
    }
    previous = current;
  }
  for (const t of sorted)
    assert.notEqual(
      pattern(layer, (u) => at(u, t - 1e-9)),
      pattern(layer, (u) => at(u, t + 1e-9)),
      `the cut at ${t} is no switch`,
    );
  return switches;
}

test('a first layer’s ReLU and max-pool switches along a line are its cuts', () => {
  const layer = layout.layers[0];
  let total = 0;
  for (let trial = 0; trial < 20; trial++) {
    const z0 = random(layer.outputs);
    const z1 = random(layer.outputs);
    const curves = lines(z0, z1);
    total += checkCuts(layer, curves.at, layerCuts(layer, curves));
  }
  assert.ok(total > 20, `the trials crossed ${total} switches`);
});

test('a second layer’s max-pool switches along parabolas are its cuts, two per unit where a parabola dips', () => {
  const layer = layout.layers[1];
  let total = 0;
  for (let trial = 0; trial < 20; trial++) {
    const [z0, zm, z1] = [random(layer.outputs), random(layer.outputs), random(layer.outputs)];
    const curves = parabolas(z0, zm, z1);
    assert.ok(Math.abs(curves.at(0, 0.5) - zm[0]) < 1e-12 && Math.abs(curves.at(1, 1) - z1[1]) < 1e-12);
    total += checkCuts(layer, curves.at, layerCuts(layer, curves));
  }
  assert.ok(total > 10, `the trials crossed ${total} switches`);
  // A ReLU whose pre-activation dips below zero and comes back between the step's ends kinks twice.
  const relu = layout.layers[0];
  const dip = parabolas([0.2], [-0.1], [0.2]);
  assert.deepEqual(
    layerCuts({ ...relu, outputs: 1, pools: [] }, dip)
      .sort()
      .map((t) => Number(t.toFixed(6))),
    [0.211325, 0.788675],
  );
});

test('the analytic layers: the first when it is covered, the second after a piecewise-linear first', () => {
  assert.equal(analyticLayerCount(layout.layers), 2);
  const gelu = buildLayout(8, null, [{ type: 'dense', units: 4, activation: 'gelu' }], 2);
  assert.equal(analyticLayerCount(gelu.layers), 1);
  const geluPool = buildLayout(
    32,
    { width: 4, height: 4, channels: 2 },
    [
      { type: 'conv2d', filters: 3, kernel: 3, stride: 1, padding: 'same', activation: 'gelu' },
      { type: 'maxPool2d', size: 2 },
      { type: 'flatten' },
    ],
    2,
  );
  assert.equal(analyticLayerCount(geluPool.layers), 0);
  const tanhFirst = buildLayout(
    8,
    null,
    [
      { type: 'dense', units: 4, activation: 'tanh' },
      { type: 'dense', units: 4, activation: 'relu' },
    ],
    2,
  );
  assert.equal(analyticLayerCount(tanhFirst.layers), 1);
});
