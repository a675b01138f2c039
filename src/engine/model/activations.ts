import * as tf from '@tensorflow/tfjs-core';
import type { Activation } from '../../protocol';

/** The activation as a TensorFlow.js op (gelu in TensorFlow.js's tanh form). */
export function activate(kind: Activation, z: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'relu':
      return tf.relu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'softplus':
      return tf.softplus(z);
    case 'linear':
      return z;
    case 'gelu':
      return gelu(z);
  }
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** TensorFlow.js layers' gelu: 0.5·z·(1 + tanh(√(2/π)(z + 0.044715 z³))). */
function gelu(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(GELU_C, tf.add(z, tf.mul(0.044715, tf.pow(z, 3))));
    return tf.mul(tf.mul(0.5, z), tf.add(1, tf.tanh(inner)));
  });
}

/** dσ/dz evaluated at the pre-activation z (the backward pass multiplies δ by it). */
export function activationDerivative(kind: Activation, z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    switch (kind) {
      case 'relu':
        return tf.cast(tf.greater(z, 0), 'float32');
      case 'tanh': {
        const t = tf.tanh(z);
        return tf.sub(1, tf.mul(t, t));
      }
      case 'sigmoid': {
        const s = tf.sigmoid(z);
        return tf.mul(s, tf.sub(1, s));
      }
      case 'softplus':
        return tf.sigmoid(z);
      case 'linear':
        return tf.onesLike(z);
      case 'gelu': {
        const z3 = tf.pow(z, 3);
        const inner = tf.mul(GELU_C, tf.add(z, tf.mul(0.044715, z3)));
        const t = tf.tanh(inner);
        const dInner = tf.mul(GELU_C, tf.add(1, tf.mul(3 * 0.044715, tf.mul(z, z))));
        return tf.add(tf.mul(0.5, tf.add(1, t)), tf.mul(tf.mul(0.5, z), tf.mul(tf.sub(1, tf.mul(t, t)), dInner)));
      }
    }
  });
}
