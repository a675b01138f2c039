import * as tf from '@tensorflow/tfjs-core';
import type { ModelLayer } from '../../src/protocol';
import type { LoadedRun } from '../../src/engine/explain/shared/loadedRun';
import { compositeGaussLegendre, gaussLegendre } from '../../src/engine/explain/shared/gaussLegendre';

/**
 * An independent, literal implementation of path-kernel.md §2.1–2.3 for tiny networks: every
 * per-example gradient from `tf.grad` one example at a time, Φ_s by quadrature of `tf.grad` of the
 * explained output, and the optimizer sums written as plain loops over steps (O(T²) for momentum/Adam).
 * It shares no code with the engine's fast path except the run files and the quadrature nodes.
 */
function forward(run: LoadedRun, theta: tf.Tensor1D, x: tf.Tensor2D): tf.Tensor2D {
  if (run.record.model?.layers.some((l) => l.type !== 'dense')) return convolutionalForward(run, theta, x);
  let a: tf.Tensor2D = x;
  run.record.layout.forEach((entry, k) => {
    if (!entry.name.endsWith('/kernel')) return;
    const [rows, cols] = entry.shape;
    const W = tf.reshape(tf.slice(theta, entry.offset, rows * cols), [rows, cols]) as tf.Tensor2D;
    const biasEntry = run.record.layout[k + 1];
    const b = tf.slice(theta, biasEntry.offset, cols);
    const z = tf.add(tf.matMul(a, W), b) as tf.Tensor2D;
    a = activated(entry.activation, z) as tf.Tensor2D;
  });
  return a;
}

