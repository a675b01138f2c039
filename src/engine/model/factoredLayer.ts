import * as tf from '@tensorflow/tfjs-core';
import type { DenseLayerLayout } from './parameterLayout';
import { matMulAtPoints } from '../kernels/batchedProduct';

/**
 * A layer's per-example factors at G weight points for R rows each: its inputs `a` [G, R, in] and the gradient of
 * a scalar with respect to its pre-activations `δ` [G, R, out] (path-kernel.md §3). Only summedGradient also takes
 * an `a` of [1, R, in], the same inputs at every point (network.ts `sharedInputs`).
 * Everything the path kernel needs from a layer is expressed through these factors, so other layer
 * kinds (convolution, …) can join by implementing `FactoredLayer`.
 */
export interface LayerFactors {
  a: tf.Tensor3D;
  delta: tf.Tensor3D;
}

export interface FactoredLayer {
  readonly parameterCount: number;
  readonly parameterOffset: number;
  /** Pre-activations z [G, R, out] for inputs a [G, R, in] and flat weights [G, P] (or [1, P], broadcast). */
  forward(a: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D;
  /** ∂s/∂a [G, R, in] from ∂s/∂z [G, R, out]. */
  backward(delta: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D;
  /**
   * Σ_k of per-example parameter gradients over K rows: a [N, K, in] (or [1, K, in], the same rows in every group),
   * δ [N, K, out] → [N, parameterCount].
   */
  summedGradient(factors: LayerFactors): tf.Tensor2D;
  /** Per-example gradient · u: u [G, Q, parameterCount], factors over G groups of B rows → [G, B, Q]. */
  gradientDot(u: tf.Tensor3D, factors: LayerFactors): tf.Tensor3D;
}

export class DenseLayer implements FactoredLayer {
  readonly parameterCount: number;
  readonly parameterOffset: number;

  constructor(readonly layout: DenseLayerLayout) {
    this.parameterCount = layout.inputs * layout.outputs + layout.outputs;
    this.parameterOffset = layout.kernelOffset;
  }

  private kernel(weights: tf.Tensor2D): tf.Tensor3D {
    const { inputs, outputs, kernelOffset } = this.layout;
    return tf.reshape(tf.slice(weights, [0, kernelOffset], [-1, inputs * outputs]), [-1, inputs, outputs]);
  }

  private bias(weights: tf.Tensor2D): tf.Tensor3D {
    const { outputs, biasOffset } = this.layout;
    return tf.reshape(tf.slice(weights, [0, biasOffset], [-1, outputs]), [-1, 1, outputs]);
  }

  forward(a: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => tf.add(matMulAtPoints(a, this.kernel(weights)), this.bias(weights)));
  }

  backward(delta: tf.Tensor3D, weights: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => matMulAtPoints(delta, this.kernel(weights), false, true));
  }

  summedGradient({ a, delta }: LayerFactors): tf.Tensor2D {
    return tf.tidy(() => {
      const n = delta.shape[0];
      const kernelGrad = tf.reshape(matMulAtPoints(a, delta, true, false), [n, this.layout.inputs * this.layout.outputs]);
      const biasGrad = tf.sum(delta, 1);
      return tf.concat([kernelGrad, biasGrad], 1) as tf.Tensor2D;
    });
  }

  gradientDot(u: tf.Tensor3D, { a, delta }: LayerFactors): tf.Tensor3D {
    return tf.tidy(() => {
      const { inputs, outputs } = this.layout;
      const [g, q] = u.shape;
      const b = a.shape[1];
      // Kernel part: Σ_jk a_j U_jk δ_k = rowsum((δ Uᵀ) ⊙ a) per query.
      const uKernel = tf.reshape(tf.slice(u, [0, 0, 0], [-1, -1, inputs * outputs]), [g, q * inputs, outputs]) as tf.Tensor3D;
      const deltaU = matMulAtPoints(delta, uKernel, false, true); // [G, B, Q*in]
      const kernelPart = tf.sum(tf.mul(tf.reshape(deltaU, [g, b, q, inputs]), tf.reshape(a, [g, b, 1, inputs])), 3);
      const uBias = tf.slice(u, [0, 0, inputs * outputs], [-1, -1, outputs]); // [G, Q, out]
      const biasPart = matMulAtPoints(delta, uBias, false, true); // [G, B, Q]
      return tf.add(kernelPart, biasPart) as tf.Tensor3D;
    });
  }
}
