import * as tf from '@tensorflow/tfjs-core';
import type { FactoredLayer, LayerFactors } from './factoredLayer';
import type { ConvLayerLayout } from './parameterLayout';
import { gatherPatches, hasPatchKernels, scatterPatches } from '../kernels/patches';
import { matMulAtPoints } from '../kernels/batchedProduct';

/**
 * Without our own im2col kernel (kernels/patches.ts: wasm and cpu have it), selection matrices of at most this many
 * entries (16 MB) do im2col as matrix products, several times faster on wasm than its element-wise Gather (measured:
 * 8×8 digits, 5.7×); larger layers gather and scatter.
 */
const SELECTION_MAX_ENTRIES = 4_000_000;

/** From this many rows per weight point, a forward pass at G points runs one conv2d per point. */
const CONV_PER_POINT_ROWS = 8;

/** One 0/1 selection matrix [in, positions·patch] per conv geometry, kept for the process (a handful at most). */
const selections = new Map<string, tf.Tensor2D>();

/**
 * A 2-D convolution as a dense layer applied at every output position (path-kernel.md §3.1): the input's patches
 * (im2col) times the kernel [k·k·C_in, filters]. Every op is TensorFlow.js's conv2d / conv2dTranspose (at one weight
 * point), a batched matMul (im2col by a 0/1 selection matrix, or a gather for large layers) or a scatter-add (the
 * input gradient at many points), so the layer is
 * evaluated at G weight points at once as the dense layer is, and no op needs the filter gradient TensorFlow.js's
 * wasm backend lacks. Factors stay per example: inputs a [.., H·W·C_in] and δ [.., H_o·W_o·filters] (channels
 * last); patches are formed on the fly, never stored.
 */
export class ConvLayer implements FactoredLayer {
  readonly parameterCount: number;
  readonly parameterOffset: number;
  /** Entries of one patch row (k·k·C_in) and output positions (H_o·W_o). */
  private readonly patchSize: number;
  private readonly positions: number;
  /** For each (position, kernel entry): the input value it reads, or `inputs` (an appended zero) in the padding. */
  private readonly patchIndex: Int32Array;

