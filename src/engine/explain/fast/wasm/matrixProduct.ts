import { MATRIX_PRODUCT_WASM_BASE64 } from './wasmModules';

interface ProductExports {
  memory: WebAssembly.Memory;
  rows_times: (a: number, u: number, v: number, R: number, K: number, N: number, scratch: number) => void;
}

let compiled: WebAssembly.Module | null = null;

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;
/** Room after U for the kernel's reads past a row's end (15 floats), and the scratch of a last narrow chunk (32 floats). */
const SLACK = 64;
const SCRATCH = 128;
const PAGE = 65536;

/**
 * V = A·U in float32 by the WebAssembly SIMD kernel (matrixProduct.wat), for products too small to pay for
 * TensorFlow.js's dispatch and too large for plain loops (the logits' deltas of a replayed step). One instance per
 * thread; its memory grows to the largest product asked for.
 */
export class MatrixProduct {
  private readonly exports: ProductExports;

  constructor() {
    compiled ??= new WebAssembly.Module(Buffer.from(MATRIX_PRODUCT_WASM_BASE64, 'base64'));
    this.exports = new WebAssembly.Instance(compiled, {}).exports as unknown as ProductExports;
  }

  /**
   * A [R, K] times U [K, N], row-major; the result is a view of the kernel's memory, valid until the next call.
   * `fillA` writes A into the view it is given (so A is formed in place, not copied).
   */
  rowsTimes(fillA: (a: Float32Array) => void, u: Float32Array, R: number, K: number, N: number): Float32Array {
    const aAt = 0;
    const uAt = align(R * K * 4);
    const vAt = uAt + align(K * N * 4) + SLACK;
    const scratchAt = vAt + align(R * N * 4);
    const needed = scratchAt + SCRATCH;
    const { memory } = this.exports;
    if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
    fillA(new Float32Array(memory.buffer, aAt, R * K));
    new Float32Array(memory.buffer, uAt, K * N).set(u.subarray(0, K * N));
    this.exports.rows_times(aAt, uAt, vAt, R, K, N, scratchAt);
    return new Float32Array(memory.buffer, vAt, R * N);
  }
}

let perThread: MatrixProduct | null = null;

/** This thread's product kernel (every caller uses a result before its next call, so one instance serves them all). */
export function matrixProduct(): MatrixProduct {
  perThread ??= new MatrixProduct();
  return perThread;
}
