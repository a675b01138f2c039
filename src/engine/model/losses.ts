import * as tf from '@tensorflow/tfjs-core';
import type { TaskKind } from '../../protocol';

/**
 * Per-example losses ℓ_i for outputs f [.., R, C] and targets, and their output gradients g_i = ∂ℓ_i/∂f.
 * The batch loss is the mean of ℓ_i (as in TensorFlow.js), so the step uses ḡ = mean_i J_iᵀ g_i.
 * - regression: ℓ = (f − y)², g = 2(f − y)
 * - binary (one logit z): ℓ = softplus(z) − y z, g = σ(z) − y
 * - multiclass (logits z): ℓ = logsumexp(z) − z_y, g = softmax(z) − onehot(y)
 */
export function perExampleLoss(task: TaskKind, output: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (task) {
      case 'regression':
        return tf.sum(tf.square(tf.sub(output, tf.expandDims(target, -1))), -1);
      case 'binary': {
        const z = tf.squeeze(output, [-1]);
        const y = tf.cast(target, 'float32');
        // max(z,0) − z·y + log(1 + e^−|z|): the stable form of softplus(z) − y z.
        return tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
      }
      case 'multiclass': {
        const classes = output.shape[output.shape.length - 1];
        const oneHot = tf.oneHot(tf.cast(target, 'int32'), classes);
        return tf.sub(tf.logSumExp(output, -1), tf.sum(tf.mul(output, oneHot), -1));
      }
    }
  });
}

export function outputGradient(task: TaskKind, output: tf.Tensor, target: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (task) {
      case 'regression':
        return tf.mul(2, tf.sub(output, tf.expandDims(target, -1)));
      case 'binary':
        return tf.sub(tf.sigmoid(output), tf.expandDims(tf.cast(target, 'float32'), -1));
      case 'multiclass': {
        const classes = output.shape[output.shape.length - 1];
        return tf.sub(tf.softmax(output), tf.oneHot(tf.cast(target, 'int32'), classes));
      }
    }
  });
}

/**
 * Below this a label's probability reads as it when recovered from an output gradient: float32 (the path index's
 * storage) resolves g_y = p_y − 1 no finer near −1, so a loss from g tops out at −ln 2⁻²⁴ ≈ 16.6.
 */
const SMALLEST_PROBABILITY = 2 ** -24;

/**
 * ℓ_i recovered from its output gradient g (`outputGradient`, the path index's output-layer δ) at `offset`, `width`
 * values: regression Σ (g/2)²; binary −ln(1 − |g|) (p_y = 1 − |σ(z) − y|); multiclass −ln(1 + g_y). Exact in real
 * numbers; float32's g keeps small losses to its relative precision (log1p) and caps large ones (SMALLEST_PROBABILITY).
 */
export function lossFromOutputGradient(task: TaskKind, g: ArrayLike<number>, offset: number, width: number, target: number): number {
  switch (task) {
    case 'regression': {
      let loss = 0;
      for (let c = 0; c < width; c++) loss += (g[offset + c] / 2) ** 2;
      return loss;
    }
    case 'binary':
      return -Math.log1p(-Math.min(Math.abs(g[offset]), 1 - SMALLEST_PROBABILITY));
    case 'multiclass':
      return -Math.log1p(Math.max(g[offset + target], SMALLEST_PROBABILITY - 1));
  }
}
