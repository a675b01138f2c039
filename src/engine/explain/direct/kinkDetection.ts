import * as tf from '@tensorflow/tfjs-core';
import { tidyRead } from '../../model/tidyRead';
import type { LoadedRun } from '../shared/loadedRun';
import type { QueryBlock } from '../shared/blockTypes';
import { gaussLegendre } from '../shared/gaussLegendre';
import { poolArgMax } from '../../model/pooling';
import { activationFloats } from './tensorQuerySide';
import { analyticLayerCount, layerCuts, lines, parabolas } from './analyticKinks';

/**
 * Kinks along a step's segment: ReLU switching on or off, and a max-pool window's arg-max moving (path-kernel.md
 * §3.1; both make φ jump). Gauss–Legendre is exact between kinks but only first-order across one, and the per-step
 * residual check cannot see such an error once it is below float32 evaluation noise, yet those errors share a sign
 * and add up. So steps whose pattern (ReLU on/off, arg-maxes) differs between w_s and w_{s+1} are integrated
 * piecewise: the first one or two layers' kinks are located analytically (analyticKinks.ts), the pieces between them
 * bisected on the deeper layers' pattern until every piece has one pattern at both ends (or is shorter than 2⁻²⁴),
 * then Gauss on each piece.
 */

/** Distinct positive integer weights per unit of a pattern part, small enough that float32 sums stay exact. */
function unitWeights(units: number, part: number): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from({ length: units }, (_, u) => ((u * 7919 + part * 104729) % 997) + 1 + (part % 8) * 1000));
}

/**
 * An exact-integer signature of the ReLU and arg-max pattern at G weight points (one row each): [G, R], of the layers
 * from `from` on (the ones before are located analytically, analyticKinks.ts).
 */
function patternSignatures(run: LoadedRun, weights: tf.Tensor2D, x: tf.Tensor3D, from = 0): tf.Tensor {
  return tf.tidy(() => {
    const pass = run.network.forward(weights, x);
    let total: tf.Tensor | null = null;
    let part = 0;
    const add = (pattern: tf.Tensor) => {
      const weighted = tf.sum(tf.mul(pattern, unitWeights(pattern.shape[2] as number, part++)), 2);
      total = total ? tf.add(total, weighted) : weighted;
    };
    run.layout.layers.forEach((layer, k) => {
      if (k < from) return;
      if (layer.activation === 'relu') add(tf.cast(tf.greater(pass.preActivations[k], 0), 'float32'));
      layer.pools.forEach((p, j) => {
        if (p.kind === 'maxPool2d') add(tf.cast(poolArgMax(p, pass.poolInputs[k][j]), 'float32'));
      });
    });
    return total ?? tf.zeros(pass.output.shape.slice(0, 2));
  });
}

/** Whether a layer from `from` on can kink. */
function hasKinksFrom(run: LoadedRun, from: number): boolean {
  return run.layout.layers.some((l, k) => k >= from && (l.activation === 'relu' || l.pools.some((p) => p.kind === 'maxPool2d')));
}

/** Flags [T, Q]: 1 where the query's ReLU or arg-max pattern differs between w_s and w_{s+1}; null without either. */
export function kinkSteps(run: LoadedRun, block: QueryBlock): Uint8Array | null {
  if (!hasKinksFrom(run, 0)) return null;
  const P = run.layout.parameterCount;
  const T = run.path.steps;
  const Q = block.count;
  const F = run.data.featureCount;
  const signatures = new Float32Array((T + 1) * Q);
  const chunk = Math.max(1, Math.floor(4_000_000 / (P + Q * activationFloats(run))));
  for (let s0 = 0; s0 <= T; s0 += chunk) {
    const c = Math.min(chunk, T + 1 - s0);
    const values = tidyRead(() =>
      patternSignatures(run, tf.tensor2d(run.path.weights.subarray(s0 * P, (s0 + c) * P), [c, P]), tf.tensor3d(block.x, [1, Q, F])),
    );
    signatures.set(values, s0 * Q);
  }
  const flags = new Uint8Array(T * Q);
  for (let s = 0; s < T; s++) for (let q = 0; q < Q; q++) flags[s * Q + q] = signatures[s * Q + q] !== signatures[(s + 1) * Q + q] ? 1 : 0;
  return flags;
}

