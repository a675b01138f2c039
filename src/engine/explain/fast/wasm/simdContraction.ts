import type { LoadedRun } from '../../shared/loadedRun';
import { CONTRACT_FUSED_WASM_BASE64, CONTRACT_WASM_BASE64 } from './wasmModules';
import { relaxedSimd } from '../../../simd/relaxedSimd';

interface KernelExports {
  memory: WebAssembly.Memory;
  layer: (
    u: number,
    ubias: number,
    a: number,
    d: number,
    terms: number,
    B: number,
    inputs: number,
    outputs: number,
    scratch: number,
    rows: number,
    count: number,
  ) => void;
  sweep_dense: (
    u: number,
    carry: number,
    scale: number,
    phi: number,
    from: number,
    to: number,
    eta: number,
    decay: number,
    nesterov: number,
  ) => void;
  sweep_factored: (
    u: number,
    carry: number,
    scale: number,
    phi: number,
    a: number,
    d: number,
    count: number,
    offset: number,
    inputs: number,
    outputs: number,
    eta: number,
    decay: number,
    nesterov: number,
    skipZero: number,
  ) => void;
  step_scale: (dst: number, v: number, P: number, c1: number, c2: number, eps: number, eta: number) => void;
}

const compiled = new Map<boolean, WebAssembly.Module>();
let fusedRuns: boolean | null = null;

function binary(fused: boolean): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(fused ? CONTRACT_FUSED_WASM_BASE64 : CONTRACT_WASM_BASE64, 'base64'));
}

/** The contraction kernel: fused (its float32 multiply-adds as FMA, build-wasm.ts) where relaxed SIMD runs, else plain. */
function module(fused: boolean): WebAssembly.Module {
  let known = compiled.get(fused);
  if (!known) {
    known = new WebAssembly.Module(binary(fused));
    compiled.set(fused, known);
  }
  return known;
}

