import { gaussLegendre } from '../shared/gaussLegendre';
import { finalWeights, initialWeights, type LoadedRun } from '../shared/loadedRun';
import type { PathIndex } from '../pathIndex/pathIndex';
import { QUERY_STEPS_PER_CALL } from './wasm/simdQuerySide';
import { queryFactors, type QueryFactors, type Rule } from './queryFactors';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { throwIfCancelled } from '../../errors';
import type { ExplainBlockOptions, QueryBlock, RawExplanation } from '../shared/blockTypes';
import { rawExplanations, StepTraces } from '../shared/rawExplanations';
import { topIndices } from '../shared/topRows';
import { checkAndRefineSteps, type StepWindow } from '../shared/stepRefinement';
import { wasmSegmentIntegrator } from './segmentIntegrals';
import { addAllRowKernels } from './allRowKernels';
import { pathKernelForTops } from './pathKernelTop';
import { type SimdContraction, type SweepStep } from './wasm/simdContraction';

/** Steps whose query factors are computed in one pass (bounded so the factors stay small). */
const STEP_CHUNK = QUERY_STEPS_PER_CALL;

/**
 * The fast form of `explainBlock` (same numbers, path-kernel.md §2–3, §5) on a stored path: one sweep over
 * all steps, then the path kernel of each row's top contributors.
 */
export async function explainBlockFast(
  run: LoadedRun,
  index: PathIndex,
  block: QueryBlock,
  options: ExplainBlockOptions,
): Promise<RawExplanation[]> {
  const sweep = new BlockSweep(run, block, options);
  index.contraction.resetCarries(block.count);
  await sweep.sweepSegment(run, index);
  const tops = sweep.tops();
  const kernels =
    options.kernelTop > 0 ? pathKernelForTops(run, block, tops, sweep.rule, sweep.refinedPhi) : tops.map(() => new Map<number, number>());
  return sweep.finish(kernels);
}

/**
 * One block's explanation built segment by segment, newest first (a stored path is one segment; a checkpointed
 * one hands each replayed segment in turn, path-kernel.md §3.2). Per chunk of a segment's steps, from the last to
 * the first: the query factors of all Q rows in one typed-array pass; the per-step quadrature check straight from
 * the factors; refinement of kinked or failing steps; then, row by row and step by step, the optimizer's sweep
 * fused with the construction of Φ (never stored) into U_r in the contraction module's memory, and the
 * contraction G_{r,b}·U_r there. The sweep's carry stays in the contraction module between segments (the
 * caller saves and restores it when blocks share one). Carries and sums are float64; steps are absolute.
 */
export class BlockSweep {
  readonly rule: Rule;
  /** Refined dense Φ by absolute step · Q + row. */
  readonly refinedPhi = new Map<number, Float32Array>();
  private readonly endpoints: Float64Array;
  private readonly kinks: Uint8Array | null;
  private readonly scale: number[];
  private readonly contributions: Float64Array[];
  private readonly quadratureError: Float64Array;
  private readonly traces: StepTraces;
  private refinedSteps = 0;
  private readonly decay: number;
  /** With `kernelsForAllRows`: K^p of every training row, accumulated segment by segment (allRowKernels.ts). */
  private readonly allKernels: Float64Array[] | null;

  constructor(
    private readonly run: LoadedRun,
    private readonly block: QueryBlock,
    private readonly options: ExplainBlockOptions,
    kernelsForAllRows = false,
  ) {
    const T = run.path.steps;
    const Q = block.count;
    this.rule = options.leftPointOnly ? { nodes: [0], weights: [1] } : gaussLegendre(options.nodes);
    const { name } = run.optimizer;
    // The optimizers hold μ and β1 as float32 scalars (optimizerSweep.ts).
    this.decay = Math.fround(name === 'adam' ? run.optimizer.beta1 : name === 'momentum' ? run.optimizer.momentum : 0);
    this.endpoints = new Float64Array((T + 1) * Q);
    const ends = queryFactors(endpointRun(run), block, [], this.rule, [0, 1]).endpoints;
    this.endpoints.set(ends.subarray(0, Q), 0);
    this.endpoints.set(ends.subarray(Q, 2 * Q), T * Q);
    // ReLU steps whose on/off pattern changes are integrated piecewise; the patterns come with each chunk's endpoints.
    const hasRelu = run.layout.layers.some((l) => l.activation === 'relu');
    this.kinks = options.leftPointOnly || !hasRelu ? null : new Uint8Array(T * Q);
    this.scale = Array.from({ length: Q }, (_, q) => Math.max(Math.abs(ends[Q + q] - ends[q]), 0.01));
    this.contributions = Array.from({ length: Q }, () => new Float64Array(run.record.trainRows));
    this.quadratureError = new Float64Array(Q);
    this.traces = new StepTraces(options.traceRows);
    this.allKernels = kernelsForAllRows ? Array.from({ length: Q }, () => new Float64Array(run.record.trainRows)) : null;
  }

