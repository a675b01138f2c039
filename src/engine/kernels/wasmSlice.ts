/**
 * TensorFlow.js 4.22's wasm `Slice` kernel copies its whole input out of the wasm heap (`readSync`) before taking
 * the slice, so slicing a few columns of a [G, P] weight tensor, or a few steps of a large cached tensor, costs the
 * whole tensor every time (measured: most of a CNN explanation's time went there). This kernel reads the input
 * through a view of the heap instead and copies only the slice, row run by row run. Same values, bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type SliceAttrs = { begin: number | number[]; size: number | number[] };

/**
 * Copies the slice of x (shape, begin, size) into out, one contiguous run at a time: a run spans the last axis and
 * every axis before it whose inner axes are all taken whole (a few whole steps of [T, W, P] are one run).
 */
export function copySlice(
  x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: number[],
  begin: number[],
  size: number[],
  out: { set(values: ArrayLike<number>, offset: number): void },
): void {
  const rank = shape.length;
  if (rank === 0) return out.set(x.subarray(0, 1), 0);
  const strides = [...tf.util.computeStrides(shape), 1];
  // The first axis of the run: the axes after it are whole.
  let first = rank - 1;
  while (first > 0 && size[first] === shape[first]) first--;
  const run = size.slice(first).reduce((a, b) => a * b, 1);
  const outer = size.slice(0, first);
  const count = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(outer.length).fill(0);
  for (let k = 0; k < count; k++) {
    let offset = begin[first] * strides[first];
    for (let d = 0; d < outer.length; d++) offset += (begin[d] + index[d]) * strides[d];
    out.set(x.subarray(offset, offset + run), k * run);
    for (let d = outer.length - 1; d >= 0; d--) {
      if (++index[d] < outer[d]) break;
      index[d] = 0;
    }
  }
}

let registered = false;

/** Replaces the wasm backend's `Slice` kernel (once; the wasm backend registers its kernels when imported). */
export function registerWasmSliceKernel(): void {
  const original = tf.getKernel('Slice', 'wasm');
  if (!original || registered) return;
  registered = true;
  tf.unregisterKernel('Slice', 'wasm');
  tf.registerKernel({
    kernelName: 'Slice',
    backendName: 'wasm',
    setupFunc: original.setupFunc,
    disposeFunc: original.disposeFunc,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === 'string') return original.kernelFunc(args);
      const backend = args.backend as BackendWasm;
      const { begin, size } = args.attrs as unknown as SliceAttrs;
      const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size);
      const out = backend.makeOutput(size_, x.dtype);
      if (tf.util.sizeFromShape(size_) > 0)
        copySlice(backend.typedArrayFromHeap(x), x.shape, begin_, size_, backend.typedArrayFromHeap(out));
      return out;
    },
  });
}
