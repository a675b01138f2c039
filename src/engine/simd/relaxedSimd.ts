import { setFlagsFromString } from 'node:v8';

/** Set to 1 to keep the plain SIMD kernels (comparisons, and a processor whose fused results should be ruled out). */
export const PLAIN_SIMD_VARIABLE = 'KERNEL_LENS_PLAIN_SIMD';

/**
 * Whether this process compiles WebAssembly's relaxed SIMD (`module` uses it). VS Code's Electron and Node 22 have
 * it on; Node 20's V8 (11.3) has it behind `--experimental-wasm-relaxed-simd`, which is turned on here before the
 * first such module is compiled. A runtime without it keeps the plain kernels: the same explanations, slower.
 */
export function relaxedSimd(module: Uint8Array<ArrayBuffer>): boolean {
  if (process.env[PLAIN_SIMD_VARIABLE] === '1') return false;
  if (WebAssembly.validate(module)) return true;
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    // a runtime without the flag keeps the plain kernels
  }
  return WebAssembly.validate(module);
}