  /** Sweeps the steps of `segment` (the run itself, or one replayed segment of it) backwards into the totals. */
  async sweepSegment(segment: LoadedRun, index: PathIndex): Promise<void> {
    const { block, options, rule } = this;
    const start = segment.path.firstStep;
    const T = segment.path.steps;
    const P = segment.layout.parameterCount;
    const Q = block.count;
    const W = segment.path.batchWidth;
    const F = segment.data.featureCount;
    const n = rule.nodes.length;
    const { name, nesterov } = segment.optimizer;
    const simd = index.contraction;
    const layers = segment.layout.layers;
    // Views at the segment's first step, so the segment's local step s reads absolute step start + s.
    const endpoints = this.endpoints.subarray(start * Q);
    const kinks = this.kinks ? this.kinks.subarray(start * Q) : null;
    const local = new LocalRefinedPhi(this.refinedPhi, start, Q);
    for (let end = T; end > 0; end -= STEP_CHUNK) {
      throwIfCancelled(options.signal);
      const s0 = Math.max(0, end - STEP_CHUNK);
      const c = end - s0;
      const steps = Array.from({ length: c }, (_, k) => s0 + k);
      const qf = queryFactors(segment, block, steps, rule, [...steps, end], {
        incrementDots: !options.leftPointOnly,
        reluKinks: kinks !== null,
      });
      kinks?.set(qf.kinks, s0 * Q);
      for (let k = 0; k < (c + 1) * Q; k++) endpoints[s0 * Q + k] = qf.endpoints[k];
      if (!options.leftPointOnly) {
        const window = { run: segment, block, s0, c, endpoints, kinks, scale: this.scale, options, totalSteps: this.run.path.steps };
        this.refinedSteps += refine(window, qf, this.quadratureError, local);
      }
      if (this.allKernels) addAllRowKernels(segment, index, block, qf, { s0, c, nodes: n }, (r, q) => local.get(r, q), this.allKernels);
      for (let q = 0; q < Q; q++) {
        simd.loadQuery(block.x, q * F, F);
        for (let k = c - 1; k >= 0; k--) {
          const r = s0 + k;
          const sweep = { r, eta: segment.path.learningRates[r], decay: this.decay, nesterov };
          const dense = local.get(r, q);
          // Φ_r (never stored beyond this step) becomes U_r = S_r ⊙ Φ_r + decay · U_{r+1}
          // (Nesterov: S_r ⊙ Φ_r + μ U_r) in the contraction module's memory, layer by layer.
          if (dense) {
            simd.phi.set(dense);
            simd.sweepDense(q, sweep, 0, P);
          } else {
            layers.forEach((layer, l) => sweepLayer(simd, qf, n, k, q, Q, l, layer, sweep));
          }
          const coef = (name === 'adam' ? Math.fround(1 - segment.optimizer.beta1) : 1) / segment.batchSizes[r];
          const terms = simd.contract(r);
          const contribution = this.contributions[q];
          for (let b = 0; b < W; b++) {
            const i = segment.path.batches[r * W + b];
            if (i < 0) continue;
            const value = -coef * terms[b];
            contribution[i] += value;
            if (q === 0 && this.traces.has(i)) this.traces.record(i, start + r, value);
          }
        }
      }
      await yieldToEventLoop();
    }
  }

  /** Each row's training rows with the largest |contribution| (whose path kernel the explanation shows). */
  tops(): number[][] {
    return this.contributions.map((c) => topIndices(c, this.options.kernelTop));
  }

  /** The path kernel of each row's top contributors, from the kernels of all rows (only with `kernelsForAllRows`). */
  kernelsOfTops(tops: number[][]): Map<number, number>[] {
    const all = this.allKernels;
    if (!all) throw new Error('kernelsOfTops needs kernelsForAllRows');
    return tops.map((top, q) => new Map(top.map((i) => [i, all[q][i]])));
  }

  /** The refined dense Φ of `segment`'s steps, keyed by its local step · Q + row (for the path kernel on it). */
  refinedPhiOf(segment: LoadedRun): Map<number, Float32Array> {
    const start = segment.path.firstStep;
    const Q = this.block.count;
    const result = new Map<number, Float32Array>();
    for (const [key, phi] of this.refinedPhi) {
      const step = Math.floor(key / Q);
      if (step >= start && step < start + segment.path.steps) result.set((step - start) * Q + (key % Q), phi);
    }
    return result;
  }

