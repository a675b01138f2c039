import { createRng } from '../random';
import type { ParameterLayout } from './parameterLayout';

/** Glorot-uniform kernels and zero biases from the experiment's seed, identical on every backend. */
export function initialWeights(layout: ParameterLayout, seed: number): Float32Array {
  const rng = createRng(seed * 7919 + 17);
  const weights = new Float32Array(layout.parameterCount);
  for (const layer of layout.layers) {
    const limit = Math.sqrt(6 / (layer.inputs + layer.outputs));
    for (let k = 0; k < layer.inputs * layer.outputs; k++) {
      weights[layer.kernelOffset + k] = (2 * rng() - 1) * limit;
    }
  }
  return weights;
}
