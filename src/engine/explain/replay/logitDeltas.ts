import type { Activation } from '../../../protocol';
import { denseLayers, isDenseOnly, type LayerLayout } from '../../model/parameterLayout';
import type { StepFactors } from '../../train/trainingStepper';
import { scratchArrays } from '../shared/scratchArrays';
import { matrixProduct } from '../../simd/matrixProduct';

/** σ'(z) from the activation's value a = σ(z), where the value determines it. */
const DERIVATIVE_FROM_VALUE: Partial<Record<Activation, (a: number) => number>> = {
  linear: () => 1,
  tanh: (a) => 1 - a * a,
  sigmoid: (a) => a * (1 - a),
  relu: (a) => (a > 0 ? 1 : 0),
};

/** Whether `logitDeltas` can serve these layers (every hidden activation's derivative follows from its value). */
export function logitDeltasApply(layers: readonly LayerLayout[]): boolean {
  return (
    isDenseOnly({ layers }) &&
    layers.every((l, k) => (k === layers.length - 1 ? l.activation === 'linear' : DERIVATIVE_FROM_VALUE[l.activation] !== undefined))
  );
}

const scratch = scratchArrays();

/** The last hidden layer's σ' (float64, reused from step to step). */
let lastSlopes = new Float64Array(0);

/** Side of the blocks the weights are transposed in. */
const TILE = 16;

/**
 * δ of output logit c with respect to every layer's pre-activations, for each example of one step, in typed arrays
 * from what the step already computed: the layer inputs a (the loss factors) and the weights w_s. The last layer is
 * linear, so δ_L is the unit vector e_c and δ_{L−1} = W_L[:, c] ⊙ σ'; each earlier layer is one product of all
 * classes' and examples' deltas [C·B, out] with Wᵀ [out, in] (WebAssembly SIMD, wasm/matrixProduct.wat), far fewer
 * operations than a TensorFlow.js backward pass per logit spends in dispatch.
 * Returns [class][layer] → [B, out]: `into` when given (zeroed arrays of those sizes, such as views of a segment's
 * buffers, so a replay makes no garbage per step), else new arrays.
 */
export function logitDeltas(
  networkLayers: readonly LayerLayout[],
  weights: Float32Array,
  factors: StepFactors[],
  classes: readonly number[],
  B: number,
  into?: Float32Array[][],
): Float32Array[][] {
  const layers = denseLayers(networkLayers);
  const L = layers.length;
  const C = classes.length;
  const out: Float32Array[][] = into ?? classes.map(() => layers.map((l) => new Float32Array(B * l.outputs)));
  const last = layers[L - 1];
  classes.forEach((cls, j) => {
    for (let b = 0; b < B; b++) out[j][L - 1][b * last.outputs + cls] = 1;
  });
  for (let l = L - 1; l > 0; l--) {
    const { inputs, outputs, kernelOffset } = layers[l];
    const derivative = DERIVATIVE_FROM_VALUE[layers[l - 1].activation] as (a: number) => number;
    const a = factors[l].a;
    if (l === L - 1) {
      // δ_{L−1} = σ' ⊙ W_L[:, c]: a column of the weights, no product (σ' kept in float64 until the product).
      if (lastSlopes.length < B * inputs) lastSlopes = new Float64Array(B * inputs);
      for (let k = 0; k < B * inputs; k++) lastSlopes[k] = derivative(a[k]);
      const column = scratch('column', inputs);
      classes.forEach((cls, j) => {
        const below = out[j][l - 1];
        for (let i = 0; i < inputs; i++) column[i] = weights[kernelOffset + i * outputs + cls];
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < inputs; i++) below[b * inputs + i] = lastSlopes[b * inputs + i] * column[i];
        }
      });
      continue;
    }
    const slopes = scratch('slopes', B * inputs);
    for (let k = 0; k < B * inputs; k++) slopes[k] = derivative(a[k]);
    const product = matrixProduct();
    const R = C * B;
    if (R * (inputs + outputs) < inputs * outputs) {
      // Few classes: W [in, out] · Hᵀ [out, C·B] moves the small deltas rather than the weights.
      const deltasT = scratch('deltasT', outputs * R);
      out.forEach((perLayer, j) => {
        const here = perLayer[l];
        for (let b = 0; b < B; b++) for (let o = 0; o < outputs; o++) deltasT[o * R + j * B + b] = here[b * outputs + o];
      });
      const projectedT = product.rowsTimes(
        (w) => w.set(weights.subarray(kernelOffset, kernelOffset + inputs * outputs)),
        deltasT,
        inputs,
        outputs,
        R,
      );
      for (let j = 0; j < C; j++) {
        const below = out[j][l - 1];
        for (let b = 0; b < B; b++) {
          for (let i = 0; i < inputs; i++) below[b * inputs + i] = slopes[b * inputs + i] * projectedT[i * R + j * B + b];
        }
      }
      continue;
    }
    // [C·B, out] · Wᵀ [out, in], then σ' of the layer's input (the same for every class).
    const transposed = scratch('transposed', outputs * inputs);
    // In tiles, so neither the reads nor the writes stride through the whole matrix.
    for (let i0 = 0; i0 < inputs; i0 += TILE)
      for (let o0 = 0; o0 < outputs; o0 += TILE)
        for (let i = i0; i < Math.min(i0 + TILE, inputs); i++)
          for (let o = o0; o < Math.min(o0 + TILE, outputs); o++) transposed[o * inputs + i] = weights[kernelOffset + i * outputs + o];
    const projected = product.rowsTimes(
      (stacked) => out.forEach((perLayer, j) => stacked.set(perLayer[l], j * B * outputs)),
      transposed,
      R,
      outputs,
      inputs,
    );
    for (let j = 0; j < C; j++) {
      const below = out[j][l - 1];
      const from = j * B * inputs;
      for (let k = 0; k < B * inputs; k++) below[k] = slopes[k] * projected[from + k];
    }
  }
  return out;
}