  constructor(
    readonly layout: ConvLayerLayout,
    /**
     * How im2col and col2im run: `auto` by our own kernels where the backend has them, else by selection products
     * up to SELECTION_MAX_ENTRIES and TensorFlow.js's gather / scatterND beyond; the others force one form (tests).
     */
    private readonly patchForm: 'auto' | 'selection' | 'gather' = 'auto',
  ) {
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

  private ownKernels(): boolean {
    return this.patchForm === 'auto' && hasPatchKernels();
  }

  /** The selection matrix S [in, positions·patch] (S[i, m] = 1 where patch entry m reads input i), or null when too large. */
  private selection(): tf.Tensor2D | null {
    const { inputs, input, output, kernel, stride, padTop, padLeft } = this.layout;
    const columns = this.patchIndex.length;
    if (this.patchForm === 'gather' || inputs * columns > SELECTION_MAX_ENTRIES) return null;
    const key = [input.height, input.width, input.channels, output.height, output.width, kernel, stride, padTop, padLeft].join(',');
    let matrix = selections.get(key);
    if (!matrix) {
      const values = new Float32Array(inputs * columns);
      this.patchIndex.forEach((i, m) => {
        if (i < inputs) values[i * columns + m] = 1;
      });
      matrix = tf.keep(tf.tensor2d(values, [inputs, columns]));
      selections.set(key, matrix);
    }
    return matrix;
  }

  /**
   * The patches the last per-point forward pass formed, for the gradient of the same inputs that usually follows
   * (summedGradient): a conv layer's im2col is formed once per pass instead of twice. They are formed in the caller's
   * scope, like the pass's other tensors, and go with its tidy; a disposed entry is never used.
   */
  private lastPatches: { of: tf.Tensor3D; patches: tf.Tensor3D } | null = null;

  /** patches(a), from the last forward pass when it had these inputs. */
  private patchesOf(a: tf.Tensor3D): tf.Tensor3D {
    const last = this.lastPatches;
    return last && last.of === a && !a.isDisposed && !last.patches.isDisposed ? last.patches : this.patches(a);
  }

  /** a [G, R, in] → patches [G, R·positions, k·k·C_in]. */
  private patches(a: tf.Tensor3D): tf.Tensor3D {
    const [g, r] = a.shape;
    const flat = tf.reshape(a, [g * r, this.layout.inputs]) as tf.Tensor2D;
    const gathered = this.ownKernels()
      ? gatherPatches(flat, this.patchIndex, this.layout.inputs)
      : this.selection()
        ? tf.matMul(flat, this.selection() as tf.Tensor2D)
        : tf.gather(tf.concat([a, tf.zeros([g, r, 1])], 2), tf.tensor1d(this.patchIndex, 'int32'), 2);
    return tf.reshape(gathered, [g, r * this.positions, this.patchSize]);
  }

  /** The kernels of G weight points as one conv2d filter [k, k, C_in, G·filters] (point-major output channels). */
  private filter(weights: tf.Tensor2D): tf.Tensor4D {
    const { kernel, input } = this.layout;
    const g = weights.shape[0];
    const perPoint = this.kernel(weights);
    const stacked = g === 1 ? perPoint : tf.transpose(perPoint, [1, 0, 2]);
    return tf.reshape(stacked, [kernel, kernel, input.channels, g * this.filters]);
  }

  /** a [B, in] as NHWC images [B, H, W, C]. */
  private images(a: tf.Tensor, rows: number): tf.Tensor4D {
    const { height, width, channels } = this.layout.input;
    return tf.reshape(a, [rows, height, width, channels]);
  }

  /**
   * Pre-activations at one weight point for many rows, or at many points for rows they share (the query side),
   * by TensorFlow.js's own conv2d (XNNPACK on wasm); at G points with rows of their own, by im2col products (or, with
   * many rows each, one conv2d per point).
   */
  forward(a: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D {
    const [ga, r] = a.shape;
    const gw = weights.shape[0];
    const perPoint = gw > 1 && ga > 1 && r < CONV_PER_POINT_ROWS ? tf.tidy(() => this.patches(a)) : null;
    if (perPoint) this.lastPatches = { of: a, patches: perPoint };
    return tf.tidy(() => {
      const F = this.filters;
      const { stride, padding } = this.layout;
      const bias = tf.slice(weights, [0, this.layout.biasOffset], [-1, F]);
      if (gw === 1) {
        const z = tf.add(tf.conv2d(this.images(a, ga * r), this.filter(weights), stride, padding), tf.reshape(bias, [F]));
        return tf.reshape(z, [ga, r, this.positions * F]);
      }
      if (ga === 1) {
        const z = tf.conv2d(this.images(a, r), this.filter(weights), stride, padding);
        const byPoint = tf.transpose(tf.reshape(z, [r, this.positions, gw, F]), [2, 0, 1, 3]);
        return tf.reshape(tf.add(byPoint, tf.reshape(bias, [gw, 1, 1, F])), [gw, r, this.positions * F]);
      }
      if (r >= CONV_PER_POINT_ROWS) {
        const parts = Array.from({ length: gw }, (_, g) =>
          this.forward(tf.slice(a, [g, 0, 0], [1, -1, -1]), tf.slice(weights, [g, 0], [1, -1])),
        );
        return tf.concat(parts, 0);
      }
      const z = tf.add(matMulAtPoints(perPoint as tf.Tensor3D, this.kernel(weights)), tf.reshape(bias, [gw, 1, F]));
      return tf.reshape(z, [gw, r, this.positions * F]);
    });
  }

  /**
   * ∂s/∂a: at one weight point TensorFlow.js's conv2dTranspose (the exact input gradient of its conv2d); at many, each
   * patch's gradient δ_p Kᵀ summed back into the input values it read (a scatter-add, col2im).
   */
  backward(delta: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [g, r] = delta.shape;
      const { input, output, stride, padding } = this.layout;
      if (weights.shape[0] === 1) {
        const d = tf.reshape(delta, [g * r, output.height, output.width, this.filters]) as tf.Tensor4D;
        const back = tf.conv2dTranspose(d, this.filter(weights), [g * r, input.height, input.width, input.channels], stride, padding);
        return tf.reshape(back, [g, r, this.layout.inputs]);
      }
      const patchGrad = matMulAtPoints(tf.reshape(delta, [g, r * this.positions, this.filters]), this.kernel(weights), false, true);
      if (this.ownKernels())
        return tf.reshape(
          scatterPatches(tf.reshape(patchGrad, [g * r, this.positions * this.patchSize]), this.patchIndex, this.layout.inputs),
          [g, r, this.layout.inputs],
        );
      const columns = tf.transpose(tf.reshape(patchGrad, [g * r, this.positions * this.patchSize]));
      const index = tf.tensor2d(this.patchIndex, [this.patchIndex.length, 1], 'int32');
      const summed = tf.scatterND(index, columns, [this.layout.inputs + 1, g * r]);
      return tf.reshape(tf.transpose(tf.slice(summed, [0, 0], [this.layout.inputs, -1])), [g, r, this.layout.inputs]);
    });
  }

  summedGradient({ a, delta }: LayerFactors): tf.Tensor2D {
    return tf.tidy(() => {
      const [n, k] = delta.shape;
      const d = tf.reshape(delta, [n, k * this.positions, this.filters]) as tf.Tensor3D;
      const kernelGrad = tf.reshape(matMulAtPoints(this.patchesOf(a), d, true, false), [n, this.patchSize * this.filters]);
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
      ) as tf.Tensor3D;
      const projected = tf.reshape(matMulAtPoints(this.patches(a), uKernel), [g, b, this.positions, q, F]);
      const d = tf.reshape(delta, [g, b, this.positions, 1, F]);
      const kernelPart = tf.sum(tf.mul(projected, d), [2, 4]);
      const uBias = tf.slice(u, [0, 0, this.patchSize * F], [-1, -1, F]);
      const biasPart = matMulAtPoints(tf.sum(tf.reshape(delta, [g, b, this.positions, F]), 2) as tf.Tensor3D, uBias, false, true);
      return tf.add(kernelPart, biasPart) as tf.Tensor3D;
    });
  }
}
