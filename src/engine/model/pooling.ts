import * as tf from '@tensorflow/tfjs-core';
import type { PoolLayout } from './parameterLayout';
import { hasMaxPoolKernels, maxPool, maxPoolArgMax, maxPoolBackward, type PoolGeometry } from '../kernels/maxPool';

/**
 * Max and average pooling over non-overlapping windows (stride = size, `valid` padding: a last partial row or
 * column of windows is dropped) on flat channels-last activations [G, R, H·W·C]. Pools have no parameters: they
 * only carry values forward and gradients back. Max-pooling routes a window's gradient to its first arg-max in
 * row-major window order, which, like ReLU, is piecewise constant along a step (path-kernel.md §3.1).
 */

/** [G, R, H·W·C] → windows [G·R, H_o, s, W_o, s, C] (cropped to whole windows). */
function windows(p: PoolLayout, h: tf.Tensor3D): tf.Tensor {
  const { size: s, input, output } = p;
  const rows = h.shape[0] * h.shape[1];
  let map: tf.Tensor = tf.reshape(h, [rows, input.height, input.width, input.channels]);
  if (output.height * s !== input.height || output.width * s !== input.width)
    map = tf.slice(map, [0, 0, 0, 0], [-1, output.height * s, output.width * s, -1]);
  return tf.reshape(map, [rows, output.height, s, output.width, s, input.channels]);
}

/** `auto`: max-pools by our own kernels where the backend has them; `tensorflow`: by TensorFlow.js ops (tests). */
export type PoolForm = 'auto' | 'tensorflow';

/** A max-pool's geometry for our own kernels (kernels/maxPool.ts), or null where they do not run. */
function ownMaxPool(p: PoolLayout, form: PoolForm): PoolGeometry | null {
  if (form !== 'auto' || p.kind !== 'maxPool2d' || !hasMaxPoolKernels()) return null;
  const { size, input, output } = p;
  return { size, height: input.height, width: input.width, channels: input.channels, outHeight: output.height, outWidth: output.width };
}

/** [G, R, d] as [G·R, d]. */
function rowsOf(h: tf.Tensor3D): tf.Tensor2D {
  return tf.reshape(h, [h.shape[0] * h.shape[1], h.shape[2]]);
}

export function pool(p: PoolLayout, h: tf.Tensor3D, form: PoolForm = 'auto'): tf.Tensor3D {
  return tf.tidy(() => {
    const own = ownMaxPool(p, form);
    if (own) return tf.reshape(maxPool(rowsOf(h), own), [h.shape[0], h.shape[1], -1]);
    const w = windows(p, h);
    const pooled = p.kind === 'maxPool2d' ? tf.max(w, [2, 4]) : tf.mean(w, [2, 4]);
    return tf.reshape(pooled, [h.shape[0], h.shape[1], p.output.height * p.output.width * p.output.channels]);
  });
}

/** ∂s/∂h [G, R, H·W·C] from ∂s/∂pool(h) [G, R, H_o·W_o·C]; `h` is the pool's input. */
export function poolBackward(p: PoolLayout, h: tf.Tensor3D, delta: tf.Tensor3D, form: PoolForm = 'auto'): tf.Tensor3D {
  return tf.tidy(() => {
    const { size: s, input, output } = p;
    const [g, r] = delta.shape;
    const own = ownMaxPool(p, form);
    if (own) return tf.reshape(maxPoolBackward(rowsOf(h), rowsOf(delta), own), [g, r, -1]);
    const rows = g * r;
    const outer = [rows, output.height, output.width, input.channels];
    let spread: tf.Tensor;
    if (p.kind === 'maxPool2d') {
      // Broadcast h against δ's weight points first (the query side pools one input at many weights).
      const values = h.shape[0] === g ? h : (tf.broadcastTo(h, [g, r, h.shape[2]]) as tf.Tensor3D);
      const flat = tf.reshape(tf.transpose(windows(p, values), [0, 1, 3, 5, 2, 4]), [...outer, s * s]);
      // oneHot as int32, then cast: tfjs-backend-wasm 4.22's OneHot writes int32 bits whatever dtype is asked for.
      const mask = tf.reshape(tf.cast(tf.oneHot(tf.reshape(tf.argMax(flat, 4), [-1]), s * s), 'float32'), [...outer, s * s]);
      const routed = tf.mul(mask, tf.reshape(delta, [...outer, 1]));
      spread = tf.transpose(tf.reshape(routed, [...outer, s, s]), [0, 1, 4, 2, 5, 3]);
    } else {
      const share = tf.div(tf.reshape(delta, [rows, output.height, 1, output.width, 1, input.channels]), s * s);
      spread = tf.broadcastTo(share, [rows, output.height, s, output.width, s, input.channels]);
    }
    let map = tf.reshape(spread, [rows, output.height * s, output.width * s, input.channels]);
    if (output.height * s !== input.height || output.width * s !== input.width)
      map = tf.pad(map, [
        [0, 0],
        [0, input.height - output.height * s],
        [0, input.width - output.width * s],
        [0, 0],
      ]);
    return tf.reshape(map, [g, r, input.height * input.width * input.channels]);
  });
}

/** Each window's arg-max (0 … size²−1, first in row-major order) [G, R, H_o·W_o·C]: which input a max-pool routes to. */
export function poolArgMax(p: PoolLayout, h: tf.Tensor3D, form: PoolForm = 'auto'): tf.Tensor3D {
  return tf.tidy(() => {
    const { size: s, output } = p;
    const [g, r] = h.shape;
    const own = ownMaxPool(p, form);
    if (own) return tf.reshape(maxPoolArgMax(rowsOf(h), own), [g, r, -1]);
    const flat = tf.reshape(tf.transpose(windows(p, h), [0, 1, 3, 5, 2, 4]), [g * r, output.height, output.width, output.channels, s * s]);
    return tf.reshape(tf.argMax(flat, 4), [g, r, output.height * output.width * output.channels]);
  });
}
