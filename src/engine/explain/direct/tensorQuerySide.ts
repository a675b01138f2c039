/**
 * The query side of the path kernel for a block of Q rows: the explained output f_e = eᵀf at every
 * recorded weight vector, and Φ_s(x) = ∫₀¹ φ(x; w_s + tΔ_s) dt for every step (Gauss–Legendre).
 */
import * as tf from '@tensorflow/tfjs-core';
import { tidyRead } from '../../model/tidyRead';
import type { LoadedRun } from '../shared/loadedRun';
import { compositeGaussLegendre, gaussLegendre } from '../shared/gaussLegendre';
import type { QueryBlock } from '../shared/blockTypes';

const POINT_BUDGET = 6_000_000; // floats per batched evaluation (weights + activations)

/** f_e(x_q; w_s) for s = 0..T: Float64Array [(T+1), Q]. */
export function endpointOutputs(run: LoadedRun, block: QueryBlock): Float64Array {
  const P = run.layout.parameterCount;
  const T = run.path.steps;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const Q = block.count;
  const result = new Float64Array((T + 1) * Q);
  const chunk = Math.max(1, Math.floor(POINT_BUDGET / (P + Q * activationFloats(run))));
  for (let s0 = 0; s0 <= T; s0 += chunk) {
    const c = Math.min(chunk, T + 1 - s0);
    const values = tidyRead(() => {
      const weights = tf.tensor2d(run.path.weights.subarray(s0 * P, (s0 + c) * P), [c, P]);
      const output = run.network.forward(weights, tf.tensor3d(block.x, [1, Q, F])).output;
      return tf.sum(tf.mul(output, tf.tensor3d(block.e, [1, Q, C])), 2);
    });
    for (let k = 0; k < c * Q; k++) result[s0 * Q + k] = values[k];
  }
  return result;
}

/** Floats a forward and backward pass hold per row: every layer's input, pre-activation, activation and gradient. */
export function activationFloats(run: LoadedRun): number {
  return run.layout.layers.reduce(
    (sum, l) => sum + l.inputs + 3 * l.outputs + l.pools.reduce((s, p) => s + 2 * p.output.height * p.output.width * p.output.channels, 0),
    0,
  );
}

/**
 * Φ for the listed steps and all Q rows, Float32Array [steps, Q, P]. Points w_s + t_k Δ_s are formed per node; one
 * batched forward and backward pass gives every (step, node, row)'s factors.
 */
export function stepGradients(run: LoadedRun, block: QueryBlock, steps: readonly number[], nodes: number): Float32Array {
  const P = run.layout.parameterCount;
  const Q = block.count;
  // Steps per batched pass: a convolutional network's activations are large, so the passes are bounded by them too.
  const perPass = Math.max(1, Math.floor(POINT_BUDGET / (gaussLegendre(nodes).nodes.length * (P + Q * activationFloats(run)))));
  if (steps.length > perPass) {
    const result = new Float32Array(steps.length * Q * P);
    for (let k = 0; k < steps.length; k += perPass) result.set(stepGradients(run, block, steps.slice(k, k + perPass), nodes), k * Q * P);
    return result;
  }
  const F = run.data.featureCount;
  const C = run.outputCount;
  const c = steps.length;
  const rule = gaussLegendre(nodes);
  const n = rule.nodes.length;
  const starts = new Float32Array(c * P);
  const ends = new Float32Array(c * P);
  steps.forEach((s, k) => {
    starts.set(run.path.weights.subarray(s * P, (s + 1) * P), k * P);
    ends.set(run.path.weights.subarray((s + 1) * P, (s + 2) * P), k * P);
  });
  return tidyRead(() => {
    const start = tf.tensor2d(starts, [c, P]);
    const delta = tf.sub(tf.tensor2d(ends, [c, P]), start);
    // Node-major points: [n·c, P].
    const points = tf.concat(
      rule.nodes.map((t) => tf.add(start, tf.mul(delta, t))),
      0,
    ) as tf.Tensor2D;
    const pass = run.network.forward(points, tf.tensor3d(block.x, [1, Q, F]));
    const grad = tf.broadcastTo(tf.tensor3d(block.e, [1, Q, C]), [n * c, Q, C]) as tf.Tensor3D;
    const factors = run.network.factors(pass, points, grad);
    const nodeWeights = tf.tensor3d(
      rule.weights.flatMap((w) => new Array<number>(c).fill(w)),
      [n * c, 1, 1],
    );
    const grouped = factors.map((f) => ({
      a: regroup(f.a, n, c, Q),
      delta: regroup(tf.mul(f.delta, nodeWeights) as tf.Tensor3D, n, c, Q),
    }));
    return run.network.summedGradient(grouped);
  });
}