/** Whether contractions run the fused kernel in this process (decided once). */
export function fusedContraction(): boolean {
  fusedRuns ??= relaxedSimd(binary(true));
  return fusedRuns;
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Quadrature nodes per step the factor scratch holds (the engine allows at most 64). */
export const MAX_NODES = 64;

/** Rows per block whose carries the kernel memory holds. */
export const MAX_QUERIES = 16;

/** How the sweep scales Φ at a step, and how it carries. */
export interface SweepStep {
  /** Step index r (selects η_r D_r for Adam). */
  r: number;
  eta: number;
  decay: number;
  nesterov: boolean;
}

/**
 * The per-query inner loops of the fast path in WebAssembly (contract.wat), over data kept in the
 * module's own memory: the path index's training factors and the optimizer's per-step scale η_r D_r
 * (the index is built straight into this memory, pathIndex.ts, so it exists once per thread), one
 * float64 carry per query, and scratch for Φ. `sweep*` turn Φ_r into U_r (the optimizer's reverse
 * sweep), `contract(r)` dots U_r with the W per-example gradients of step r (factored, f32x4 SIMD).
 * Each is several times the speed of the same loop in JavaScript. The memory never grows after
 * construction, so the views stay valid.
 */
export class SimdContraction {
  /** U_r for the current query, [P], inside the module's memory. */
  readonly u: Float32Array;
  /** G_{r,b}·U_r for b < W after `contract`. */
  readonly terms: Float64Array;
  /** Scratch for a dense Φ_r (float64, [P]). */
  readonly phi: Float64Array;
  /** The row's input x (`loadQuery`), and a layer's factors a [count, inputs], δ [count, outputs] for `sweepFactored`. */
  private readonly x: Float64Array;
  readonly a: Float64Array;
  readonly d: Float64Array;
  /** Storage for the index: per layer a [T, W, in] and δ [T, W, out]; the step scale [T, P] if it has one. */
  readonly factors: { a: Float32Array; delta: Float32Array }[];
  readonly stepScale: Float32Array | null;
  private readonly exports: KernelExports;
  private readonly layerPointers: { a: number; d: number; inputs: number; outputs: number; kernelOffset: number; biasOffset: number }[] =
    [];
  private readonly pointers: {
    u: number;
    terms: number;
    phi: number;
    x: number;
    a: number;
    d: number;
    scale: number;
    carries: number;
    scratch: number;
    allRows: number;
    inputRows: number;
  };
  /** The first layer's rows where the loaded query's x is nonzero (`inputRows` lists them), and 0..widest (`allRows`). */
  private readonly inputRows: Int32Array;
  private inputRowCount = 0;
  private readonly parameterCount: number;
  private readonly width: number;

  constructor(run: Pick<LoadedRun, 'layout' | 'path'>, withStepScale: boolean, fused = fusedContraction()) {
    const { layers, parameterCount } = run.layout;
    const T = run.path.steps;
    const width = run.path.batchWidth;
    const widest = Math.max(...layers.map((l) => Math.max(l.inputs, l.outputs)));
    let bytes = 0;
    const take = (size: number): number => {
      const at = bytes;
      bytes += align(size);
      return at;
    };
    const u = take(parameterCount * 4);
    const terms = take(width * 8);
    const phi = take(parameterCount * 8);
    const x = take(widest * 8);
    const a = take(MAX_NODES * widest * 8);
    const d = take(MAX_NODES * widest * 8);
    // Two V chunks of 16 floats for `layer`.
    const scratch = take(32 * 4);
    const allRows = take(widest * 4);
    const inputRows = take(widest * 4);
    const offsets = layers.map((layer) => ({ a: take(T * width * layer.inputs * 4), d: take(T * width * layer.outputs * 4) }));
    const scale = withStepScale ? take(T * parameterCount * 4) : 0;
    const carries = take(MAX_QUERIES * parameterCount * 8);
    const instance = new WebAssembly.Instance(module(fused), {});
    this.exports = instance.exports as unknown as KernelExports;
    this.grow(bytes);
    const buffer = this.exports.memory.buffer;
    this.factors = layers.map((layer, l) => {
      this.layerPointers.push({
        ...offsets[l],
        inputs: layer.inputs,
        outputs: layer.outputs,
        kernelOffset: layer.kernelOffset,
        biasOffset: layer.biasOffset,
      });
      return {
        a: new Float32Array(buffer, offsets[l].a, T * width * layer.inputs),
        delta: new Float32Array(buffer, offsets[l].d, T * width * layer.outputs),
      };
    });
    this.stepScale = withStepScale ? new Float32Array(buffer, scale, T * parameterCount) : null;
    this.pointers = { u, terms, phi, x, a, d, scale, carries, scratch, allRows, inputRows };
    new Int32Array(buffer, allRows, widest).forEach((_, j, rows) => (rows[j] = j));
    this.inputRows = new Int32Array(buffer, inputRows, widest);
    this.parameterCount = parameterCount;
    this.width = width;
    this.u = new Float32Array(buffer, u, parameterCount);
    this.terms = new Float64Array(buffer, terms, width);
    this.phi = new Float64Array(buffer, phi, parameterCount);
    this.x = new Float64Array(buffer, x, widest);
    this.a = new Float64Array(buffer, a, MAX_NODES * widest);
    this.d = new Float64Array(buffer, d, MAX_NODES * widest);
  }

  private grow(bytes: number): void {
    const memory = this.exports.memory;
    const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
    if (pages > 0) memory.grow(pages);
  }

  /** Zeroed float64 carries for `queries` rows (the sweep starts from Q_T = 0). */
  resetCarries(queries: number): void {
    if (queries > MAX_QUERIES) throw new Error(`at most ${MAX_QUERIES} rows per block`);
    new Float64Array(this.exports.memory.buffer, this.pointers.carries, queries * this.parameterCount).fill(0);
  }

  /** Copies the first `into.length / P` rows' carries out (blocks that share this module keep their own). */
  saveCarries(into: Float64Array): void {
    into.set(new Float64Array(this.exports.memory.buffer, this.pointers.carries, into.length));
  }

  /** Puts carries saved by `saveCarries` back. */
  loadCarries(from: Float64Array): void {
    if (from.length > MAX_QUERIES * this.parameterCount) throw new Error(`at most ${MAX_QUERIES} rows per block`);
    new Float64Array(this.exports.memory.buffer, this.pointers.carries, from.length).set(from);
  }

  private carry(q: number): number {
    return this.pointers.carries + q * this.parameterCount * 8;
  }

  private scale(r: number): number {
    return this.pointers.scale === 0 ? 0 : this.pointers.scale + r * this.parameterCount * 4;
  }

  /**
   * Loads a query row's input (features `from`…`from + F` of `x`) for the sweeps of its steps. Where x_j is zero the
   * first layer's kernel row j of Φ is zero at every step, so its U stays zero: it is zeroed here once, and the first
   * layer's sweep and contraction skip it.
   */
  loadQuery(x: Float32Array, from: number, F: number): void {
    const { kernelOffset, outputs } = this.layerPointers[0];
    this.inputRowCount = 0;
    for (let j = 0; j < F; j++) {
      const value = x[from + j];
      this.x[j] = value;
      if (value !== 0) this.inputRows[this.inputRowCount++] = j;
      else this.u.fill(0, kernelOffset + j * outputs, kernelOffset + (j + 1) * outputs);
    }
  }

  /** U over [from, to) from the dense Φ in `phi` (Φ of parameter p at phi[p]). */
  sweepDense(q: number, step: SweepStep, from: number, to: number): void {
    this.exports.sweep_dense(
      this.pointers.u,
      this.carry(q),
      this.scale(step.r),
      this.pointers.phi + from * 8,
      from,
      to,
      step.eta,
      step.decay,
      step.nesterov ? 1 : 0,
    );
  }

  /**
   * U over a whole layer (kernel then bias) from its factors: Φ = Σ_k a_k ⊗ δ_k, Φ_bias = Σ_k δ_k with
   * `count` factor pairs in `a` and `d`; the first layer (`firstLayer`) uses x and Σ_k δ_k in d (count 1).
   */
  sweepFactored(
    q: number,
    step: SweepStep,
    layer: { kernelOffset: number; inputs: number; outputs: number },
    count: number,
    firstLayer: boolean,
  ): void {
    const a = firstLayer ? this.pointers.x : this.pointers.a;
    this.exports.sweep_factored(
      this.pointers.u,
      this.carry(q),
      this.scale(step.r),
      this.pointers.phi,
      a,
      this.pointers.d,
      count,
      layer.kernelOffset,
      layer.inputs,
      layer.outputs,
      step.eta,
      step.decay,
      step.nesterov ? 1 : 0,
      firstLayer ? 1 : 0,
    );
  }

  /** Step r's scale η_r D_r for Adam from its second moments `v` [P] (the Φ scratch holds them meanwhile). */
  fillStepScale(r: number, v: Float32Array, corrections: { c1: number; c2: number; epsilon: number }, eta: number): void {
    const P = this.parameterCount;
    new Float32Array(this.exports.memory.buffer, this.pointers.phi, P).set(v);
    this.exports.step_scale(this.scale(r), this.pointers.phi, P, corrections.c1, corrections.c2, corrections.epsilon, eta);
  }

  contract(r: number): Float64Array {
    const W = this.width;
    this.terms.fill(0);
    this.layerPointers.forEach((l, k) => {
      this.exports.layer(
        this.pointers.u + l.kernelOffset * 4,
        this.pointers.u + l.biasOffset * 4,
        l.a + r * W * l.inputs * 4,
        l.d + r * W * l.outputs * 4,
        this.pointers.terms,
        W,
        l.inputs,
        l.outputs,
        this.pointers.scratch,
        k === 0 ? this.pointers.inputRows : this.pointers.allRows,
        k === 0 ? this.inputRowCount : l.inputs,
      );
    });
    return this.terms;
  }
}
