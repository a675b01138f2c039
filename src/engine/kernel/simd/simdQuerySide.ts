import type { LoadedRun } from '../loadedRun';
import { QUERY_SIDE_WASM_BASE64 } from './wasmModules';

interface QuerySideExports {
  memory: WebAssembly.Memory;
  first_layer: (x: number, F: number, w: number, P: number, kOff: number, bOff: number, out: number, steps: number, count: number, z: number) => void;
  lerp: (dst: number, a: number, b: number, t: number, count: number) => void;
  interpolate: (dst: number, ws: number, P: number, t: number, count: number) => void;
  forward: (z: number, h: number, wt: number, inputs: number, outputs: number) => void;
  backward: (next: number, delta: number, wt: number, inputs: number, outputs: number) => void;
  increment_dot: (h: number, delta: number, ws: number, wb: number, P: number, inputs: number, outputs: number) => number;
}

let compiled: WebAssembly.Module | null = null;

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Per layer: pre-activations, activations and the interpolated weights (kernel then bias), float64. */
interface LayerBuffers {
  z: Float64Array;
  h: Float64Array;
  zPointer: number;
  hPointer: number;
  wtPointer: number;
}

/**
 * The query side's per-point work (one row at a time) in WebAssembly (querySide.wat): first-layer
 * products at recorded weights, interpolated weights, forward and backward through the dense layers and
 * Φ·Δ_s from the factors, all float64 in f64x2 lanes. It holds its own copy of the recorded weights
 * [T+1, P]; the activations are applied in JavaScript on views of its memory between the calls.
 */
export class SimdQuerySide {
  readonly layers: LayerBuffers[] = [];
  /** The row's input x (float64) and the backward pass's δ and scratch. */
  x!: Float64Array;
  delta!: Float64Array;
  next!: Float64Array;
  /** First-layer products of the last `firstLayer` call, [count, out0]. */
  firstLayerProducts!: Float64Array;
  private readonly exports: QuerySideExports;
  private readonly weights: number;
  private readonly P: number;
  private readonly fixedEnd: number;
  private pointers = { x: 0, delta: 0, next: 0, steps: 0, z0: 0 };
  private capacity = 0;

  constructor(private readonly run: LoadedRun) {
    compiled ??= new WebAssembly.Module(Buffer.from(QUERY_SIDE_WASM_BASE64, 'base64'));
    this.exports = new WebAssembly.Instance(compiled, {}).exports as unknown as QuerySideExports;
    const { layers, parameterCount } = run.layout;
    this.P = parameterCount;
    const widest = Math.max(run.data.featureCount, ...layers.map((l) => Math.max(l.inputs, l.outputs)));
    let bytes = 0;
    const take = (size: number): number => {
      const at = bytes;
      bytes += align(size);
      return at;
    };
    this.weights = take(run.path.weights.byteLength);
    this.pointers.x = take(widest * 8);
    this.pointers.delta = take(widest * 8);
    this.pointers.next = take(widest * 8);
    const layerPointers = layers.map((l) => ({ zPointer: take(l.outputs * 8), hPointer: take(l.outputs * 8), wtPointer: take((l.inputs + 1) * l.outputs * 8) }));
    this.fixedEnd = bytes;
    this.grow(bytes);
    new Float32Array(this.exports.memory.buffer, this.weights, run.path.weights.length).set(run.path.weights);
    layerPointers.forEach((p) => this.layers.push({ ...p, z: new Float64Array(0), h: new Float64Array(0) }));
    this.views();
  }

  private grow(bytes: number): void {
    const memory = this.exports.memory;
    const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
  }

