import type { PathIndex } from '../pathIndex';
import { CONTRACT_WASM_BASE64 } from './contractWasm';

interface ContractExports {
  memory: WebAssembly.Memory;
  layer: (u: number, ubias: number, a: number, d: number, terms: number, B: number, inputs: number, outputs: number) => void;
}

let compiled: WebAssembly.Module | null = null;

function module(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(CONTRACT_WASM_BASE64, 'base64'));
  return compiled;
}

const align = (bytes: number) => Math.ceil(bytes / 16) * 16;

/**
 * The single-query contraction of path-kernel.md §3 in WebAssembly SIMD: the path index's training
 * factors live in the kernel's own memory (copied once per run), the caller writes U_r into `u`, and
 * `contract(r)` returns G_{r,b}·U_r for the W examples of step r in `terms` — about 4× the throughput
 * of the same loop in JavaScript, with the sums over j in float64.
 */
export class SimdContraction {
  /** U_r for one query, [P], inside the kernel's memory: write it, then call `contract`. */
  readonly u: Float32Array;
  /** G_{r,b}·U_r for b < W after `contract`. */
  readonly terms: Float64Array;
  private readonly exports: ContractExports;
  private readonly layerPointers: { a: number; d: number; inputs: number; outputs: number; kernelOffset: number; biasOffset: number }[] = [];
  private readonly uPointer: number;
  private readonly termsPointer: number;

  constructor(index: PathIndex, parameterCount: number, private readonly width: number) {
    let bytes = 0;
    const uPointer = bytes;
    bytes += align(parameterCount * 4);
    const termsPointer = bytes;
    bytes += align(width * 8);
    const offsets = index.layers.map((layer) => {
      const a = bytes;
      bytes += align(layer.a.byteLength);
      const d = bytes;
      bytes += align(layer.delta.byteLength);
      return { a, d };
    });
    const instance = new WebAssembly.Instance(module(), {});
    this.exports = instance.exports as unknown as ContractExports;
    // The module exports its own memory; grow it to hold the index.
    const own = this.exports.memory;
    const pages = Math.ceil(bytes / 65536) + 1 - own.buffer.byteLength / 65536;
    if (pages > 0) own.grow(pages);
    const buffer = own.buffer;
    index.layers.forEach((layer, l) => {
      new Float32Array(buffer, offsets[l].a, layer.a.length).set(layer.a);
      new Float32Array(buffer, offsets[l].d, layer.delta.length).set(layer.delta);
      this.layerPointers.push({ ...offsets[l], inputs: layer.inputs, outputs: layer.outputs, kernelOffset: layer.kernelOffset, biasOffset: layer.biasOffset });
    });
    this.uPointer = uPointer;
    this.termsPointer = termsPointer;
    this.u = new Float32Array(buffer, uPointer, parameterCount);
    this.terms = new Float64Array(buffer, termsPointer, width);
  }

  contract(r: number): Float64Array {
    const W = this.width;
    this.terms.fill(0);
    for (const l of this.layerPointers) {
      this.exports.layer(
        this.uPointer + l.kernelOffset * 4,
        this.uPointer + l.biasOffset * 4,
        l.a + r * W * l.inputs * 4,
        l.d + r * W * l.outputs * 4,
        this.termsPointer,
        W,
        l.inputs,
        l.outputs,
      );
    }
    return this.terms;
  }
}
