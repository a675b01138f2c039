/**
 * im2col and col2im as kernels of our own on the wasm and cpu backends. A conv layer's patches are a gather of its
 * input by a fixed index (convLayer.ts `patchIndex`), and its input gradient at many weight points the matching
 * scatter-add. TensorFlow.js has them only as a 0/1 selection matrix product (k·k·positions multiply-adds per input
 * value: most of a CNN explanation's time went there), an element-wise Gather that is slower still on wasm, or a
 * scatterND between two transposes. These copy and add, reading and writing the backend's memory in place.
 */
import * as tf from '@tensorflow/tfjs-core';
import { asFloat32, onBackend, onOwnKernelBackend, OWN_KERNEL_BACKENDS } from './ownKernel';

const GATHER = 'KernelLensPatchGather';
const SCATTER = 'KernelLensPatchScatter';

/** out[n, m] = x[n, index[m]], or 0 where index[m] = inputs (the padding). */
export function gatherPatchesInto(x: Float32Array, rows: number, inputs: number, index: Int32Array, out: Float32Array): void {
  const columns = index.length;
  for (let n = 0; n < rows; n++) {
    const from = n * inputs;
    const to = n * columns;
    for (let m = 0; m < columns; m++) {
      const i = index[m];
      out[to + m] = i < inputs ? x[from + i] : 0;
    }
  }
}

/** out[n, index[m]] += cols[n, m] for index[m] < inputs; out is zeroed first. Sums in float64, in m order. */
export function scatterPatchesInto(cols: Float32Array, rows: number, inputs: number, index: Int32Array, out: Float32Array): void {
  const columns = index.length;
  const sums = new Float64Array(inputs);
  for (let n = 0; n < rows; n++) {
    sums.fill(0);
    const from = n * columns;
    for (let m = 0; m < columns; m++) {
      const i = index[m];
      if (i < inputs) sums[i] += cols[from + m];
    }
    out.set(sums, n * inputs);
  }
}

interface PatchAttrs {
  index: Int32Array;
  inputs: number;
}

let registered = false;

/** Registers both kernels on the backends that exist (once). */
export function registerPatchKernels(): void {
  if (registered) return;
  registered = true;
  // The two kernels differ only in their output's width and their loop.
  const kernels = [
    { kernelName: GATHER, columns: (a: PatchAttrs) => a.index.length, fill: gatherPatchesInto },
    { kernelName: SCATTER, columns: (a: PatchAttrs) => a.inputs, fill: scatterPatchesInto },
  ];
  for (const backendName of OWN_KERNEL_BACKENDS)
    for (const { kernelName, columns, fill } of kernels)
      tf.registerKernel({
        kernelName,
        backendName,
        kernelFunc: ({ inputs, backend, attrs }) => {
          const x = inputs.x as tf.TensorInfo;
          const patch = attrs as unknown as PatchAttrs;
          const rows = x.shape[0];
          return onBackend(backendName, backend as tf.KernelBackend, [x], [rows, columns(patch)], ([input], out) =>
            fill(input, rows, patch.inputs, patch.index, out),
          );
        },
      });
}

/** Whether the current backend has the kernels (the native backend does not: convLayer.ts falls back). */
export function hasPatchKernels(): boolean {
  return registered && onOwnKernelBackend();
}

/** x [N, inputs] → patches [N, index.length]. */
export function gatherPatches(x: tf.Tensor2D, index: Int32Array, inputs: number): tf.Tensor2D {
  const attrs = { index, inputs } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(GATHER, { x: asFloat32(x) }, attrs) as tf.Tensor2D;
}

/** cols [N, index.length] → [N, inputs], each column added into the input it was gathered from. */
export function scatterPatches(cols: tf.Tensor2D, index: Int32Array, inputs: number): tf.Tensor2D {
  const attrs = { index, inputs } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(SCATTER, { x: asFloat32(cols) }, attrs) as tf.Tensor2D;
}
