import { activateArray, multiplyByDerivative } from '../../../model/scalarActivations';
import type { LoadedRun } from '../../shared/loadedRun';
import { QUERY_SIDE_WASM_BASE64 } from './wasmModules';

interface QuerySideExports {
  memory: WebAssembly.Memory;
  first_layer: (
    x: number,
    F: number,
    w: number,
    P: number,
    kOff: number,
    bOff: number,
    out: number,
    steps: number,
    count: number,
    z: number,
  ) => void;
  lerp: (dst: number, a: number, b: number, t: number, count: number) => void;
  interpolate: (dst: number, ws: number, P: number, t: number, count: number) => void;
  forward: (z: number, h: number, wt: number, inputs: number, outputs: number) => void;
  backward: (next: number, delta: number, wt: number, inputs: number, outputs: number) => void;
  increment_dot: (h: number, delta: number, ws: number, wb: number, P: number, inputs: number, outputs: number) => number;
  forward_rows: (z: number, h: number, wt: number, inputs: number, outputs: number, count: number) => void;
  backward_rows: (next: number, delta: number, wt: number, inputs: number, outputs: number, count: number) => void;
  increment_dot_rows: (
    h: number,
    delta: number,
    ws: number,
    wb: number,
    P: number,
    inputs: number,
    outputs: number,
    count: number,
    result: number,
  ) => void;
  derivative_into: (delta: number, next: number, v: number, count: number, kind: number) => void;
  tanh_into: (z: number, h: number, count: number) => void;
  scale_to_f32: (dst: number, src: number, count: number, weight: number) => void;
  first_layer_dot: (acc: number, delta: number, a: number, b: number, out: number, weight: number) => number;
}

let compiled: WebAssembly.Module | null = null;

function querySideModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(QUERY_SIDE_WASM_BASE64, 'base64'));
  return compiled;
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Per layer: pre-activations and activations of the held rows ([rows, outputs]), the interpolated weights (kernel then bias), float64. */
interface LayerBuffers {
  z: Float64Array;
  h: Float64Array;
  zPointer: number;
  hPointer: number;
  wtPointer: number;
}

/** Steps per `queryFactors` call (its callers chunk by this): at most 2·this + 2 weight indices per call. */
export const QUERY_STEPS_PER_CALL = 128;
const MAX_WEIGHT_INDICES = 2 * QUERY_STEPS_PER_CALL + 2;
/** Rows held at once: they share each point's interpolated weights (formed once for all of them). */
export const HELD_ROWS = 8;
/** Rows one pass of the row kernels takes (`*_rows` in querySide.wat): each weight is read once for all of them. */
const ROWS_PER_PASS = 4;

/**
 * The query side's per-point work in WebAssembly (querySide.wat): first-layer products at recorded weights,
 * interpolated weights, forward and backward through the dense layers and Φ·Δ_s from the factors, all
 * float64 in f64x2 lanes, for one row or for up to HELD_ROWS rows at one point (`forwardRows`,
 * `backwardRows`, `incrementDots`: the point's weights interpolated once for all of them and read once per pass of
 * up to four rows, the same values bit for bit).
 * Row r's activations, δ and scratch are at r · width of each buffer; the one-row calls use row 0. The recorded weights [T+1, P] live in its memory,
 * which is laid out once and never grows, so `querySideFor` can make them the run's own weights (one copy
 * per thread). tanh and the derivatives of tanh and ReLU run in it too; other activations are applied in JavaScript on
 * views of its memory between the calls.
 */
export class SimdQuerySide {
  readonly layers: LayerBuffers[] = [];
  /** The row's input x (float64) and the backward pass's δ and scratch ([rows, layer width] each). */
  readonly x: Float64Array;
  readonly delta: Float64Array;
  readonly next: Float64Array;
  /** Per held row, the first-layer products of its last `firstLayer` call, [count, out0]. */
  readonly firstLayerProducts: Float64Array[];
  /** The recorded weights [T+1, P] in this module's memory. */
  readonly weightsView: Float32Array;
  private readonly exports: QuerySideExports;
  private readonly weights: number;
  private readonly P: number;
  private readonly pointers: { x: number; delta: number; next: number; steps: number; z0: number; dots: number; kept: number };
  /** float32 scratch for the factors `keptFactors` rounds ([rows, layer width]). */
  private readonly kept: Float32Array;
  /** Φ·Δ_s of the held rows after `incrementDots`. */
  private readonly dots: Float64Array;