function activated(kind: string, z: tf.Tensor): tf.Tensor {
  switch (kind) {
    case 'tanh':
      return tf.tanh(z);
    case 'relu':
      return tf.relu(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'linear':
      return z;
    default:
      throw new Error(`brute force: activation ${kind} not covered`);
  }
}

/**
 * The same network written with TensorFlow.js's own layers ops (tf.conv2d, tf.maxPool, tf.avgPool on NHWC images,
 * the kernel [k, k, C_in, filters] read from run.json's layout): nothing of the engine's im2col formulation.
 */
function convolutionalForward(run: LoadedRun, theta: tf.Tensor1D, x: tf.Tensor2D): tf.Tensor2D {
  const image = run.record.image as { width: number; height: number; channels?: number };
  let a: tf.Tensor = tf.reshape(x, [1, image.height, image.width, image.channels ?? 1]);
  let entry = 0;
  const parameters = () => {
    const kernel = run.record.layout[entry];
    const bias = run.record.layout[entry + 1];
    entry += 2;
    const size = kernel.shape.reduce((p, q) => p * q, 1);
    return { kernel: tf.reshape(tf.slice(theta, kernel.offset, size), kernel.shape), bias: tf.slice(theta, bias.offset, bias.shape[0]) };
  };
  for (const layer of (run.record.model as { layers: ModelLayer[] }).layers) {
    switch (layer.type) {
      case 'conv2d': {
        const { kernel, bias } = parameters();
        a = activated(layer.activation, tf.add(tf.conv2d(a as tf.Tensor4D, kernel as tf.Tensor4D, layer.stride, layer.padding), bias));
        break;
      }
      case 'maxPool2d':
        a = tf.maxPool(a as tf.Tensor4D, layer.size, layer.size, 'valid');
        break;
      case 'avgPool2d':
        a = tf.avgPool(a as tf.Tensor4D, layer.size, layer.size, 'valid');
        break;
      case 'flatten':
        a = tf.reshape(a, [1, -1]);
        break;
      case 'dense': {
        const { kernel, bias } = parameters();
        a = activated(layer.activation, tf.add(tf.matMul(a as tf.Tensor2D, kernel as tf.Tensor2D), bias));
        break;
      }
    }
  }
  const { kernel, bias } = parameters();
  return tf.add(tf.matMul(tf.reshape(a, [1, -1]), kernel as tf.Tensor2D), bias) as tf.Tensor2D;
}

function lossOf(run: LoadedRun, out: tf.Tensor2D, y: number): tf.Scalar {
  switch (run.record.task) {
    case 'regression':
      return tf.sum(tf.square(tf.sub(out, y))) as tf.Scalar;
    case 'binary':
      return tf.sum(tf.sub(tf.softplus(out), tf.mul(out, y))) as tf.Scalar;
    case 'multiclass':
      return tf.sub(tf.logSumExp(out), tf.sum(tf.slice(tf.reshape(out, [-1]), y, 1))) as tf.Scalar;
  }
}

function vec(run: LoadedRun, s: number): tf.Tensor1D {
  const P = run.layout.parameterCount;
  return tf.tensor1d(run.path.weights.slice(s * P, (s + 1) * P));
}

export function bruteForceContributions(
  run: LoadedRun,
  x: Float32Array,
  e: Float32Array,
  nodes = 8,
  /** Sub-segments of each step (a composite rule): ReLU and max-pool kinks are then crossed by short pieces only. */
  pieces = 1,
): { contributions: Float64Array; bias: number; network: number } {
  const P = run.layout.parameterCount;
  const T = run.path.steps;
  const W = run.path.batchWidth;
  const F = run.data.featureCount;
  const N = run.record.trainRows;
  const xq = tf.tensor2d(x, [1, F]);
  const eT = tf.tensor1d(e);
  const explained = (theta: tf.Tensor1D) => tf.sum(tf.mul(forward(run, theta, xq), eT)) as tf.Scalar;
  const rule = pieces > 1 ? compositeGaussLegendre(nodes, pieces) : gaussLegendre(nodes);
  // Φ_s for every step, by quadrature of tf.grad of the explained output.
  const phi: Float64Array[] = [];
  for (let s = 0; s < T; s++) {
    const acc = new Float64Array(P);
    tf.tidy(() => {
      const w0 = vec(run, s);
      const delta = tf.sub(vec(run, s + 1), w0);
      rule.nodes.forEach((t, k) => {
        const g = tf
          .grad((t: tf.Tensor) => explained(t as tf.Tensor1D))(tf.add(w0, tf.mul(delta, t)) as tf.Tensor1D)
          .dataSync();
        for (let p = 0; p < P; p++) acc[p] += rule.weights[k] * g[p];
      });
    });
    phi.push(acc);
  }
  // Per-example loss gradients G_{i,s} at w_s, one example at a time.
  const grads: Map<number, Float64Array>[] = [];
  for (let s = 0; s < T; s++) {
    const perExample = new Map<number, Float64Array>();
    tf.tidy(() => {
      const w = vec(run, s);
      for (let b = 0; b < W; b++) {
        const i = run.path.batches[s * W + b];
        if (i < 0) continue;
        const xi = tf.tensor2d(run.data.trainX.slice(i * F, (i + 1) * F), [1, F]);
        const yi = run.data.trainY[i];
        const g = tf
          .grad((theta: tf.Tensor) => lossOf(run, forward(run, theta as tf.Tensor1D, xi), yi))(w)
          .dataSync();
        perExample.set(i, Float64Array.from(g));
      }
    });
    grads.push(perExample);
  }
  const { name, nesterov } = run.optimizer;
  // TensorFlow.js holds these constants as float32 scalars.
  const momentum = Math.fround(run.optimizer.momentum);
  const beta1 = Math.fround(run.optimizer.beta1);
  const beta2 = Math.fround(run.optimizer.beta2);
  const epsilon = Math.fround(run.optimizer.epsilon);
  let acc1 = beta1;
  let acc2 = beta2;
  const c1s: number[] = [];
  const c2s: number[] = [];
  for (let s = 0; s < T; s++) {
    c1s.push(Math.fround(1 - acc1));
    c2s.push(Math.fround(1 - acc2));
    acc1 = Math.fround(acc1 * beta1);
    acc2 = Math.fround(acc2 * beta2);
  }
  const eta = (s: number) => run.path.learningRates[s];
  const contributions = new Float64Array(N);
  // Δ_s expressed through the batch-mean gradients ḡ_r of steps r ≤ s, literally.
  for (let s = 0; s < T; s++) {
    for (let r = 0; r <= s; r++) {
      const B = grads[r].size;
      // weight[p] such that Δ_s contains −weight[p]·ḡ_r[p]
      const weight = new Float64Array(P);
      if (name === 'sgd') {
        if (r !== s) continue;
        weight.fill(eta(s));
      } else if (name === 'momentum') {
        const power = nesterov ? (r === s ? 1 + momentum : Math.pow(momentum, s - r + 1)) : Math.pow(momentum, s - r);
        weight.fill(eta(s) * power);
      } else {
        const v = run.path.adamV as Float32Array;
        const c1 = c1s[s];
        const c2 = c2s[s];
        for (let p = 0; p < P; p++) {
          const D = 1 / (c1 * (Math.sqrt(v[s * P + p] / c2) + epsilon));
          weight[p] = eta(s) * D * Math.fround(1 - beta1) * Math.pow(beta1, s - r);
        }
      }
      for (const [i, g] of grads[r]) {
        let dot = 0;
        for (let p = 0; p < P; p++) dot += phi[s][p] * weight[p] * g[p];
        contributions[i] -= dot / B;
      }
    }
  }
  const bias = tf.tidy(() => explained(vec(run, 0)).dataSync()[0]);
  const network = tf.tidy(() => explained(vec(run, T)).dataSync()[0]);
  xq.dispose();
  eT.dispose();
  return { contributions, bias, network };
}
