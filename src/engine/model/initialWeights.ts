import { createRng } from '../random';
import type { LayerLayout, ParameterLayout } from './parameterLayout';

/**
 * Uniform kernels and zero biases from the experiment's seed, identical on every backend: He-uniform for ReLU
 * layers (He et al. 2015: ReLU halves the variance a layer passes on, so its range is set by fan-in alone) and
 * Glorot-uniform for the others. A conv kernel's fans are k·k·C_in and k·k·filters (as in Keras). Runs keep their
 * initial weights, so this choice only affects new trainings.
 */
export function initialWeights(layout: ParameterLayout, seed: number): Float32Array {
  const rng = createRng(seed * 7919 + 17);
  const weights = new Float32Array(layout.parameterCount);
  for (const layer of layout.layers) {
    const limit = uniformLimit(layer);
    const kernelSize = layer.biasOffset - layer.kernelOffset;
    for (let k = 0; k < kernelSize; k++) weights[layer.kernelOffset + k] = (2 * rng() - 1) * limit;
  }
  return weights;
}

function uniformLimit(layer: LayerLayout): number {
  const { fanIn, fanOut } =
    layer.kind === 'dense'
      ? { fanIn: layer.inputs, fanOut: layer.outputs }
      : { fanIn: layer.kernel * layer.kernel * layer.input.channels, fanOut: layer.kernel * layer.kernel * layer.output.channels };
  return layer.activation === 'relu' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
}