interface Piece {
  pair: number;
  /** Which interval between the pair's analytic bounds the piece lies in (pieces merge only within one). */
  group: number;
  a: number;
  b: number;
  sa: number;
  sb: number;
}

const MIN_WIDTH = 2 ** -24;
const EVAL_BUDGET = 4_000_000;
const PAIRS_PER_PASS = 128;

/**
 * Weight points w_s + t Δ_s for (pair, t) lists of one query row (a pass of passesByRow): → tensors [G, P], and the
 * row's input [1, 1, F], given once so the first layer runs once for all the points (one conv2d with every point's
 * filters side by side).
 */
function points(
  run: LoadedRun,
  block: QueryBlock,
  pairs: { step: number; row: number }[],
  items: { pair: number; t: number }[],
): { w: tf.Tensor2D; x: tf.Tensor3D } {
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const weights = new Float32Array(items.length * P);
  const path = run.path.weights;
  const row = pairs[items[0].pair].row;
  for (let g = 0; g < items.length; g++) {
    const { pair, t } = items[g];
    if (pairs[pair].row !== row) throw new Error('points: a pass holds the points of one query row');
    const from = pairs[pair].step * P;
    const to = g * P;
    for (let p = 0; p < P; p++) {
      const w0 = path[from + p];
      weights[to + p] = w0 + t * (path[from + P + p] - w0);
    }
  }
  return { w: tf.tensor2d(weights, [items.length, P]), x: tf.tensor3d(block.x.subarray(row * F, (row + 1) * F), [1, 1, F]) };
}

/**
 * The listed points' indices in passes of at most `per`, each pass one query row's: points of one row share its
 * input, so their first layer runs once (see `points`) and its factors stay [1, ·] (network.ts `sharedInputs`).
 */
function passesByRow(pairs: { step: number; row: number }[], items: { pair: number }[], per: number): number[][] {
  const byRow = new Map<number, number[]>();
  items.forEach(({ pair }, k) => {
    const row = pairs[pair].row;
    const list = byRow.get(row);
    if (list) list.push(k);
    else byRow.set(row, [k]);
  });
  const passes: number[][] = [];
  for (const list of byRow.values()) for (let k = 0; k < list.length; k += per) passes.push(list.slice(k, k + per));
  return passes;
}

/** A value of `width` floats per listed point (pair's step at t, the pair's row), batched by EVAL_BUDGET. */
function evaluatedAt(
  run: LoadedRun,
  block: QueryBlock,
  pairs: { step: number; row: number }[],
  items: { pair: number; t: number }[],
  width: number,
  evaluate: (w: tf.Tensor2D, x: tf.Tensor3D) => tf.Tensor,
): Float32Array {
  const out = new Float32Array(items.length * width);
  const per = Math.max(1, Math.floor(EVAL_BUDGET / (run.layout.parameterCount + activationFloats(run))));
  for (const pass of passesByRow(pairs, items, per)) {
    const values = tidyRead(() => {
      const { w, x } = points(
        run,
        block,
        pairs,
        pass.map((k) => items[k]),
      );
      return evaluate(w, x);
    });
    pass.forEach((k, j) => out.set(values.subarray(j * width, (j + 1) * width), k * width));
  }
  return out;
}

function signaturesAt(
  run: LoadedRun,
  block: QueryBlock,
  pairs: { step: number; row: number }[],
  items: { pair: number; t: number }[],
  from: number,
): Float32Array {
  return evaluatedAt(run, block, pairs, items, 1, (w, x) => patternSignatures(run, w, x, from));
}

