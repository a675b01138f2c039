import * as tf from '@tensorflow/tfjs-core';
import { activate } from '../model/activations';
import type { ForwardPass } from '../model/mlp';
import type { LoadedRun } from './loadedRun';
import type { QueryBlock } from './querySide';

/** A quadrature rule on [0, 1]; left-point is { nodes: [0], weights: [1] }. */
export interface Rule {
  nodes: number[];
  weights: number[];
}

/**
 * Query-side factors of a block of Q rows at the rule's nodes of the listed steps, transposed so the
 * query index runs fastest: per layer a [G, in, Q] (null for the first layer: its input is x) and
 * node-weighted δ [G, out, Q], G = steps × nodes (step-major). Φ_s = Σ_k a_k ⊗ δ_k per layer.
 */
export interface QueryFactors {
  a: (Float32Array | null)[];
  delta: Float32Array[];
  /** f_e(x_q; w_s) for the requested endpoint weight indices: [E, Q]. */
  endpoints: Float32Array;
}

/**
 * One batched forward and backward pass over all points. The first layer, whose input x is shared by
 * every point, runs as ONE large 2-D matmul X [Q, F] @ [F, points·out] (fast in wasm); later layers as
 * batched matmuls.
 */
export function queryFactors(run: LoadedRun, block: QueryBlock, steps: ArrayLike<number>, rule: Rule, endpointSteps: ArrayLike<number>): QueryFactors {
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const Q = block.count;
  const n = rule.nodes.length;
  const E = endpointSteps.length;
  const G = steps.length * n;
  const total = E + G;
  const w = run.path.weights;
  const points = new Float32Array(total * P);
  for (let k = 0; k < E; k++) points.set(w.subarray(endpointSteps[k] * P, (endpointSteps[k] + 1) * P), k * P);
  for (let j = 0; j < steps.length; j++) {
    const s = steps[j];
    for (let k = 0; k < n; k++) {
      const t = rule.nodes[k];
      const base = (E + j * n + k) * P;
      const w0 = s * P;
      const w1 = (s + 1) * P;
      for (let p = 0; p < P; p++) points[base + p] = w[w0 + p] + t * (w[w1 + p] - w[w0 + p]);
    }
  }
  const first = run.layout.layers[0];
  const out0 = first.outputs;
  // First-layer kernels side by side: K0[f, g·out0 + m].
  const k0 = new Float32Array(F * total * out0);
  for (let g = 0; g < total; g++) {
    for (let f = 0; f < F; f++) {
      const src = g * P + first.kernelOffset + f * out0;
      k0.set(points.subarray(src, src + out0), f * total * out0 + g * out0);
    }
  }
  const nodeWeights = new Float32Array(G);
  for (let j = 0; j < steps.length; j++) for (let k = 0; k < n; k++) nodeWeights[j * n + k] = rule.weights[k];
  const layers = run.mlp.layers;
  const acts = run.mlp.activations;
  // A manual scope: tf.tidy cannot return the null of the first layer's `a`.
  tf.engine().startScope();
  try {
    const weights = tf.tensor2d(points, [total, P]);
    const x = tf.tensor2d(block.x, [Q, F]);
    const bias0 = tf.reshape(tf.slice(weights, [0, first.biasOffset], [-1, out0]), [total, 1, out0]);
    const z0 = tf.add(tf.transpose(tf.reshape(tf.matMul(x, tf.tensor2d(k0, [F, total * out0])), [Q, total, out0]), [1, 0, 2]), bias0) as tf.Tensor3D;
    const inputs: tf.Tensor3D[] = [tf.reshape(x, [1, Q, F])];
    const pre: tf.Tensor3D[] = [z0];
    let a = activate(acts[0], z0) as tf.Tensor3D;
    for (let l = 1; l < layers.length; l++) {
      inputs.push(a);
      const z = layers[l].forward(a, weights);
      pre.push(z);
      a = activate(acts[l], z) as tf.Tensor3D;
    }
    const e = tf.tensor3d(block.e, [1, Q, C]);
    const fe = tf.sum(tf.mul(a, e), 2);
    const endpoints = E > 0 ? (tf.slice(fe, [0, 0], [E, -1]).dataSync() as Float32Array) : new Float32Array(0);
    if (G === 0) return { a: [], delta: [], endpoints };
    const nodeSlice = (t: tf.Tensor3D): tf.Tensor3D => tf.slice(t, [E, 0, 0], [G, -1, -1]);
    const pass: ForwardPass = {
      output: nodeSlice(a),
      inputs: inputs.map((t, l) => (l === 0 ? t : nodeSlice(t))),
      preActivations: pre.map(nodeSlice),
    };
    const nodeWeightsT = tf.tensor3d(nodeWeights, [G, 1, 1]);
    const factors = run.mlp.factors(pass, tf.slice(weights, [E, 0], [G, -1]) as tf.Tensor2D, tf.broadcastTo(e, [G, Q, C]) as tf.Tensor3D);
    return {
      a: factors.map((f, l) => (l === 0 ? null : (tf.transpose(f.a, [0, 2, 1]).dataSync() as Float32Array))),
      delta: factors.map((f) => tf.transpose(tf.mul(f.delta, nodeWeightsT), [0, 2, 1]).dataSync() as Float32Array),
      endpoints,
    };
  } finally {
    tf.engine().endScope();
  }
}