  /** `capacity`: weight floats to hold (a replayed run's longest segment), loaded by `adoptSegment`; default the run's own path. */
  constructor(
    private readonly run: LoadedRun,
    capacity?: number,
  ) {
    this.exports = new WebAssembly.Instance(querySideModule(), {}).exports as unknown as QuerySideExports;
    const { layers, parameterCount } = run.layout;
    this.P = parameterCount;
    const widest = Math.max(run.data.featureCount, ...layers.map((l) => Math.max(l.inputs, l.outputs)));
    let bytes = 0;
    const take = (size: number): number => {
      const at = bytes;
      bytes += align(size);
      return at;
    };
    const weightFloats = capacity ?? run.path.weights.length;
    this.weights = take(weightFloats * 4);
    this.pointers = {
      x: take(widest * 8),
      delta: take(HELD_ROWS * widest * 8),
      next: take(HELD_ROWS * widest * 8),
      steps: take(MAX_WEIGHT_INDICES * 4),
      z0: take(HELD_ROWS * MAX_WEIGHT_INDICES * layers[0].outputs * 8),
      dots: take(HELD_ROWS * 8),
      kept: take(HELD_ROWS * widest * 4),
    };
    const layerPointers = layers.map((l) => ({
      zPointer: take(HELD_ROWS * l.outputs * 8),
      hPointer: take(HELD_ROWS * l.outputs * 8),
      wtPointer: take((l.inputs + 1) * l.outputs * 8),
    }));
    // The pair loads of an odd last column read one float64 past a buffer's end (querySide.wat).
    take(16);
    const memory = this.exports.memory;
    const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
    const buffer = memory.buffer;
    this.weightsView = new Float32Array(buffer, this.weights, weightFloats);
    if (capacity === undefined) this.weightsView.set(run.path.weights);
    this.x = new Float64Array(buffer, this.pointers.x, widest);
    this.delta = new Float64Array(buffer, this.pointers.delta, HELD_ROWS * widest);
    this.next = new Float64Array(buffer, this.pointers.next, HELD_ROWS * widest);
    this.dots = new Float64Array(buffer, this.pointers.dots, HELD_ROWS);
    this.kept = new Float32Array(buffer, this.pointers.kept, HELD_ROWS * widest);
    const perRow = MAX_WEIGHT_INDICES * layers[0].outputs;
    this.firstLayerProducts = Array.from(
      { length: HELD_ROWS },
      (_, row) => new Float64Array(buffer, this.pointers.z0 + row * perRow * 8, perRow),
    );
    layerPointers.forEach((p, k) =>
      this.layers.push({
        ...p,
        z: new Float64Array(buffer, p.zPointer, HELD_ROWS * layers[k].outputs),
        h: new Float64Array(buffer, p.hPointer, HELD_ROWS * layers[k].outputs),
      }),
    );
  }

  /** First-layer pre-activations x·W_s + b_s at the given weight indices into held row `row`'s `firstLayerProducts`. */
  firstLayer(indices: number[], row = 0): void {
    const { outputs, kernelOffset, biasOffset } = this.run.layout.layers[0];
    if (indices.length > MAX_WEIGHT_INDICES)
      throw new Error(`SimdQuerySide.firstLayer: ${indices.length} weight indices, at most ${MAX_WEIGHT_INDICES} per call`);
    new Int32Array(this.exports.memory.buffer, this.pointers.steps, indices.length).set(indices);
    const F = this.run.data.featureCount;
    this.exports.first_layer(
      this.pointers.x,
      F,
      this.weights,
      this.P,
      kernelOffset,
      biasOffset,
      outputs,
      this.pointers.steps,
      indices.length,
      this.pointers.z0 + row * MAX_WEIGHT_INDICES * this.run.layout.layers[0].outputs * 8,
    );
  }

  /** The first layer's pre-activations at (1 − t)·products[a] + t·products[b] of held row `row` into its row of layer 0's z. */
  firstLayerAt(a: number, b: number, t: number, row = 0): void {
    const out0 = this.run.layout.layers[0].outputs;
    const base = this.pointers.z0 + row * MAX_WEIGHT_INDICES * out0 * 8;
    this.exports.lerp(this.layers[0].zPointer + row * out0 * 8, base + a * out0 * 8, base + b * out0 * 8, t, out0);
  }

  /** The weights of every layer after the first at w_s + tΔ_s, for the `forwardPoint` calls of every row at this point. */
  interpolateAt(s: number, t: number): void {
    const layers = this.run.layout.layers;
    for (let l = 1; l < layers.length; l++) {
      const { inputs, outputs, kernelOffset } = layers[l];
      // At t = 0 (w_T has no successor) the "next" weights are w_s itself: the difference is exactly 0.
      this.exports.interpolate(
        this.layers[l].wtPointer,
        this.weights + (s * this.P + kernelOffset) * 4,
        t === 0 ? 0 : this.P,
        t,
        (inputs + 1) * outputs,
      );
    }
  }

  /**
   * The network at w_s + tΔ_s for the loaded row, from the first layer's pre-activations already in layer
   * 0's z (`firstLayerAt`): every layer's z and activation h (the rows at one point share `interpolateAt` and
   * `forwardRows` instead).
   */
  forwardPoint(s: number, t: number): void {
    this.interpolateAt(s, t);
    this.forwardRows(1);
  }