/**
 * The bisection's leaves joined where neighbours share one pattern: bisecting towards a kink leaves a trail of pieces
 * of halving width with the pattern of one side, and the network is one polynomial along all of them, so one Gauss
 * rule covers their union (a kink then costs about one piece, not one per bisection level).
 */
function mergedPieces(leaves: Piece[]): Piece[] {
  const sorted = [...leaves].sort((x, y) => x.pair - y.pair || x.a - y.a);
  const merged: Piece[] = [];
  for (const leaf of sorted) {
    const last = merged[merged.length - 1];
    if (
      last &&
      last.pair === leaf.pair &&
      last.group === leaf.group &&
      last.b === leaf.a &&
      last.sa === last.sb &&
      leaf.sa === leaf.sb &&
      last.sb === leaf.sa
    )
      last.b = leaf.b;
    else merged.push({ ...leaf });
  }
  return merged;
}

/** Layer k's pre-activations at the listed points: Float32Array [items, outputs of k]. */
function preActivationsAt(
  run: LoadedRun,
  block: QueryBlock,
  pairs: { step: number; row: number }[],
  items: { pair: number; t: number }[],
  k: number,
): Float32Array {
  return evaluatedAt(run, block, pairs, items, run.layout.layers[k].outputs, (w, x) =>
    k === 0 ? run.network.layers[0].forward(x, w) : run.network.forward(w, x).preActivations[k],
  );
}

/**
 * The bounds [0, …, 1] of each pair's pieces between the analytic kinks of the first `count` layers: the first
 * layer's from its pre-activations at the step's ends, the second's from its pre-activations at the ends and the
 * middle of each of those pieces.
 */
function analyticBounds(run: LoadedRun, block: QueryBlock, pairs: { step: number; row: number }[], count: number): number[][] {
  // A few pairs at a time: the second layer's pre-activations at every bound and middle are held for the pass.
  const bounds: number[][] = [];
  for (let k = 0; k < pairs.length; k += PAIRS_PER_PASS)
    bounds.push(...analyticBoundsOf(run, block, pairs.slice(k, k + PAIRS_PER_PASS), count));
  return bounds;
}

function analyticBoundsOf(run: LoadedRun, block: QueryBlock, pairs: { step: number; row: number }[], count: number): number[][] {
  const layers = run.layout.layers;
  const units0 = layers[0].outputs;
  const ends = preActivationsAt(
    run,
    block,
    pairs,
    pairs.flatMap((_, pair) => [
      { pair, t: 0 },
      { pair, t: 1 },
    ]),
    0,
  );
  let bounds = pairs.map((_, j) => {
    const cuts = layerCuts(
      layers[0],
      lines(ends.subarray(2 * j * units0, (2 * j + 1) * units0), ends.subarray((2 * j + 1) * units0, (2 * j + 2) * units0)),
    );
    return [0, ...cuts.sort((x, y) => x - y), 1];
  });
  if (count < 2) return bounds;
  const units1 = layers[1].outputs;
  // Per pair: every bound, then every piece's middle.
  const items = bounds.flatMap((b, pair) => [...b.map((t) => ({ pair, t })), ...b.slice(1).map((t, g) => ({ pair, t: (b[g] + t) / 2 }))]);
  const z = preActivationsAt(run, block, pairs, items, 1);
  let offset = 0;
  bounds = bounds.map((b) => {
    const n = b.length;
    const value = (item: number) => z.subarray((offset + item) * units1, (offset + item + 1) * units1);
    const next = [...b];
    for (let g = 0; g + 1 < n; g++) {
      const width = b[g + 1] - b[g];
      for (const u of layerCuts(layers[1], parabolas(value(g), value(n + g), value(g + 1)))) next.push(b[g] + u * width);
    }
    offset += 2 * n - 1;
    return next.sort((x, y) => x - y);
  });
  return bounds;
}

/**
 * Gauss nodes a piece needs: along a piece of a network of L parameterized layers with only ReLU (or no) activations,
 * φ is a polynomial of degree L − 1 in t, which ⌈L/2⌉ Gauss–Legendre nodes integrate exactly.
 */
