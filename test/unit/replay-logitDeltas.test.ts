/**
 * The logits' deltas a replayed step records for the path kernels (replay/logitDeltas.ts, by the WebAssembly matrix
 * product) against backpropagation of each logit written out plainly in float64.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLayout } from '../../src/engine/model/parameterLayout';
import { logitDeltas } from '../../src/engine/explain/replay/logitDeltas';

const DERIVATIVE = { tanh: (a: number) => 1 - a * a, relu: (a: number) => (a > 0 ? 1 : 0), sigmoid: (a: number) => a * (1 - a) };

for (const [hidden, classes, label] of [
  [[12, 9, 7], [1], 'one logit (the deltas are moved, not the weights)'],
  [[5, 40, 33], [0, 1, 2, 3, 4, 5], 'six logits (the weights are transposed)'],
] as const) {
  test(`logit deltas equal plain backpropagation: ${label}`, () => {
    const activations = ['tanh', 'relu', 'sigmoid'] as const;
    const layout = buildLayout(
      4,
      null,
      hidden.map((units, k) => ({ type: 'dense', units, activation: activations[k] })),
      6,
    );
    let seed = 3;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
    const weights = Float32Array.from({ length: layout.parameterCount }, random);
    const B = 5;
    // Each layer's input a: the activation values (relu's half zero), as the step's factors hold them.
    const factors = layout.layers.map((l, k) => ({
      a: Float32Array.from({ length: B * l.inputs }, () =>
        k === 0 ? random() : k === 2 ? Math.max(0, random()) : k === 3 ? 0.5 + random() : Math.tanh(random()),
      ),
      delta: new Float32Array(0),
    }));
    const got = logitDeltas(layout.layers, weights, factors, classes, B);
    const L = layout.layers.length;
    classes.forEach((cls, j) => {
      for (let b = 0; b < B; b++) {
        let here: number[] = Array.from({ length: layout.layers[L - 1].outputs }, (_, o) => (o === cls ? 1 : 0));
        for (let l = L - 1; l >= 0; l--) {
          const { inputs, outputs } = layout.layers[l];
          here.forEach((value, o) =>
            assert.ok(Math.abs(got[j][l][b * outputs + o] - value) <= 1e-5, `class ${cls}, layer ${l}, row ${b}, unit ${o}`),
          );
          if (l === 0) break;
          const { kernelOffset } = layout.layers[l];
          const derivative = DERIVATIVE[layout.layers[l - 1].activation as keyof typeof DERIVATIVE];
          here = Array.from({ length: inputs }, (_, i) => {
            let sum = 0;
            for (let o = 0; o < outputs; o++) sum += weights[kernelOffset + i * outputs + o] * here[o];
            return derivative(factors[l].a[b * inputs + i]) * sum;
          });
        }
      }
    });
  });
}