  /** (Re)creates the views after the memory grew (growing detaches the old buffer). */
  private views(): void {
    const buffer = this.exports.memory.buffer;
    const widest = (this.pointers.delta - this.pointers.x) / 8;
    this.x = new Float64Array(buffer, this.pointers.x, widest);
    this.delta = new Float64Array(buffer, this.pointers.delta, widest);
    this.next = new Float64Array(buffer, this.pointers.next, widest);
    this.run.layout.layers.forEach((l, k) => {
      this.layers[k].z = new Float64Array(buffer, this.layers[k].zPointer, l.outputs);
      this.layers[k].h = new Float64Array(buffer, this.layers[k].hPointer, l.outputs);
    });
    const out0 = this.run.layout.layers[0].outputs;
    this.firstLayerProducts = new Float64Array(buffer, this.pointers.z0, this.capacity * out0);
  }

  /** Room for the first-layer products at `count` weight indices. Growing replaces every view. */
  reserve(count: number): void {
    if (count <= this.capacity) return;
    this.capacity = count;
    this.pointers.steps = this.fixedEnd;
    this.pointers.z0 = this.fixedEnd + align(count * 4);
    this.grow(this.pointers.z0 + count * this.run.layout.layers[0].outputs * 8);
    this.views();
  }

  /** First-layer pre-activations x·W_s + b_s at the given weight indices into `firstLayerProducts`. */
  firstLayer(indices: number[]): void {
    const { outputs, kernelOffset, biasOffset } = this.run.layout.layers[0];
    if (indices.length > this.capacity) throw new Error('SimdQuerySide.firstLayer: reserve() first');
    new Int32Array(this.exports.memory.buffer, this.pointers.steps, indices.length).set(indices);
    const F = this.run.data.featureCount;
    this.exports.first_layer(this.pointers.x, F, this.weights, this.P, kernelOffset, biasOffset, outputs, this.pointers.steps, indices.length, this.pointers.z0);
  }

  /** The first layer's pre-activations at (1 − t)·products[a] + t·products[b] into layer 0's z. */
  firstLayerAt(a: number, b: number, t: number): void {
    const out0 = this.run.layout.layers[0].outputs;
    this.exports.lerp(this.layers[0].zPointer, this.pointers.z0 + a * out0 * 8, this.pointers.z0 + b * out0 * 8, t, out0);
  }

  /** Layer l's weights at w_s + tΔ_s, then its pre-activations from layer l − 1's activations. */
  forward(l: number, s: number, t: number): void {
    const { inputs, outputs, kernelOffset } = this.run.layout.layers[l];
    const buffers = this.layers[l];
    // At t = 0 (w_T has no successor) the "next" weights are w_s itself: the difference is exactly 0.
    this.exports.interpolate(buffers.wtPointer, this.weights + (s * this.P + kernelOffset) * 4, t === 0 ? 0 : this.P, t, (inputs + 1) * outputs);
    this.exports.forward(buffers.zPointer, this.layers[l - 1].hPointer, buffers.wtPointer, inputs, outputs);
  }

  /** `next` ← W_l(t) δ with the weights of the last `forward` through layer l. */
  backward(l: number): void {
    const { inputs, outputs } = this.run.layout.layers[l];
    this.exports.backward(this.pointers.next, this.pointers.delta, this.layers[l].wtPointer, inputs, outputs);
  }

  /** Layer l's part of Φ·Δ_s at this point, with l − 1's activations and the current δ (unweighted). */
  incrementDot(l: number, s: number): number {
    const { inputs, outputs, kernelOffset, biasOffset } = this.run.layout.layers[l];
    const base = this.weights + s * this.P * 4;
    return this.exports.increment_dot(this.layers[l - 1].hPointer, this.pointers.delta, base + kernelOffset * 4, base + biasOffset * 4, this.P, inputs, outputs);
  }
}

const instances = new WeakMap<LoadedRun, SimdQuerySide>();

/** One query-side kernel per loaded run (and thread). */
export function querySideFor(run: LoadedRun): SimdQuerySide {
  let side = instances.get(run);
  if (!side) {
    side = new SimdQuerySide(run);
    instances.set(run, side);
  }
  return side;
}