  /** `forwardPoint` for the first `count` held rows, each from its row of layer 0's z, at the interpolated weights in place. */
  forwardRows(count: number): void {
    const layers = this.run.layout.layers;
    this.activate(0, count * layers[0].outputs);
    for (let l = 1; l < layers.length; l++) {
      const { inputs, outputs } = layers[l];
      const { zPointer, wtPointer } = this.layers[l];
      const hPointer = this.layers[l - 1].hPointer;
      for (let r0 = 0; r0 < count; r0 += ROWS_PER_PASS) {
        const n = Math.min(ROWS_PER_PASS, count - r0);
        const z = zPointer + r0 * outputs * 8;
        const h = hPointer + r0 * inputs * 8;
        if (n === 1) this.exports.forward(z, h, wtPointer, inputs, outputs);
        else this.exports.forward_rows(z, h, wtPointer, inputs, outputs, n);
      }
      this.activate(l, count * outputs);
    }
  }

  /** Layer l's activations h = σ(z) of `count` values: tanh in WebAssembly (`tanh_into`), the others here. */
  private activate(l: number, count: number): void {
    const kind = this.run.layout.layers[l].activation;
    const { z, h, zPointer, hPointer } = this.layers[l];
    if (kind === 'tanh') this.exports.tanh_into(zPointer, hPointer, count);
    else activateArray(kind, z, h, count);
  }

  /** The on/off pattern of every ReLU layer of held row `row` after a forward pass, as one string ('' without ReLU). */
  reluPattern(row = 0): string {
    let pattern = '';
    this.run.layout.layers.forEach((l, k) => {
      if (l.activation !== 'relu') return;
      const z = this.layers[k].z;
      for (let m = row * l.outputs; m < (row + 1) * l.outputs; m++) pattern += z[m] > 0 ? '1' : '0';
    });
    return pattern;
  }

  /**
   * Backward after `forwardPoint`, explaining e·output (`e` from `offset`): δ_L = e ⊙ σ'(z_L), then
   * δ_l = (W_{l+1}(t) δ_{l+1}) ⊙ σ'(z_l). `visit(l)` sees each layer's δ in `delta` (its input is layer
   * l − 1's h, or x), from the last layer to the first.
   */
  backwardPoint(e: ArrayLike<number>, offset: number, visit: (l: number) => void): void {
    this.backwardRows([offset], e, visit);
  }

  /**
   * `backwardPoint` for held rows 0 … offsets.length − 1 after `forwardRows`, row r explaining e from
   * `offsets[r]`: `visit(l)` sees every row's δ of layer l in `delta` ([rows, outputs]).
   */
  backwardRows(offsets: readonly number[], e: ArrayLike<number>, visit: (l: number) => void): void {
    const layers = this.run.layout.layers;
    const L = layers.length;
    const count = offsets.length;
    const { delta } = this;
    const C = layers[L - 1].outputs;
    offsets.forEach((offset, r) => {
      for (let c = 0; c < C; c++) delta[r * C + c] = e[offset + c];
    });
    multiplyByDerivative(layers[L - 1].activation, this.layers[L - 1].z, this.layers[L - 1].h, delta, count * C);
    for (let l = L - 1; l >= 0; l--) {
      visit(l);
      if (l === 0) break;
      const { inputs, outputs } = layers[l];
      const { wtPointer } = this.layers[l];
      for (let r0 = 0; r0 < count; r0 += ROWS_PER_PASS) {
        const n = Math.min(ROWS_PER_PASS, count - r0);
        const nextAt = this.pointers.next + r0 * inputs * 8;
        const deltaAt = this.pointers.delta + r0 * outputs * 8;
        if (n === 1) this.exports.backward(nextAt, deltaAt, wtPointer, inputs, outputs);
        else this.exports.backward_rows(nextAt, deltaAt, wtPointer, inputs, outputs, n);
      }
      this.derivativeInto(l - 1, count * inputs);
    }
  }

  /** δ = next ⊙ σ'_l of layer l's `count` values: tanh and ReLU in WebAssembly, the other activations here. */
  private derivativeInto(l: number, count: number): void {
    const kind = this.run.layout.layers[l].activation;
    const { zPointer, hPointer, z, h } = this.layers[l];
    if (kind === 'tanh' || kind === 'relu') {
      this.exports.derivative_into(
        this.pointers.delta,
        this.pointers.next,
        kind === 'tanh' ? hPointer : zPointer,
        count,
        kind === 'tanh' ? 0 : 1,
      );
      return;
    }
    this.delta.set(this.next.subarray(0, count));
    multiplyByDerivative(kind, z, h, this.delta, count);
  }

