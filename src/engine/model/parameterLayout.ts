import type { Activation, ConvPadding, ImageShape, LayoutEntry, ModelLayer } from '../../protocol';
import { UserError } from '../errors';

/** A feature map's shape, channels last (NHWC without the batch). */
export interface FeatureMap {
  height: number;
  width: number;
  channels: number;
}

/** A parameterless pooling window after a layer's activation: stride = size, `valid` padding. */
export interface PoolLayout {
  kind: 'maxPool2d' | 'avgPool2d';
  size: number;
  input: FeatureMap;
  output: FeatureMap;
}

/**
 * What every parameterized layer has: its place in the flat parameter vector (kernel row-major, then bias), its
 * per-example factor widths (inputs `a` and pre-activation gradients `δ`, flattened channels last) and the pools
 * applied after its activation.
 */
interface LayerPlace {
  /** Width of the layer's input per example (a dense layer's in; a conv layer's H·W·C_in). */
  inputs: number;
  /** Width of its pre-activations per example (a dense layer's out; a conv layer's H_out·W_out·filters). */
  outputs: number;
  activation: Activation;
  kernelOffset: number;
  biasOffset: number;
  pools: PoolLayout[];
}

/** A dense layer: kernel [in, out], bias [out]. */
export interface DenseLayerLayout extends LayerPlace {
  kind: 'dense';
}

/** A 2-D convolution: kernel [k, k, C_in, filters], bias [filters] (path-kernel.md §3.1). */
export interface ConvLayerLayout extends LayerPlace {
  kind: 'conv2d';
  input: FeatureMap;
  output: FeatureMap;
  kernel: number;
  stride: number;
  padding: ConvPadding;
  /** TensorFlow.js's `same` padding: rows and columns of zeros before the image (the rest go after). */
  padTop: number;
  padLeft: number;
}

export type LayerLayout = DenseLayerLayout | ConvLayerLayout;

export interface ParameterLayout {
  /** The parameterized layers in order, the output layer last. */
  layers: LayerLayout[];
  parameterCount: number;
  entries: LayoutEntry[];
}

/** Whether every layer is dense and none pools: the typed-array (fast) explanation path serves such networks. */
export function isDenseOnly(layout: { layers: readonly LayerLayout[] }): boolean {
  return layout.layers.every((l) => l.kind === 'dense' && l.pools.length === 0);
}

/** The layers of a dense-only network (the typed-array code paths); any other network is a programming error here. */
export function denseLayers(layers: readonly LayerLayout[]): readonly DenseLayerLayout[] {
  if (!layers.every((l): l is DenseLayerLayout => l.kind === 'dense' && l.pools.length === 0))
    throw new Error('this code path serves dense networks only');
  return layers;
}

/** Parameters of a kernel of this many entries and `outputs` biases, in the flat vector. */
function place(entries: LayoutEntry[], name: string, kernelShape: number[], outputs: number, activation: Activation, offset: number) {
  const kernelSize = kernelShape.reduce((a, b) => a * b, 1);
  entries.push({ name: `${name}/kernel`, shape: kernelShape, offset, activation });
  entries.push({ name: `${name}/bias`, shape: [outputs], offset: offset + kernelSize, activation });
  return { kernelOffset: offset, biasOffset: offset + kernelSize, end: offset + kernelSize + outputs };
}

