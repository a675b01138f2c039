import type { Activation } from '../../../protocol';
import type { DenseLayerLayout } from '../../model/parameterLayout';
import type { StepFactors } from '../../train/trainingStepper';

/** σ'(z) from the activation's value a = σ(z), where the value determines it. */
const DERIVATIVE_FROM_VALUE: Partial<Record<Activation, (a: number) => number>> = {
  linear: () => 1,
  tanh: (a) => 1 - a * a,
  sigmoid: (a) => a * (1 - a),
  relu: (a) => (a > 0 ? 1 : 0),
};

/** Whether `logitDeltas` can serve these layers (every hidden activation's derivative follows from its value). */
export function logitDeltasApply(layers: readonly DenseLayerLayout[]): boolean {
  return layers.every((l, k) => (k === layers.length - 1 ? l.activation === 'linear' : DERIVATIVE_FROM_VALUE[l.activation] !== undefined));
}

/**
 * δ of output logit c with respect to every layer's pre-activations, for each example of one step, in typed arrays
 * from what the step already computed: the layer inputs a (the loss factors) and the weights w_s. The last layer is
 * linear, so δ_L is the unit vector e_c and δ_{L−1} = W_L[:, c] ⊙ σ'; each earlier layer costs one in × out product per
 * example, far fewer operations than a TensorFlow.js backward pass of a small batch spends in dispatch.
 * Returns [class][layer] → [B, out].
 */
export function logitDeltas(
  layers: readonly DenseLayerLayout[],
  weights: Float32Array,
  factors: StepFactors[],
  classes: readonly number[],
  B: number,
): Float32Array[][] {
  const L = layers.length;
  return classes.map((cls) => {
    const out: Float32Array[] = layers.map((l) => new Float32Array(B * l.outputs));
    const last = layers[L - 1];
    for (let b = 0; b < B; b++) out[L - 1][b * last.outputs + cls] = 1;
    for (let l = L - 1; l > 0; l--) {
      const { inputs, outputs, kernelOffset } = layers[l];
      const derivative = DERIVATIVE_FROM_VALUE[layers[l - 1].activation] as (a: number) => number;
      const a = factors[l].a;
      const below = out[l - 1];
      const here = out[l];
      for (let b = 0; b < B; b++) {
        for (let j = 0; j < inputs; j++) {
          const slope = derivative(a[b * inputs + j]);
          if (slope === 0) continue;
          const row = kernelOffset + j * outputs;
          below[b * inputs + j] = slope * (l === L - 1 ? weights[row + cls] : rowDot(weights, row, here, b * outputs, outputs));
        }
      }
    }
    return out;
  });
}

/** Σ_o x[xs + o] · y[ys + o], four at a time (the innermost loop of the logits' deltas). */
function rowDot(x: Float32Array, xs: number, y: Float32Array, ys: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let o = 0;
  for (; o + 3 < n; o += 4) {
    s0 += x[xs + o] * y[ys + o];
    s1 += x[xs + o + 1] * y[ys + o + 1];
    s2 += x[xs + o + 2] * y[ys + o + 2];
    s3 += x[xs + o + 3] * y[ys + o + 3];
  }
  for (; o < n; o++) s0 += x[xs + o] * y[ys + o];
  return s0 + s1 + s2 + s3;
}
