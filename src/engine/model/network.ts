import * as tf from '@tensorflow/tfjs-core';
import { activate, activationDerivative } from './activations';
import { DenseLayer, type FactoredLayer, type LayerFactors } from './factoredLayer';
import { ConvLayer } from './convLayer';
import { pool, poolBackward } from './pooling';
import type { LayerLayout, ParameterLayout } from './parameterLayout';
import type { Activation } from '../../protocol';

/** What a batched forward pass keeps for the backward pass. */
export interface ForwardPass {
  /** Network outputs [G, R, C]. */
  output: tf.Tensor3D;
  /** Each layer's inputs [G, R, in]. */
  inputs: tf.Tensor3D[];
  /** Each layer's pre-activations [G, R, out]. */
  preActivations: tf.Tensor3D[];
  /** Per layer, the input of each of its pools (the first is the layer's activation). */
  poolInputs: tf.Tensor3D[][];
}

function factoredLayer(layout: LayerLayout): FactoredLayer {
  return layout.kind === 'dense' ? new DenseLayer(layout) : new ConvLayer(layout);
}

/**
 * A network of dense and convolutional layers (with pools after their activations) evaluated at many weight points
 * at once: G flat weight vectors [G, P], R rows each, activations flat channels last. Examples never interact, so
 * one forward and one backward pass give every example's factors.
 */
export class FactoredNetwork {
  readonly layers: FactoredLayer[];
  readonly activations: Activation[];

  constructor(readonly layout: ParameterLayout) {
    this.layers = layout.layers.map(factoredLayer);
    this.activations = layout.layers.map((l) => l.activation);
  }

  get parameterCount(): number {
    return this.layout.parameterCount;
  }

  /** x [G or 1, R, in]; weights [G, P]. The caller disposes the result (or runs inside tf.tidy). */
  forward(weights: tf.Tensor2D, x: tf.Tensor3D): ForwardPass {
    const inputs: tf.Tensor3D[] = [];
    const preActivations: tf.Tensor3D[] = [];
    const poolInputs: tf.Tensor3D[][] = [];
    let a = x;
    for (let l = 0; l < this.layers.length; l++) {
      inputs.push(a);
      const z = this.layers[l].forward(a, weights);
      preActivations.push(z);
      a = activate(this.activations[l], z) as tf.Tensor3D;
      const kept: tf.Tensor3D[] = [];
      for (const p of this.layout.layers[l].pools) {
        kept.push(a);
        a = pool(p, a);
      }
      poolInputs.push(kept);
    }
    return { output: a, inputs, preActivations, poolInputs };
  }

  /** ∂s/∂(layer l's activation) from ∂s/∂(its pooled output); `tile` repeats the pass's rows (stacked classes). */
  private throughPools(pass: ForwardPass, l: number, delta: tf.Tensor3D, tile = 1): tf.Tensor3D {
    const pools = this.layout.layers[l].pools;
    for (let k = pools.length - 1; k >= 0; k--) {
      const input = tile > 1 ? (tf.tile(pass.poolInputs[l][k], [1, tile, 1]) as tf.Tensor3D) : pass.poolInputs[l][k];
      delta = poolBackward(pools[k], input, delta);
    }
    return delta;
  }

  /**
   * Per-layer factors of the scalar whose gradient w.r.t. the outputs is `outputGradient` [G, R, C]. With
   * `sharedInputs`, an input the pass was given once for all G points (x [1, R, in]) stays [1, R, in] in the first
   * layer's factors instead of being repeated G times: summedGradient then forms its patches once.
   */
  factors(pass: ForwardPass, weights: tf.Tensor2D, outputGradient: tf.Tensor3D, sharedInputs = false): LayerFactors[] {
    const result: LayerFactors[] = new Array(this.layers.length);
    let delta = outputGradient;
    for (let l = this.layers.length - 1; l >= 0; l--) {
      delta = this.throughPools(pass, l, delta);
      if (this.activations[l] !== 'linear')
        delta = tf.mul(delta, activationDerivative(this.activations[l], pass.preActivations[l])) as tf.Tensor3D;
      const a =
        pass.inputs[l].shape[0] === delta.shape[0] || (sharedInputs && pass.inputs[l].shape[0] === 1)
          ? pass.inputs[l]
          : (tf.broadcastTo(pass.inputs[l], [delta.shape[0], pass.inputs[l].shape[1], pass.inputs[l].shape[2]]) as tf.Tensor3D);
      result[l] = { a, delta };
      if (l > 0) delta = this.layers[l].backward(delta, weights);
    }
    return result;
  }

  /**
   * For one weight point (pass of [1, B] rows): the gradient δ [1, K·B, out] of each listed output logit with respect
   * to every layer's pre-activations, the K classes stacked as extra rows (row k·B + b: class k, example b), so each
   * layer is one plain matrix product whatever K is.
   */
  outputDeltas(pass: ForwardPass, weights: tf.Tensor2D, classes: readonly number[]): tf.Tensor3D[] {
    const [, B, C] = pass.output.shape;
    const K = classes.length;
    const seed = new Float32Array(K * B * C);
    classes.forEach((cls, k) => {
      for (let b = 0; b < B; b++) seed[(k * B + b) * C + cls] = 1;
    });
    const result: tf.Tensor3D[] = new Array(this.layers.length);
    let delta = tf.tensor3d(seed, [1, K * B, C]);
    for (let l = this.layers.length - 1; l >= 0; l--) {
      delta = this.throughPools(pass, l, delta, K);
      if (this.activations[l] !== 'linear')
        delta = tf.mul(delta, tf.tile(activationDerivative(this.activations[l], pass.preActivations[l]), [1, K, 1])) as tf.Tensor3D;
      result[l] = delta;
      if (l > 0) delta = this.layers[l].backward(delta, weights);
    }
    return result;
  }

  /** Σ over the K rows of each group of the flat parameter gradient: → [N, P]. */
  summedGradient(factors: LayerFactors[]): tf.Tensor2D {
    return tf.concat(
      factors.map((f, l) => this.layers[l].summedGradient(f)),
      1,
    ) as tf.Tensor2D;
  }

  /** Per-example gradient · u for u [G, Q, P] and factors over G groups of B rows → [G, B, Q]. */
  gradientDot(u: tf.Tensor3D, factors: LayerFactors[]): tf.Tensor3D {
    return tf.tidy(() => {
      let total: tf.Tensor3D | null = null;
      for (let l = 0; l < this.layers.length; l++) {
        const layer = this.layers[l];
        const slice = tf.slice(u, [0, 0, layer.parameterOffset], [-1, -1, layer.parameterCount]) as tf.Tensor3D;
        const part = layer.gradientDot(slice, factors[l]);
        total = total ? (tf.add(total, part) as tf.Tensor3D) : part;
      }
      return total as tf.Tensor3D;
    });
  }
}
