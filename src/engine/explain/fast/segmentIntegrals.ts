import { gaussLegendre } from '../shared/gaussLegendre';
import type { LoadedRun } from '../shared/loadedRun';
import type { QueryBlock } from '../shared/blockTypes';
import { querySideFor, type SimdQuerySide } from './wasm/simdQuerySide';
import type { SegmentIntegrator, StepRow } from '../shared/stepRefinement';

/** Below this width a piece is not bisected further (as the direct method's kinkDetection.ts). */
const MIN_WIDTH = 2 ** -24;

/**
 * Φ over one step's segment for one row, on the WebAssembly query side (float64), for the fast
 * method's refinement: the composite Gauss–Legendre rule, and ReLU steps integrated piecewise between
 * their kinks. A first-layer ReLU kinks exactly where a pre-activation, linear in t along the step
 * (x is fixed), crosses zero, so those pieces come from the endpoint products directly; ReLU in later
 * layers is located by bisection on the on/off pattern, like the direct method (kinkDetection.ts).
 */
export function wasmSegmentIntegrator(run: LoadedRun, block: QueryBlock): SegmentIntegrator {
  const side = querySideFor(run);
  const P = run.layout.parameterCount;
  const layers = run.layout.layers;
  const deeperRelu = layers.some((l, k) => k > 0 && l.activation === 'relu');

  /** Loads the row's input and the first-layer products at both ends of the step. */
  const enter = ({ step, row }: StepRow): void => {
    const F = run.data.featureCount;
    for (let f = 0; f < F; f++) side.x[f] = block.x[row * F + f];
    side.firstLayer([step, step + 1]);
  };

  const integrate = (pairs: StepRow[], piecesOf: (pair: StepRow) => number[], nodes: number): Float32Array => {
    const rule = gaussLegendre(nodes);
    const result = new Float32Array(pairs.length * P);
    const phi = new Float64Array(P);
    pairs.forEach((pair, j) => {
      enter(pair);
      phi.fill(0);
      const cuts = piecesOf(pair);
      for (let k = 0; k + 1 < cuts.length; k++) {
        const width = cuts[k + 1] - cuts[k];
        rule.nodes.forEach((t, i) => addGradient(run, side, block, pair, cuts[k] + t * width, rule.weights[i] * width, phi));
      }
      for (let p = 0; p < P; p++) result[j * P + p] = phi[p];
    });
    return result;
  };

  return {
    composite: (pairs, nodes, pieces) => {
      const cuts = Array.from({ length: pieces + 1 }, (_, k) => k / pieces);
      return integrate(pairs, () => cuts, nodes);
    },
    kinkAware: (pairs, nodes) =>
      integrate(
        pairs,
        (pair) => {
          const cuts = layers[0].activation === 'relu' ? firstLayerKinks(run, side) : [0, 1];
          return deeperRelu ? bisectPatterns(side, pair.step, cuts) : cuts;
        },
        nodes,
      ),
  };
}

/** 0, the crossings of zero by the first layer's pre-activations inside (0, 1) in order, 1. */
function firstLayerKinks(run: LoadedRun, side: SimdQuerySide): number[] {
  const out = run.layout.layers[0].outputs;
  const z = side.firstLayerProducts[0];
  const cuts = [0, 1];
  for (let m = 0; m < out; m++) {
    const a = z[m];
    const b = z[out + m];
    if (a > 0 !== b > 0 && a !== b) {
      const t = a / (a - b);
      if (t > 0 && t < 1) cuts.push(t);
    }
  }
  return cuts.sort((x, y) => x - y);
}

/** The on/off pattern of every ReLU layer at w_s + tΔ_s, as one string. */
function patternAt(side: SimdQuerySide, s: number, t: number): string {
  side.firstLayerAt(0, 1, t);
  side.forwardPoint(s, t);
  return side.reluPattern();
}

/**
 * Splits each piece until both ends share one ReLU pattern (or it is narrower than MIN_WIDTH). Pieces
 * from first-layer crossings have a first-layer unit at exactly zero at their ends; their patterns are
 * taken just inside the piece.
 */
function bisectPatterns(side: SimdQuerySide, s: number, cuts: number[]): number[] {
  const result = [0];
  const inside = (t: number, toward: number) => t + (toward - t) * 1e-9;
  for (let k = 0; k + 1 < cuts.length; k++) {
    const open = [
      {
        a: cuts[k],
        b: cuts[k + 1],
        sa: patternAt(side, s, inside(cuts[k], cuts[k + 1])),
        sb: patternAt(side, s, inside(cuts[k + 1], cuts[k])),
      },
    ];
    const done: number[] = [];
    while (open.length > 0) {
      const piece = open.pop() as { a: number; b: number; sa: string; sb: string };
      if (piece.sa === piece.sb || piece.b - piece.a < MIN_WIDTH) {
        done.push(piece.b);
        continue;
      }
      const m = (piece.a + piece.b) / 2;
      const sm = patternAt(side, s, m);
      open.push({ a: m, b: piece.b, sa: sm, sb: piece.sb }, { a: piece.a, b: m, sa: piece.sa, sb: sm });
    }
    result.push(...done.sort((x, y) => x - y));
  }
  return result;
}

/** phi += weight · ∇_w f_e(x; w_s + tΔ_s) for the loaded row: per layer a ⊗ δ (kernel) and δ (bias). */
function addGradient(
  run: LoadedRun,
  side: SimdQuerySide,
  block: QueryBlock,
  pair: StepRow,
  t: number,
  weight: number,
  phi: Float64Array,
): void {
  const layers = run.layout.layers;
  side.firstLayerAt(0, 1, t);
  side.forwardPoint(pair.step, t);
  const { delta, x } = side;
  side.backwardPoint(block.e, pair.row * run.outputCount, (l) => {
    const { inputs, outputs, kernelOffset, biasOffset } = layers[l];
    const input = l === 0 ? x : side.layers[l - 1].h;
    for (let j = 0; j < inputs; j++) {
      const aj = weight * input[j];
      if (aj === 0) continue;
      const row = kernelOffset + j * outputs;
      for (let m = 0; m < outputs; m++) phi[row + m] += aj * delta[m];
    }
    for (let m = 0; m < outputs; m++) phi[biasOffset + m] += weight * delta[m];
  });
}
