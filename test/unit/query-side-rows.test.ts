import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexedRun } from '../../src/engine/explain/explainService';
import { elementwiseKernels, querySideFor } from '../../src/engine/explain/fast/wasm/simdQuerySide';
import { trainSample } from '../helpers/experiments';
import { multiplyByDerivative } from '../../src/engine/model/scalarActivations';

/** Penguins with odd widths everywhere (13 and 5 hidden units, 3 classes), so every pair kernel meets its odd column. */
async function oddRun() {
  const info = await trainSample('penguins.csv', {
    dataset: { train: 'penguins.csv', target: 'species', test: { fraction: 0.2 } },
    model: {
      hidden: [
        { units: 13, activation: 'tanh' },
        { units: 5, activation: 'relu' },
      ],
    },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 2, batchSize: 16, seed: 7 },
  });
  return indexedRun(info.dir);
}

function random(seed: number): () => number {
  return () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
}

/** Every layer's activations, δ and (after the first) Φ·Δ part of each row at one point, from `rows` rows passed together. */
function passes(side: ReturnType<typeof querySideFor>, x: number[][], e: Float32Array, s: number, t: number, layerCount: number) {
  const F = x[0].length;
  x.forEach((row, r) => {
    for (let f = 0; f < F; f++) side.x[f] = row[f];
    side.firstLayer([s, s + 1], r);
  });
  side.interpolateAt(s, t);
  x.forEach((_, r) => side.firstLayerAt(0, 1, t, r));
  side.forwardRows(x.length);
  const h = side.layers.map((l) => Array.from(l.h));
  const deltas: number[][] = [];
  const dots: number[][] = [];
  const C = e.length / x.length;
  side.backwardRows(
    x.map((_, r) => r * C),
    e,
    (l) => {
      deltas[l] = Array.from(side.delta);
      if (l > 0) dots[l] = Array.from(side.incrementDots(l, s, x.length).subarray(0, x.length));
    },
  );
  assert.equal(deltas.length, layerCount);
  return { h, deltas, dots };
}

test('the query side passes 2–8 rows at one point to the same bits as one row at a time (odd widths, ReLU and tanh)', async () => {
  const { run } = await oddRun();
  const side = querySideFor(run);
  const layers = run.layout.layers;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const next = random(3);
  // Up to four rows take one pass of the row kernels; five to eight take two (five: four, then a lone row).
  for (const count of [2, 3, 4, 5, 7, 8]) {
    const x = Array.from({ length: count }, () => Array.from({ length: F }, () => next() * 3));
    const e = Float32Array.from({ length: count * C }, () => next());
    for (const [s, t] of [
      [0, 0.5],
      [run.path.steps - 1, 0.1127],
    ]) {
      const together = passes(side, x, e, s, t, layers.length);
      x.forEach((row, r) => {
        const alone = passes(side, [row], e.slice(r * C, (r + 1) * C), s, t, layers.length);
        layers.forEach((layer, l) => {
          const out = layer.outputs;
          assert.deepEqual(together.h[l].slice(r * out, (r + 1) * out), alone.h[l].slice(0, out), `h, layer ${l}, row ${r} of ${count}`);
          assert.deepEqual(
            together.deltas[l].slice(r * out, (r + 1) * out),
            alone.deltas[l].slice(0, out),
            `δ, layer ${l}, row ${r} of ${count}`,
          );
          if (l > 0) assert.equal(together.dots[l][r], alone.dots[l][0], `Φ·Δ, layer ${l}, row ${r} of ${count}`);
        });
      });
    }
  }
});

