/**
 * Batched matrix products [G, M, K] · [G, K, N] by the WebAssembly SIMD product (simd/matrixProduct.ts),
 * as a kernel of our own on the wasm and cpu backends. The query side evaluates a network at many weight points, each
 * with its own kernels, so its products are many small ones with a batch of their own, and tall thin ones (positions ×
 * a few filters): TensorFlow.js's wasm BatchMatMul runs both at 0.1–0.2 G multiply-adds a second (measured: 500 ×
 * [16 × 72]·[72 × 16] in 73 ms; this kernel 1.9 ms). Training keeps TensorFlow.js's products, so the trajectory a run
 * replays, and its fingerprints, do not depend on this kernel. Sums are float32 (in k order; dot products of rows
 * in eight lanes, then summed).
 */
import * as tf from '@tensorflow/tfjs-core';
import { matrixProduct } from '../simd/matrixProduct';
import { asFloat32, onBackend, onOwnKernelBackend, OWN_KERNEL_BACKENDS } from './ownKernel';

const KERNEL = 'KernelLensBatchedProduct';
/** Up to this many columns, a product with b transposed is dot products of rows (MatrixProduct.rowsDot). */
const DOT_PRODUCTS_UP_TO = 4;

export interface ProductShape {
  /** Batches of each operand: G, or 1 (broadcast). */
  aBatch: number;
  bBatch: number;
  M: number;
  K: number;
  N: number;
  /** a's batch is stored [K, M] (it is transposed), b's [N, K]. */
  transposeA: boolean;
  transposeB: boolean;
}

/** Writes the [rows, columns] transpose of `source` (stored [columns, rows] from `at`) into `into`. */
function transposeInto(source: Float32Array, at: number, rows: number, columns: number, into: Float32Array): void {
  for (let c = 0; c < columns; c++) {
    const from = at + c * rows;
    for (let r = 0; r < rows; r++) into[r * columns + c] = source[from + r];
  }
}

/** out [G, M, N] = op(a)·op(b) per batch, in the plain-array form (also the reference the tests check). */
export function batchedProductInto(a: Float32Array, b: Float32Array, shape: ProductShape, out: Float32Array): void {
  const { aBatch, bBatch, M, K, N, transposeA, transposeB } = shape;
  const G = Math.max(aBatch, bBatch);
  const product = matrixProduct();
  // op(a)ᵀ read in place is a: with a transposed and b not, Vᵀ = bᵀ·a transposes the narrower operands (b and V)
  // instead of a (im2col patches, the widest operand of a conv layer's gradient).
  const swapped = transposeA && !transposeB && N <= M;
  // A matrix times a few vectors (b transposed, stored [N, K]): dot products of rows read both operands in place.
  const dots = transposeB && !transposeA && N <= DOT_PRODUCTS_UP_TO;
  for (let g = 0; g < G; g++) {
    const aAt = (aBatch === 1 ? 0 : g) * M * K;
    const bAt = (bBatch === 1 ? 0 : g) * K * N;
    if (dots) {
      const v = product.rowsDot(
        (into) => into.set(a.subarray(aAt, aAt + M * K)),
        (into) => into.set(b.subarray(bAt, bAt + K * N)),
        M,
        K,
        N,
      );
      out.set(v, g * M * N);
      continue;
    }
    if (swapped) {
      const vT = product.rowsTimes((into) => transposeInto(b, bAt, N, K, into), a.subarray(aAt, aAt + M * K), N, K, M);
      transposeInto(vT, 0, M, N, out.subarray(g * M * N, (g + 1) * M * N));
      continue;
    }
    const v = product.rowsTimes(
      (into) => (transposeA ? transposeInto(a, aAt, M, K, into) : into.set(a.subarray(aAt, aAt + M * K))),
      transposeB ? (into) => transposeInto(b, bAt, K, N, into) : b.subarray(bAt, bAt + K * N),
      M,
      K,
      N,
    );
    out.set(v, g * M * N);
  }
}

let registered = false;

/** Registers the kernel on the backends that exist (once). */
export function registerBatchedProductKernel(): void {
  if (registered) return;
  registered = true;
  for (const backendName of OWN_KERNEL_BACKENDS)
    tf.registerKernel({
      kernelName: KERNEL,
      backendName,
      kernelFunc: ({ inputs, backend, attrs }) => {
        const shape = attrs as unknown as ProductShape;
        const outShape = [Math.max(shape.aBatch, shape.bBatch), shape.M, shape.N];
        return onBackend(
          backendName,
          backend as tf.KernelBackend,
          [inputs.a as tf.TensorInfo, inputs.b as tf.TensorInfo],
          outShape,
          ([a, b], out) => batchedProductInto(a, b, shape, out),
        );
      },
    });
}

/**
 * tf.matMul of two rank-3 tensors (batch 1 broadcast) by the kernel above where the backend has it, else by
 * TensorFlow.js (the native backend's products are fast).
 */
export function batchedMatMul(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  if (!registered || !onOwnKernelBackend()) return tf.matMul(a, b, transposeA, transposeB);
  const [aBatch, a1, a2] = a.shape;
  const [bBatch, b1, b2] = b.shape;
  const [M, K] = transposeA ? [a2, a1] : [a1, a2];
  const [bK, N] = transposeB ? [b2, b1] : [b1, b2];
  if (K !== bK || (aBatch !== bBatch && aBatch !== 1 && bBatch !== 1))
    throw new Error(`batchedMatMul: shapes [${a.shape}] and [${b.shape}] do not multiply`);
  const attrs = { aBatch, bBatch, M, K, N, transposeA, transposeB } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(KERNEL, { a: asFloat32(a), b: asFloat32(b) }, attrs) as tf.Tensor3D;
}

/**
 * A layer's product at G weight points: by batchedMatMul when G > 1 (the query side), by TensorFlow.js at one point,
 * which is what training and replay run, so their arithmetic (and a run's fingerprints) never depend on this kernel.
 */
export function matMulAtPoints(a: tf.Tensor3D, b: tf.Tensor3D, transposeA = false, transposeB = false): tf.Tensor3D {
  return Math.max(a.shape[0], b.shape[0]) > 1 ? batchedMatMul(a, b, transposeA, transposeB) : tf.matMul(a, b, transposeA, transposeB);
}
