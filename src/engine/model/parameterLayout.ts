import type { Activation, LayoutEntry } from '../../protocol';

/** One dense layer's place in the flat parameter vector: kernel [in, out] row-major, then bias [out]. */
export interface DenseLayerLayout {
  inputs: number;
  outputs: number;
  activation: Activation;
  kernelOffset: number;
  biasOffset: number;
}

export interface ParameterLayout {
  layers: DenseLayerLayout[];
  parameterCount: number;
  entries: LayoutEntry[];
}

/** The MLP's layout: hidden layers, then a linear output layer of `outputCount` units. */
export function buildLayout(
  featureCount: number,
  hidden: { units: number; activation: Activation }[],
  outputCount: number,
): ParameterLayout {
  const widths = [featureCount, ...hidden.map((h) => h.units), outputCount];
  const activations: Activation[] = [...hidden.map((h) => h.activation), 'linear'];
  const layers: DenseLayerLayout[] = [];
  const entries: LayoutEntry[] = [];
  let offset = 0;
  for (let l = 0; l < widths.length - 1; l++) {
    const inputs = widths[l];
    const outputs = widths[l + 1];
    const name = l === widths.length - 2 ? 'output' : `dense_${l}`;
    const kernelOffset = offset;
    entries.push({ name: `${name}/kernel`, shape: [inputs, outputs], offset, activation: activations[l] });
    offset += inputs * outputs;
    const biasOffset = offset;
    entries.push({ name: `${name}/bias`, shape: [outputs], offset, activation: activations[l] });
    offset += outputs;
    layers.push({ inputs, outputs, activation: activations[l], kernelOffset, biasOffset });
  }
  return { layers, parameterCount: offset, entries };
}

/** Rebuilds a layout from run.json's `layout` entries (kernel/bias pairs in order). */
export function layoutFromEntries(entries: LayoutEntry[]): ParameterLayout {
  const layers: DenseLayerLayout[] = [];
  for (let i = 0; i + 1 < entries.length; i += 2) {
    const kernel = entries[i];
    const bias = entries[i + 1];
    layers.push({
      inputs: kernel.shape[0],
      outputs: kernel.shape[1],
      activation: kernel.activation,
      kernelOffset: kernel.offset,
      biasOffset: bias.offset,
    });
  }
  const last = entries[entries.length - 1];
  return { layers, parameterCount: last.offset + last.shape.reduce((a, b) => a * b, 1), entries };
}