test('sweeping a layer from its factors gives the U of sweeping the Φ they form, bit for bit (Adam scale, carry, Nesterov, 2–5 nodes)', async () => {
  const { run, index } = await oddRun();
  const simd = index.contraction;
  const P = run.layout.parameterCount;
  // Up to four factor pairs are formed inside the sweep, more in the Φ scratch first.
  for (const [nesterov, nodes] of [
    [false, 3],
    [true, 3],
    [false, 2],
    [true, 4],
    [false, 5],
  ] as const) {
    const results: Float32Array[] = [];
    for (const form of ['factored', 'dense'] as const) {
      simd.resetCarries(1);
      const u = new Float32Array(P);
      const draw = random(5);
      // The query's input is the same at every step; its zeros leave their rows of U at zero.
      const x = Float32Array.from({ length: run.layout.layers[0].inputs }, (_, j) => (j % 3 === 1 ? 0 : draw()));
      for (const r of [4, 3]) {
        const sweep = { r, eta: 0.01, decay: Math.fround(0.9), nesterov };
        run.layout.layers.forEach((layer, l) => {
          const { inputs, outputs, kernelOffset } = layer;
          const count = l === 0 ? 1 : nodes;
          const a = l === 0 ? Array.from(x) : Array.from({ length: count * inputs }, () => draw());
          const d = Array.from({ length: count * outputs }, () => draw());
          if (form === 'factored') {
            if (l === 0) simd.loadQuery(x, 0, inputs);
            else simd.a.set(a);
            simd.d.set(d);
            simd.sweepFactored(0, sweep, layer, count, l === 0);
            return;
          }
          // Φ as the kernel sums it: over the factor pairs in order, from 0.
          for (let j = 0; j < inputs; j++)
            for (let m = 0; m < outputs; m++) {
              let phi = 0;
              for (let k = 0; k < count; k++) phi += a[k * inputs + j] * d[k * outputs + m];
              simd.phi[kernelOffset + j * outputs + m] = phi;
            }
          for (let m = 0; m < outputs; m++) {
            let phi = 0;
            for (let k = 0; k < count; k++) phi += d[k * outputs + m];
            simd.phi[layer.biasOffset + m] = phi;
          }
          simd.sweepDense(0, sweep, kernelOffset, layer.biasOffset + outputs);
        });
        u.set(simd.u);
      }
      results.push(u);
    }
    assert.deepEqual(results[0], results[1], `nesterov ${nesterov}, ${nodes} nodes`);
    assert.ok(results[0].some((v) => v !== 0));
  }
});

/** Distance in units in the last place between two float64s of the same sign (0 when equal, −0 and 0 apart). */
function ulpsApart(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (Object.is(a, b)) return 0;
  if (Math.sign(a) !== Math.sign(b) || a === 0 || b === 0) return Infinity;
  const bits = new BigInt64Array(new Float64Array([a, b]).buffer);
  return Number(bits[0] > bits[1] ? bits[0] - bits[1] : bits[1] - bits[0]);
}

test('the kernel’s tanh is within 3 units in the last place of Math.tanh, and exact at the special values', () => {
  const next = random(11);
  // Every magnitude the layers meet, from subnormal to saturated, and odd lengths for the pair and single tails.
  for (const scale of [1e-300, 1e-9, 1e-3, 0.05, 0.4, 1, 3, 10, 19, 25, 1e4]) {
    for (const length of [4099, 6, 3]) {
      const values = Float64Array.from({ length }, () => 2 * scale * next());
      const ours = elementwiseKernels.tanh(values);
      values.forEach((v, k) => assert.ok(ulpsApart(ours[k], Math.tanh(v)) <= 3, `tanh(${v}): ${ours[k]} vs ${Math.tanh(v)}`));
    }
  }
  const special = [0, -0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 22, -22, 700, -1e308];
  const ours = elementwiseKernels.tanh(Float64Array.from(special));
  special.forEach((v, k) => assert.ok(Object.is(ours[k], Math.tanh(v)), `tanh(${v}): ${ours[k]} vs ${Math.tanh(v)}`));
});

test('the kernel’s tanh and ReLU derivatives give multiplyByDerivative’s bits (odd lengths, ±0, NaN, ±∞)', () => {
  const next = random(5);
  for (const length of [1, 2, 7, 64, 129]) {
    const z = Float64Array.from({ length }, () => 6 * next());
    z[0] = length > 3 ? NaN : z[0];
    if (length > 3) [z[1], z[2], z[3]] = [-0, 0, Infinity];
    const h = Float64Array.from(z, Math.tanh);
    const upstream = Float64Array.from({ length }, () => 4 * next());
    for (const kind of ['tanh', 'relu'] as const) {
      const expected = upstream.slice();
      multiplyByDerivative(kind, z, h, expected, length);
      const ours = elementwiseKernels.timesDerivative(kind, upstream, kind === 'tanh' ? h : z);
      expected.forEach((v, k) => assert.ok(Object.is(ours[k], v), `${kind} at ${k} (z = ${z[k]}): ${ours[k]} vs ${v}`));
    }
  }
});
