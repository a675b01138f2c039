import * as tf from '@tensorflow/tfjs-core';
import type { FactoredLayer, LayerFactors } from './factoredLayer';
import type { ConvLayerLayout } from './parameterLayout';

/**
 * A 2-D convolution as a dense layer applied at every output position (path-kernel.md §3.1): the input's patches
 * (im2col, one gather) times the kernel [k·k·C_in, filters]. Every op is a batched matMul, a gather or a scatter, so
 * the layer is evaluated at G weight points at once as the dense layer is, and no op needs the filter gradient
 * TensorFlow.js's wasm backend lacks. Factors stay per example: inputs a [.., H·W·C_in] and δ [.., H_o·W_o·filters]
 * (channels last); patches are formed on the fly, never stored.
 */
export class ConvLayer implements FactoredLayer {
  readonly parameterCount: number;
  readonly parameterOffset: number;
  /** Entries of one patch row (k·k·C_in) and output positions (H_o·W_o). */
  private readonly patchSize: number;
  private readonly positions: number;
  /** For each (position, kernel entry): the input value it reads, or `inputs` (an appended zero) in the padding. */
  private readonly patchIndex: Int32Array;

  constructor(readonly layout: ConvLayerLayout) {
    const { kernel, input, output, stride, padTop, padLeft } = layout;
    this.patchSize = kernel * kernel * input.channels;
    this.positions = output.height * output.width;
    this.parameterCount = this.patchSize * output.channels + output.channels;
    this.parameterOffset = layout.kernelOffset;
    this.patchIndex = new Int32Array(this.positions * this.patchSize);
    let k = 0;
    for (let oy = 0; oy < output.height; oy++)
      for (let ox = 0; ox < output.width; ox++)
        for (let ky = 0; ky < kernel; ky++)
          for (let kx = 0; kx < kernel; kx++) {
            const iy = oy * stride + ky - padTop;
            const ix = ox * stride + kx - padLeft;
            const inside = iy >= 0 && iy < input.height && ix >= 0 && ix < input.width;
            for (let c = 0; c < input.channels; c++)
              this.patchIndex[k++] = inside ? (iy * input.width + ix) * input.channels + c : layout.inputs;
          }
  }

  private get filters(): number {
    return this.layout.output.channels;
  }

  /** [G, k·k·C_in, filters] */
  private kernel(weights: tf.Tensor2D): tf.Tensor3D {
    return tf.reshape(tf.slice(weights, [0, this.layout.kernelOffset], [-1, this.patchSize * this.filters]), [
      -1,
      this.patchSize,
      this.filters,
    ]);
  }

  /** a [G, R, in] → patches [G, R·positions, k·k·C_in]. */
  private patches(a: tf.Tensor3D): tf.Tensor3D {
    const [g, r] = a.shape;
    const padded = tf.concat([a, tf.zeros([g, r, 1])], 2);
    const gathered = tf.gather(padded, tf.tensor1d(this.patchIndex, 'int32'), 2);
    return tf.reshape(gathered, [g, r * this.positions, this.patchSize]);
  }

  forward(a: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const r = a.shape[1];
      const bias = tf.reshape(tf.slice(weights, [0, this.layout.biasOffset], [-1, this.filters]), [-1, 1, this.filters]);
      const z = tf.add(tf.matMul(this.patches(a), this.kernel(weights)), bias);
      return tf.reshape(z, [z.shape[0], r, this.positions * this.filters]);
    });
  }

  /** ∂s/∂a: each patch's gradient δ_p Kᵀ summed back into the input values it read (a scatter-add, col2im). */
  backward(delta: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [g, r] = delta.shape;
      const patchGrad = tf.matMul(tf.reshape(delta, [g, r * this.positions, this.filters]), this.kernel(weights), false, true);
      const columns = tf.transpose(tf.reshape(patchGrad, [g * r, this.positions * this.patchSize]));
      const index = tf.tensor2d(this.patchIndex, [this.patchIndex.length, 1], 'int32');
      const summed = tf.scatterND(index, columns, [this.layout.inputs + 1, g * r]);
      return tf.reshape(tf.transpose(tf.slice(summed, [0, 0], [this.layout.inputs, -1])), [g, r, this.layout.inputs]);
    });
  }

  summedGradient({ a, delta }: LayerFactors): tf.Tensor2D {
    return tf.tidy(() => {
      const [n, k] = delta.shape;
      const d = tf.reshape(delta, [n, k * this.positions, this.filters]);
      const kernelGrad = tf.reshape(tf.matMul(this.patches(a), d, true, false), [n, this.patchSize * this.filters]);
      return tf.concat([kernelGrad, tf.sum(d, 1)], 1) as tf.Tensor2D;
    });
  }

  /** Σ_p patch_p(a) U δ_pᵀ per example and query (the contraction form of §3.1), plus the bias part Σ_p δ_p · u_b. */
  gradientDot(u: tf.Tensor3D, { a, delta }: LayerFactors): tf.Tensor3D {
    return tf.tidy(() => {
      const [g, q] = u.shape;
      const b = delta.shape[1];
      const F = this.filters;
      const uKernel = tf.reshape(
        tf.transpose(tf.reshape(tf.slice(u, [0, 0, 0], [-1, -1, this.patchSize * F]), [g, q, this.patchSize, F]), [0, 2, 1, 3]),
        [g, this.patchSize, q * F],
      );
      const projected = tf.reshape(tf.matMul(this.patches(a), uKernel), [g, b, this.positions, q, F]);
      const d = tf.reshape(delta, [g, b, this.positions, 1, F]);
      const kernelPart = tf.sum(tf.mul(projected, d), [2, 4]);
      const uBias = tf.slice(u, [0, 0, this.patchSize * F], [-1, -1, F]);
      const biasPart = tf.matMul(tf.sum(tf.reshape(delta, [g, b, this.positions, F]), 2), uBias, false, true);
      return tf.add(kernelPart, biasPart) as tf.Tensor3D;
    });
  }
}
