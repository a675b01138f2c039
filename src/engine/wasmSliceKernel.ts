/**
 * TensorFlow.js 4.22's wasm `Slice` kernel copies its whole input out of the wasm heap (`readSync`) before taking
 * the slice, so slicing a few columns of a [G, P] weight tensor, or a few steps of a large cached tensor, costs the
 * whole tensor every time (measured: most of a CNN explanation's time went there). This kernel reads the input
 * through a view of the heap instead and copies only the slice, row run by row run. Same values, bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type SliceAttrs = { begin: number | number[]; size: number | number[] };

/** Copies the slice of x (shape, begin, size) into out, one run along the last axis at a time. */
export function copySlice(
  x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> },
  shape: number[],
  begin: number[],
  size: number[],
  out: { set(values: ArrayLike<number>, offset: number): void },
): void {
  const rank = shape.length;
  const strides = tf.util.computeStrides(shape);
  const run = rank === 0 ? 1 : size[rank - 1];
  const outer = size.slice(0, Math.max(0, rank - 1));
  const count = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(outer.length).fill(0);
  for (let k = 0; k < count; k++) {
    let offset = rank === 0 ? 0 : begin[rank - 1];
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
