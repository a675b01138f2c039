/**
 * What our own TensorFlow.js kernels share (patches.ts, batchedProduct.ts, maxPool.ts): the backends they are
 * registered on, and running a plain-array routine on a backend's own memory. Training and explanations never
 * differentiate through them (they use the layers' factors); only the max-pool, which a forward pass at one weight
 * point also runs, has a gradient, for tf.grad through a network (the bench's naive baseline, tests).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

export const OWN_KERNEL_BACKENDS = ['wasm', 'cpu'] as const;

/** Whether the current backend has our kernels (the native backend does not: callers fall back to TensorFlow.js). */
export function onOwnKernelBackend(): boolean {
  return (OWN_KERNEL_BACKENDS as readonly string[]).includes(tf.getBackend());
}

/**
 * Runs `fill(inputs, out)` on a backend's own memory: wasm views of its heap (taken after the output is allocated,
 * which may grow the heap), or the cpu backend's arrays. Inputs and output are float32.
 */
export function onBackend(
  backendName: string,
  backend: tf.KernelBackend,
  inputs: tf.TensorInfo[],
  shape: number[],
  fill: (inputs: Float32Array[], out: Float32Array) => void,
): tf.TensorInfo {
  if (backendName === 'wasm') {
    const wasm = backend as BackendWasm;
    const out = wasm.makeOutput(shape, 'float32');
    fill(
      inputs.map((x) => wasm.typedArrayFromHeap(x) as Float32Array),
      wasm.typedArrayFromHeap(out) as Float32Array,
    );
    return out;
  }
  const cpu = backend as MathBackendCPU;
  const values = new Float32Array(tf.util.sizeFromShape(shape));
  fill(
    inputs.map((x) => cpu.readSync(x.dataId) as Float32Array),
    values,
  );
  return cpu.makeTensorInfo(shape, 'float32', values);
}

/** x as float32 (the wasm backend's Cast copies even to the same dtype, so it is skipped then). */
export function asFloat32<T extends tf.Tensor>(x: T): T {
  return x.dtype === 'float32' ? x : (tf.cast(x, 'float32') as T);
}