/** Output side of a convolution or pooling along one axis (TensorFlow.js's rules). */
function convolvedSize(size: number, kernel: number, stride: number, padding: ConvPadding): number {
  return padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

/** Zeros before the input along one axis for `same` padding (TensorFlow.js puts the odd one after). */
function padBefore(size: number, out: number, kernel: number, stride: number): number {
  return Math.floor(Math.max((out - 1) * stride + kernel - size, 0) / 2);
}

const shapeText = (m: FeatureMap) => `${m.height}×${m.width}×${m.channels}`;

/**
 * The network's layout from its hidden layers and a linear output layer of `outputCount` units. `image` is the
 * input's shape when the inputs are an image (needed by convolution and pooling). A feature map reaching the
 * output layer is flattened; one a conv or pool made needs an explicit flatten before a dense hidden layer (Keras
 * would apply the dense layer per pixel instead), while a dense layer on the input image reads its pixels as a vector. Architecture errors name `file`, the experiment file.
 */
export function buildLayout(
  featureCount: number,
  image: ImageShape | null,
  hidden: readonly ModelLayer[],
  outputCount: number,
  file?: string,
): ParameterLayout {
  const fail = (index: number, message: string): never => {
    throw new UserError(`model.layers[${index}]: ${message}`, file ? { file } : undefined);
  };
  if (image && image.width * image.height * image.channels !== featureCount)
    throw new UserError(
      `the image is ${image.height}×${image.width}×${image.channels} = ${image.height * image.width * image.channels} values, but there are ${featureCount} input features`,
      file ? { file } : undefined,
    );
  const layers: LayerLayout[] = [];
  const entries: LayoutEntry[] = [];
  let offset = 0;
  // The current activation: a feature map, or a vector of `width` values.
  let map: FeatureMap | null = image ? { height: image.height, width: image.width, channels: image.channels } : null;
  let width = featureCount;
  let flattened = !image;
  // Whether a conv or pool has made the current feature map: a dense layer on the input image itself reads its
  // pixels as a vector (as dense networks on pixel CSVs always have); after a conv or pool it needs a flatten.
  let convolved = false;
  const addDense = (units: number, activation: Activation, name: string) => {
    const at = place(entries, name, [width, units], units, activation, offset);
    layers.push({
      kind: 'dense',
      inputs: width,
      outputs: units,
      activation,
      kernelOffset: at.kernelOffset,
      biasOffset: at.biasOffset,
      pools: [],
    });
    offset = at.end;
    width = units;
    map = null;
  };
  hidden.forEach((layer, index) => {
    switch (layer.type) {
      case 'dense':
        if (!flattened && convolved)
          fail(index, `a dense layer after a ${shapeText(map as FeatureMap)} feature map: add {"type": "flatten"} before it`);
        addDense(layer.units, layer.activation, `dense_${index}`);
        return;
      case 'conv2d': {
        if (!map || flattened)
          fail(
            index,
            image
              ? 'conv2d needs a feature map: it cannot follow a dense or flatten layer'
              : 'conv2d needs image inputs (dataset.image or an image folder)',
          );
        const input = map as FeatureMap;
        const { kernel, stride, padding, filters } = layer;
        const height = convolvedSize(input.height, kernel, stride, padding);
        const side = convolvedSize(input.width, kernel, stride, padding);
        if (height < 1 || side < 1)
          fail(index, `a ${kernel}×${kernel} kernel with valid padding does not fit the ${shapeText(input)} input`);
        const output = { height, width: side, channels: filters };
        const at = place(entries, `conv2d_${index}`, [kernel, kernel, input.channels, filters], filters, layer.activation, offset);
        layers.push({
          kind: 'conv2d',
          inputs: input.height * input.width * input.channels,
          outputs: height * side * filters,
          activation: layer.activation,
          kernelOffset: at.kernelOffset,
          biasOffset: at.biasOffset,
          pools: [],
          input,
          output,
          kernel,
          stride,
          padding,
          padTop: padding === 'same' ? padBefore(input.height, height, kernel, stride) : 0,
          padLeft: padding === 'same' ? padBefore(input.width, side, kernel, stride) : 0,
        });
        offset = at.end;
        map = output;
        width = height * side * filters;
        convolved = true;
        return;
      }
      case 'maxPool2d':
      case 'avgPool2d': {
        const last = layers[layers.length - 1];
        if (!last || last.kind !== 'conv2d' || flattened) fail(index, `${layer.type} must follow a conv2d layer (or another pool)`);
        const input = map as FeatureMap;
        const output = {
          height: Math.floor(input.height / layer.size),
          width: Math.floor(input.width / layer.size),
          channels: input.channels,
        };
        if (output.height < 1 || output.width < 1)
          fail(index, `a ${layer.size}×${layer.size} window does not fit the ${shapeText(input)} feature map`);
        last.pools.push({ kind: layer.type, size: layer.size, input, output });
        map = output;
        convolved = true;
        width = output.height * output.width * output.channels;
        return;
      }
      case 'flatten':
        if (flattened) fail(index, 'flatten needs a feature map (image inputs, before any dense layer)');
        flattened = true;
        return;
    }
  });
  addDense(outputCount, 'linear', 'output');
  return { layers, parameterCount: offset, entries };
}

/** Rebuilds a dense network's layout from run.json's `layout` entries (kernel/bias pairs in order; runs without `model`). */
export function layoutFromEntries(entries: LayoutEntry[]): ParameterLayout {
  const layers: LayerLayout[] = [];
  for (let i = 0; i + 1 < entries.length; i += 2) {
    const kernel = entries[i];
    const bias = entries[i + 1];
    layers.push({
      kind: 'dense',
      inputs: kernel.shape[0],
      outputs: kernel.shape[1],
      activation: kernel.activation,
      kernelOffset: kernel.offset,
      biasOffset: bias.offset,
      pools: [],
    });
  }
  const last = entries[entries.length - 1];
  return { layers, parameterCount: last.offset + last.shape.reduce((a, b) => a * b, 1), entries };
}

/** Per-example factor floats of all layers (Σ inputs + outputs): what one example adds to a step's index. */
export function factorWidth(layout: ParameterLayout): number {
  return layout.layers.reduce((sum, l) => sum + l.inputs + l.outputs, 0);
}