function pieceNodes(run: LoadedRun, nodes: number): number {
  const layers = run.layout.layers;
  const polynomial = layers.every((l) => l.activation === 'relu' || l.activation === 'linear');
  return polynomial ? Math.min(nodes, Math.ceil(layers.length / 2)) : nodes;
}

/**
 * Φ for (step, row) pairs integrated piecewise between kinks: Float32Array [pairs, P]. The first one or two layers'
 * kinks come analytically (analyticKinks.ts); the pieces between them are bisected on the deeper layers' pattern.
 */
export function kinkAwareSegmentGradients(
  run: LoadedRun,
  block: QueryBlock,
  pairs: { step: number; row: number }[],
  nodes: number,
): Float32Array {
  const P = run.layout.parameterCount;
  const C = run.outputCount;
  const analytic = analyticLayerCount(run.layout.layers);
  const bounds = analytic > 0 ? analyticBounds(run, block, pairs, analytic) : pairs.map(() => [0, 1]);
  const deeper = hasKinksFrom(run, analytic);
  // The deeper pattern at every bound (shared by the two pieces that meet there; deeper pre-activations are continuous).
  const boundItems = deeper ? bounds.flatMap((b, pair) => b.map((t) => ({ pair, t }))) : [];
  const boundSignatures = signaturesAt(run, block, pairs, boundItems, analytic);
  let open: Piece[] = [];
  let offset = 0;
  bounds.forEach((b, pair) => {
    for (let g = 0; g + 1 < b.length; g++)
      open.push({
        pair,
        group: g,
        a: b[g],
        b: b[g + 1],
        sa: deeper ? boundSignatures[offset + g] : 0,
        sb: deeper ? boundSignatures[offset + g + 1] : 0,
      });
    if (deeper) offset += b.length;
  });
  const leaves: Piece[] = [];
  while (open.length > 0) {
    const next: Piece[] = [];
    const split = open.filter((piece) => {
      if (piece.sa === piece.sb || piece.b - piece.a < MIN_WIDTH) {
        leaves.push(piece);
        return false;
      }
      return true;
    });
    if (split.length === 0) break;
    const mids = signaturesAt(
      run,
      block,
      pairs,
      split.map((piece) => ({ pair: piece.pair, t: (piece.a + piece.b) / 2 })),
      analytic,
    );
    split.forEach((piece, k) => {
      const m = (piece.a + piece.b) / 2;
      next.push({ ...piece, b: m, sb: mids[k] }, { ...piece, a: m, sa: mids[k] });
    });
    open = next;
  }
  const rule = gaussLegendre(pieceNodes(run, nodes));
  const items: { pair: number; t: number; weight: number }[] = [];
  for (const leaf of mergedPieces(leaves)) {
    const width = leaf.b - leaf.a;
    rule.nodes.forEach((t, k) => items.push({ pair: leaf.pair, t: leaf.a + t * width, weight: rule.weights[k] * width }));
  }
  const result = new Float64Array(pairs.length * P);
  const per = Math.max(1, Math.floor(EVAL_BUDGET / (2 * (P + activationFloats(run)))));
  for (const indices of passesByRow(pairs, items, per)) {
    const slice = indices.map((k) => items[k]);
    const grads = tidyRead(() => {
      const { w, x } = points(run, block, pairs, slice);
      const pass = run.network.forward(w, x);
      const e = new Float32Array(slice.length * C);
      slice.forEach(({ pair, weight }, g) => {
        const row = pairs[pair].row;
        for (let c = 0; c < C; c++) e[g * C + c] = weight * block.e[row * C + c];
      });
      return run.network.summedGradient(run.network.factors(pass, w, tf.tensor3d(e, [slice.length, 1, C]), true));
    });
    for (let g = 0; g < slice.length; g++) {
      const to = slice[g].pair * P;
      const from = g * P;
      for (let p = 0; p < P; p++) result[to + p] += grads[from + p];
    }
  }
  return Float32Array.from(result);
}
