import { MATRIX_PRODUCT_WASM_BASE64 } from './wasmModules';

interface ProductExports {
  memory: WebAssembly.Memory;
  rows_times: (a: number, u: number, v: number, R: number, K: number, N: number, scratch: number) => void;
  rows_dot: (a: number, b: number, v: number, R: number, K: number, N: number) => void;
}

let compiled: WebAssembly.Module | null = null;

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
/** Room after U for the kernel's reads past a row's end (15 floats), and the scratch of a last narrow chunk (32 floats). */
const SLACK = 64;
const SCRATCH = 128;
const PAGE = 65536;

/**
 * V = A·U (and A·Bᵀ as dot products of rows) in float32 by the WebAssembly SIMD kernel (matrixProduct.wat), for
 * products too small to pay for TensorFlow.js's dispatch or shaped badly for it: the logits' deltas of a replayed
 * step, the query side's products at many weight points (kernels/batchedProduct.ts), a CNN's contraction with its
 * cached gradients. One instance per thread; its memory grows to the largest product asked for.
 */
export class MatrixProduct {
  private readonly exports: ProductExports;

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(MATRIX_PRODUCT_WASM_BASE64, 'base64'));
    this.exports = new WebAssembly.Instance(compiled, {}).exports as unknown as ProductExports;
  }

  /**
   * A [R, K] times U [K, N], row-major; the result is a view of the kernel's memory, valid until the next call.
   * `fillA` writes A into the view it is given (so A is formed in place, not copied); U is copied, or written by a
   * function the same way.
   */
  rowsTimes(
    fillA: (a: Float32Array) => void,
    u: Float32Array | ((u: Float32Array) => void),
    R: number,
    K: number,
    N: number,
  ): Float32Array {
    const aAt = 0;
    const uAt = align(R * K * 4);
    const vAt = uAt + align(K * N * 4) + SLACK;
    const scratchAt = vAt + align(R * N * 4);
    this.reserve(scratchAt + SCRATCH);
    const { memory } = this.exports;
    fillA(new Float32Array(memory.buffer, aAt, R * K));
    const uView = new Float32Array(memory.buffer, uAt, K * N);
    if (typeof u === 'function') u(uView);
    else uView.set(u.subarray(0, K * N));
    this.exports.rows_times(aAt, uAt, vAt, R, K, N, scratchAt);
    return new Float32Array(memory.buffer, vAt, R * N);
  }

  /**
   * V [R, N] = A [R, K] · Bᵀ for B [N, K] (dot products of rows: a matrix times a few vectors), written in place by
   * `fillA` and `fillB`; the result is a view of the kernel's memory, valid until the next call.
   */
  rowsDot(fillA: (a: Float32Array) => void, fillB: (b: Float32Array) => void, R: number, K: number, N: number): Float32Array {
    const aAt = 0;
    const bAt = align(R * K * 4);
    const vAt = bAt + align(N * K * 4);
    this.reserve(vAt + align(R * N * 4));
    const { memory } = this.exports;
    fillA(new Float32Array(memory.buffer, aAt, R * K));
    fillB(new Float32Array(memory.buffer, bAt, N * K));
    this.exports.rows_dot(aAt, bAt, vAt, R, K, N);
    return new Float32Array(memory.buffer, vAt, R * N);
  }

  private reserve(bytes: number): void {
    const { memory } = this.exports;
    if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE));
  }
}

let perThread: MatrixProduct | null = null;

/** This thread's product kernel (every caller uses a result before its next call, so one instance serves them all). */
export function matrixProduct(): MatrixProduct {
  perThread ??= new MatrixProduct();
  return perThread;
}
