/**
 * Max-pooling over non-overlapping windows (stride = size, `valid`) as kernels of our own on the wasm and cpu
 * backends: the pooled values, each window's arg-max, and the gradient routed back to it. TensorFlow.js has them as
 * 6-D transposes around a reduction, an arg-max and a one-hot product, most of a pool's time on the query side's
 * many small passes. Values are only compared and copied, so the results are the TensorFlow.js formulation's
 * (model/pooling.ts) bit for bit on wasm, ties going to the first arg-max in row-major window order as there, and
 * the gradient's other window members 0 · δ: training, which pools too, is unchanged. (A NaN counts as a window's
 * maximum only where it comes first, as in the wasm backend's Max; the cpu backend's Max propagates it. Runs with a
 * NaN are refused as diverged.)
 */
import * as tf from '@tensorflow/tfjs-core';
import { asFloat32, onBackend, onOwnKernelBackend, OWN_KERNEL_BACKENDS } from './ownKernel';

/** A pool's input [height, width, channels] and its output grid (whole windows only). */
export interface PoolGeometry {
  size: number;
  height: number;
  width: number;
  channels: number;
  outHeight: number;
  outWidth: number;
}

const POOL = 'KernelLensMaxPool';
const ARG_MAX = 'KernelLensMaxPoolArgMax';
const BACKWARD = 'KernelLensMaxPoolBackward';

/**
 * The index in `h` of every window's first maximum, flat over output rows: [rows·H_o·W_o·C]. Output row n reads
 * input row n % hRows.
 */
function firstArgMax(h: Float32Array, hRows: number, rows: number, geo: PoolGeometry): Int32Array {
  const { size, height, width, channels, outHeight, outWidth } = geo;
  const inRow = height * width * channels;
  const best = new Int32Array(rows * outHeight * outWidth * channels);
  if (size === 2) {
    windowsOfTwo(h, hRows, rows, geo, best);
    return best;
  }
  // Each window member's offset from the window's corner, in row-major window order.
  const members = new Int32Array(size * size);
  for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) members[dy * size + dx] = (dy * width + dx) * channels;
  const count = members.length;
  let o = 0;
  for (let n = 0; n < rows; n++) {
    const base = (n % hRows) * inRow;
    for (let oy = 0; oy < outHeight; oy++) {
      const rowCorner = oy * size * width * channels;
      for (let ox = 0; ox < outWidth; ox++) {
        const cellCorner = rowCorner + ox * size * channels;
        for (let c = 0; c < channels; c++) {
          const corner = cellCorner + c;
          let at = corner;
          let max = h[base + corner];
          for (let m = 1; m < count; m++) {
            const v = h[base + corner + members[m]];
            if (v > max) {
              max = v;
              at = corner + members[m];
            }
          }
          best[o++] = base + at;
        }
      }
    }
  }
  return best;
}

/** firstArgMax for 2 × 2 windows (the usual pool), unrolled: half the time of the general loop. */
function windowsOfTwo(h: Float32Array, hRows: number, rows: number, geo: PoolGeometry, best: Int32Array): void {
  const { width, channels, outHeight, outWidth } = geo;
  const inRow = geo.height * width * channels;
  const right = channels;
  const below = width * channels;
  let o = 0;
  for (let n = 0; n < rows; n++) {
    const base = (n % hRows) * inRow;
    for (let oy = 0; oy < outHeight; oy++)
      for (let ox = 0; ox < outWidth; ox++) {
        let i = base + (2 * oy * width + 2 * ox) * channels;
        for (let c = 0; c < channels; c++, i++) {
          let at = i;
          let max = h[i];
          let v = h[i + right];
          if (v > max) {
            max = v;
            at = i + right;
          }
          v = h[i + below];
          if (v > max) {
            max = v;
            at = i + below;
          }
          if (h[i + below + right] > max) at = i + below + right;
          best[o++] = at;
        }
      }
  }
}

/** out [rows, H_o·W_o·C] = each window's maximum. */
export function maxPoolInto(h: Float32Array, rows: number, geo: PoolGeometry, out: Float32Array): void {
  const best = firstArgMax(h, rows, rows, geo);
  for (let o = 0; o < best.length; o++) out[o] = h[best[o]];
}

/** out [rows, H_o·W_o·C] = each window's first arg-max, 0 … size²−1 in row-major window order. */
export function maxPoolArgMaxInto(h: Float32Array, rows: number, geo: PoolGeometry, out: Float32Array): void {
  const { size, width, channels } = geo;
  const inRow = geo.height * width * channels;
  const best = firstArgMax(h, rows, rows, geo);
  for (let o = 0; o < best.length; o++) {
    const pixel = Math.floor((best[o] % inRow) / channels);
    out[o] = (Math.floor(pixel / width) % size) * size + ((pixel % width) % size);
  }
}