  finish(kernels: Map<number, number>[]): RawExplanation[] {
    return rawExplanations({
      endpoints: this.endpoints,
      steps: this.run.path.steps,
      contributions: this.contributions,
      quadratureError: this.quadratureError,
      refinedSteps: this.refinedSteps,
      kernels,
      traces: this.traces,
    });
  }
}

/** The refined Φ of a segment's steps in the block's map, by local step (the map's keys are absolute). */
class LocalRefinedPhi {
  constructor(
    private readonly all: Map<number, Float32Array>,
    private readonly start: number,
    private readonly Q: number,
  ) {}

  get(step: number, row: number): Float32Array | undefined {
    return this.all.get((this.start + step) * this.Q + row);
  }

  set(step: number, row: number, phi: Float32Array): void {
    this.all.set((this.start + step) * this.Q + row, phi);
  }
}

const endpointRuns = new WeakMap<LoadedRun, LoadedRun>();

/**
 * The run seen as one step from w_0 to w_T: the query side's outputs at both ends, for stored and replayed runs alike.
 * One per run (its query-side kernel is reused); the path is built field by field, never spread, so a stored run's
 * lazily read second moments (runFiles.ts) stay unread.
 */
function endpointRun(run: LoadedRun): LoadedRun {
  const known = endpointRuns.get(run);
  if (known) return known;
  const P = run.layout.parameterCount;
  const weights = new Float32Array(2 * P);
  weights.set(initialWeights(run), 0);
  weights.set(finalWeights(run), P);
  const { batches, batchWidth, learningRates } = run.path;
  const path = {
    weights,
    batches,
    batchWidth,
    learningRates,
    adamV: null,
    steps: 1,
    checkpoints: null,
    replay: null,
    factors: null,
    firstStep: 0,
  };
  const view = { ...run, path };
  endpointRuns.set(run, view);
  return view;
}

/**
 * One layer of Φ_r for one row swept into U_r, from its node factors: the first layer's kernel is
 * x ⊗ Σ_k δ_k (x is fixed along the step), later kernels Σ_k a_k ⊗ δ_k, every bias Σ_k δ_k.
 */
function sweepLayer(
  simd: SimdContraction,
  qf: QueryFactors,
  n: number,
  local: number,
  q: number,
  Q: number,
  l: number,
  layer: LoadedRun['layout']['layers'][number],
  sweep: SweepStep,
): void {
  const { inputs, outputs } = layer;
  const delta = qf.delta[l];
  const d = simd.d;
  const a = qf.a[l];
  // Row q's factors of this step's points, contiguous per point ([Q, G, width], queryFactors.ts).
  const first = q * qf.points + local * n;
  if (a === null) {
    d.fill(0, 0, outputs);
    for (let k = 0; k < n; k++) {
      const dOff = (first + k) * outputs;
      for (let m = 0; m < outputs; m++) d[m] += delta[dOff + m];
    }
    simd.sweepFactored(q, sweep, layer, 1, true);
    return;
  }
  for (let k = 0; k < n; k++) {
    simd.a.set(a.subarray((first + k) * inputs, (first + k + 1) * inputs), k * inputs);
    d.set(delta.subarray((first + k) * outputs, (first + k + 1) * outputs), k * outputs);
  }
  simd.sweepFactored(q, sweep, layer, n, false);
}

/** Φ_s·Δ_s for a dense (refined) Φ, with Δ_s = w_{s+1} − w_s rounded to float32 as recorded. */
function denseDotIncrement(run: LoadedRun, dense: Float32Array, s: number, P: number): number {
  const w = run.path.weights;
  let dot = 0;
  for (let p = 0; p < P; p++) dot += dense[p] * Math.fround(w[(s + 1) * P + p] - w[s * P + p]);
  return dot;
}

/**
 * The per-step quadrature check with Φ_s·Δ_s from the query factors, and its refinement
 * (stepRefinement.ts); a refined dense Φ goes into `refined`.
 */
function refine(window: Omit<StepWindow, 'integrator'>, qf: QueryFactors, quadratureError: Float64Array, refined: LocalRefinedPhi): number {
  const { run, block, s0 } = window;
  const P = run.layout.parameterCount;
  const Q = block.count;
  const increment = (s: number, q: number): number => qf.incrementDots[(s - s0) * Q + q];
  return checkAndRefineSteps(
    { ...window, integrator: wasmSegmentIntegrator(run, block) },
    quadratureError,
    increment,
    ({ step, row }, values) => {
      const dense = values.slice();
      refined.set(step, row, dense);
      return denseDotIncrement(run, dense, step, P);
    },
  );
}