/** [n·c, Q, d] (node-major) → [c·Q, n, d]: the n nodes of one (step, row) become one group. */
function regroup(t: tf.Tensor3D, n: number, c: number, Q: number): tf.Tensor3D {
  const d = t.shape[2];
  return tf.reshape(tf.transpose(tf.reshape(t, [n, c, Q, d]), [1, 2, 0, 3]), [c * Q, n, d]);
}

/**
 * Φ for selected (step, row) pairs with the composite rule (`pieces` sub-segments × `nodes` nodes):
 * the adaptive refinement of steps whose quadrature check failed (ReLU kinks, large steps).
 * Returns Float32Array [pairs, P].
 */
export function refinedSegmentGradients(
  run: LoadedRun,
  block: QueryBlock,
  pairs: { step: number; row: number }[],
  nodes: number,
  pieces: number,
): Float32Array {
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const rule = compositeGaussLegendre(nodes, pieces);
  const m = rule.nodes.length;
  const result = new Float32Array(pairs.length * P);
  const perChunk = Math.max(1, Math.floor(POINT_BUDGET / (m * (P + activationFloats(run)))));
  for (let p0 = 0; p0 < pairs.length; p0 += perChunk) {
    const chunk = pairs.slice(p0, p0 + perChunk);
    const k = chunk.length;
    const values = tidyRead(() => {
      const starts = new Float32Array(k * P);
      const ends = new Float32Array(k * P);
      const xs = new Float32Array(k * F);
      const es = new Float32Array(k * C);
      chunk.forEach(({ step, row }, j) => {
        starts.set(run.path.weights.subarray(step * P, (step + 1) * P), j * P);
        ends.set(run.path.weights.subarray((step + 1) * P, (step + 2) * P), j * P);
        xs.set(block.x.subarray(row * F, (row + 1) * F), j * F);
        es.set(block.e.subarray(row * C, (row + 1) * C), j * C);
      });
      const start = tf.tensor3d(starts, [k, 1, P]);
      const delta = tf.sub(tf.tensor3d(ends, [k, 1, P]), start);
      const t = tf.tensor3d(rule.nodes, [1, m, 1]);
      const points = tf.reshape(tf.add(start, tf.mul(delta, t)), [k * m, P]) as tf.Tensor2D;
      const x = tf.reshape(tf.broadcastTo(tf.tensor3d(xs, [k, 1, F]), [k, m, F]), [k * m, 1, F]) as tf.Tensor3D;
      const pass = run.network.forward(points, x);
      const grad = tf.reshape(tf.broadcastTo(tf.tensor3d(es, [k, 1, C]), [k, m, C]), [k * m, 1, C]) as tf.Tensor3D;
      const factors = run.network.factors(pass, points, grad);
      const w = tf.tensor3d(rule.weights, [1, m, 1]);
      const grouped = factors.map((f) => ({
        a: tf.reshape(f.a, [k, m, f.a.shape[2]]) as tf.Tensor3D,
        delta: tf.mul(tf.reshape(f.delta, [k, m, f.delta.shape[2]]), w) as tf.Tensor3D,
      }));
      return run.network.summedGradient(grouped);
    });
    result.set(values, p0 * P);
  }
  return result;
}