/**
 * out [rows, H·W·C]: each window's gradient δ at its first arg-max, 0 elsewhere (and in a last partial row or column
 * of windows). `h` holds `hRows` rows, repeated over δ's rows (one input pooled at many weight points).
 */
export function maxPoolBackwardInto(
  h: Float32Array,
  hRows: number,
  delta: Float32Array,
  rows: number,
  geo: PoolGeometry,
  out: Float32Array,
): void {
  const { size, width, channels } = geo;
  const best = firstArgMax(h, hRows, rows, geo);
  const inRow = geo.height * width * channels;
  const outRow = geo.outHeight * geo.outWidth * channels;
  const outWidth = geo.outWidth;
  out.fill(0);
  for (let n = 0, o = 0; n < rows; n++) {
    const shift = (n - (n % hRows)) * inRow;
    const row = n * inRow;
    for (let k = 0; k < outRow; k++, o++) {
      // The other members get 0 · δ (−0 for a negative δ, NaN for an infinite one), as the one-hot product gave.
      const c = k % channels;
      const cell = (k - c) / channels;
      const ox = cell % outWidth;
      const oy = (cell - ox) / outWidth;
      const corner = row + (oy * size * width + ox * size) * channels + c;
      const zero = 0 * delta[o];
      for (let dy = 0; dy < size; dy++) for (let dx = 0; dx < size; dx++) out[corner + (dy * width + dx) * channels] = zero;
      out[best[o] + shift] = delta[o];
    }
  }
}

let registered = false;

/**
 * Registers the three kernels on the backends that exist (once), and the pool's gradient (its backward kernel), so
 * tf.grad still runs through a network's forward pass (the bench's naive baseline, tests).
 */
export function registerMaxPoolKernels(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: POOL,
    inputsToSave: ['h'],
    gradFunc: (dy, saved, attrs) => ({
      h: () => maxPoolBackward(saved[0] as tf.Tensor2D, dy as tf.Tensor2D, attrs as unknown as PoolGeometry),
    }),
  });
  for (const backendName of OWN_KERNEL_BACKENDS) {
    const register = (kernelName: string, run: (inputs: tf.TensorInfo[], geo: PoolGeometry, backend: tf.KernelBackend) => tf.TensorInfo) =>
      tf.registerKernel({
        kernelName,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) =>
          run(
            [inputs.h, inputs.delta].filter((x) => x !== undefined),
            attrs as unknown as PoolGeometry,
            backend as tf.KernelBackend,
          ),
      });
    const pooledShape = (x: tf.TensorInfo, geo: PoolGeometry) => [x.shape[0], geo.outHeight * geo.outWidth * geo.channels];
    register(POOL, ([h], geo, backend) =>
      onBackend(backendName, backend, [h], pooledShape(h, geo), ([values], out) => maxPoolInto(values, h.shape[0], geo, out)),
    );
    register(ARG_MAX, ([h], geo, backend) =>
      onBackend(backendName, backend, [h], pooledShape(h, geo), ([values], out) => maxPoolArgMaxInto(values, h.shape[0], geo, out)),
    );
    register(BACKWARD, ([h, delta], geo, backend) =>
      onBackend(backendName, backend, [h, delta], [delta.shape[0], geo.height * geo.width * geo.channels], ([values, d], out) =>
        maxPoolBackwardInto(values, h.shape[0], d, delta.shape[0], geo, out),
      ),
    );
  }
}

/** Whether the current backend has the kernels (the native backend does not: model/pooling.ts falls back). */
export function hasMaxPoolKernels(): boolean {
  return registered && onOwnKernelBackend();
}

function run(kernel: string, inputs: Record<string, tf.Tensor2D>, geo: PoolGeometry): tf.Tensor2D {
  return tf.engine().runKernel(kernel, inputs, geo as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/** h [N, H·W·C] → [N, H_o·W_o·C]. */
export function maxPool(h: tf.Tensor2D, geo: PoolGeometry): tf.Tensor2D {
  return run(POOL, { h: asFloat32(h) }, geo);
}

/** h [N, H·W·C] → each window's first arg-max [N, H_o·W_o·C] (float32). */
export function maxPoolArgMax(h: tf.Tensor2D, geo: PoolGeometry): tf.Tensor2D {
  return run(ARG_MAX, { h: asFloat32(h) }, geo);
}

/** h [N_h, H·W·C] (N_h dividing N), δ [N, H_o·W_o·C] → [N, H·W·C]. */
export function maxPoolBackward(h: tf.Tensor2D, delta: tf.Tensor2D, geo: PoolGeometry): tf.Tensor2D {
  return run(BACKWARD, { h: asFloat32(h), delta: asFloat32(delta) }, geo);
}
