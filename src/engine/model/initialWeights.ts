import { createRng } from '../random';
import type { ParameterLayout } from './parameterLayout';

/**
 * Glorot-uniform kernels and zero biases from the experiment's seed, identical on every backend. A conv kernel's
 * fans are k·k·C_in and k·k·filters (as in Keras).
 */
export function initialWeights(layout: ParameterLayout, seed: number): Float32Array {
  const rng = createRng(seed * 7919 + 17);
  const weights = new Float32Array(layout.parameterCount);
  for (const layer of layout.layers) {
    const { fanIn, fanOut } =
      layer.kind === 'dense'
        ? { fanIn: layer.inputs, fanOut: layer.outputs }
        : { fanIn: layer.kernel * layer.kernel * layer.input.channels, fanOut: layer.kernel * layer.kernel * layer.output.channels };
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    for (let k = 0; k < fanIn * (layer.kind === 'dense' ? layer.outputs : layer.output.channels); k++) {
      weights[layer.kernelOffset + k] = (2 * rng() - 1) * limit;
    }
  }
  return weights;
}