  /**
   * float32(weight · v) of the first `count` held rows' values of width `width`: of the current δ, or (`activations`
   * of layer l) its h. A view of scratch, valid until the next call.
   */
  keptFactors(width: number, count: number, weight: number, activations?: number): Float32Array {
    const src = activations === undefined ? this.pointers.delta : this.layers[activations].hPointer;
    this.exports.scale_to_f32(this.pointers.kept, src, count * width, weight);
    return this.kept.subarray(0, count * width);
  }

  /** acc + the first layer's part of Φ·Δ_s of held row `row` (its δ now, weighted), from its products at indices a and b. */
  firstLayerDot(acc: number, row: number, a: number, b: number, weight: number): number {
    const out0 = this.run.layout.layers[0].outputs;
    const base = this.pointers.z0 + row * MAX_WEIGHT_INDICES * out0 * 8;
    return this.exports.first_layer_dot(acc, this.pointers.delta + row * out0 * 8, base + a * out0 * 8, base + b * out0 * 8, out0, weight);
  }

  /** Layer l's part of Φ·Δ_s at this point for the first `count` held rows, with l − 1's activations and the current δ (unweighted). */
  incrementDots(l: number, s: number, count: number): Float64Array {
    const { inputs, outputs, kernelOffset, biasOffset } = this.run.layout.layers[l];
    const base = this.weights + s * this.P * 4;
    const h = this.layers[l - 1].hPointer;
    const ws = base + kernelOffset * 4;
    const wb = base + biasOffset * 4;
    for (let r0 = 0; r0 < count; r0 += ROWS_PER_PASS) {
      const n = Math.min(ROWS_PER_PASS, count - r0);
      const hAt = h + r0 * inputs * 8;
      const deltaAt = this.pointers.delta + r0 * outputs * 8;
      if (n === 1) this.dots[r0] = this.exports.increment_dot(hAt, deltaAt, ws, wb, this.P, inputs, outputs);
      else this.exports.increment_dot_rows(hAt, deltaAt, ws, wb, this.P, inputs, outputs, n, this.pointers.dots + r0 * 8);
    }
    return this.dots;
  }
}

/** A fresh instance of the kernel with `values` float64s at 0 and room for as many after them. */
function scratchKernel(values: Float64Array): QuerySideExports {
  const exports = new WebAssembly.Instance(querySideModule(), {}).exports as unknown as QuerySideExports;
  const pages = Math.ceil((values.length * 24) / 65536) - exports.memory.buffer.byteLength / 65536;
  if (pages > 0) exports.memory.grow(pages);
  new Float64Array(exports.memory.buffer, 0, values.length).set(values);
  return exports;
}

/** The kernel's elementwise rules on plain arrays, for checking them against Math.tanh and scalarActivations.ts. */
export const elementwiseKernels = {
  tanh(values: Float64Array): Float64Array {
    const kernel = scratchKernel(values);
    kernel.tanh_into(0, values.length * 8, values.length);
    return new Float64Array(kernel.memory.buffer, values.length * 8, values.length).slice();
  },
  /** next ⊙ σ'(v) for tanh (v = h) or ReLU (v = z). */
  timesDerivative(kind: 'tanh' | 'relu', next: Float64Array, v: Float64Array): Float64Array {
    const kernel = scratchKernel(v);
    const n = v.length;
    new Float64Array(kernel.memory.buffer, n * 8, n).set(next);
    kernel.derivative_into(n * 16, n * 8, 0, n, kind === 'tanh' ? 0 : 1);
    return new Float64Array(kernel.memory.buffer, n * 16, n).slice();
  },
};

const instances = new WeakMap<LoadedRun, SimdQuerySide>();

/**
 * One query-side kernel per loaded run (and thread). Its copy of the recorded weights becomes the run's
 * (`run.path.weights`), so the weights are held once.
 */
export function querySideFor(run: LoadedRun): SimdQuerySide {
  let side = instances.get(run);
  if (!side) {
    side = new SimdQuerySide(run);
    instances.set(run, side);
    run.path.weights = side.weightsView;
  }
  return side;
}

const segmentSides = new WeakMap<LoadedRun, SimdQuerySide>();

/**
 * A replayed segment's weights moved into the one query-side kernel of its run (and thread), sized once for the
 * longest segment: segments come and go without a WebAssembly memory each.
 */
export function adoptSegment(run: LoadedRun, segment: LoadedRun, longestSegment: number): void {
  let side = segmentSides.get(run);
  if (!side) {
    side = new SimdQuerySide(run, (longestSegment + 1) * run.layout.parameterCount);
    segmentSides.set(run, side);
  }
  const view = side.weightsView.subarray(0, segment.path.weights.length);
  view.set(segment.path.weights);
  segment.path.weights = view;
  instances.set(segment, side);
}
