// The naive baseline of `npm run bench`: TracIn-style first-order attribution with one tf.grad call per
// training example per step, preconditioned by the recorded Adam state, left point only (issue 5).
// It deliberately shares nothing with src/engine/explain: its own forward pass in plain tf ops.
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedRun } from '../src/engine/explain/shared/loadedRun';
import { activate } from '../src/engine/model/activations';
import type { ParameterLayout } from '../src/engine/model/parameterLayout';

export interface NaiveRow {
  testRow: number;
  network: number;
  bias: number;
  kernelMachine: number;
  residual: { signed: number; rel: number };
  /** c_i for every training row (float64), for comparisons with the exact method. */
  contributions: Float64Array;
}

export interface NaiveResult {
  rows: NaiveRow[];
  timedSteps: number[];
  /** Per-example gradients actually computed (one tf.grad call each) in the timed steps. */
  measuredGradients: number;
  /** Per-example gradients the method needs over the whole run: Σ_s |B_s|. */
  totalGradients: number;
  /** Timed steps: every example's tf.grad + download + the step's η_s D_s (shared by all rows). */
  sharedMeasuredMs: number;
  /** Timed steps, per row: its explained-output tf.grad at w_s and the dot products with the step's gradients. */
  perRowMeasuredMs: number[];
  sharedExtrapolatedMs: number;
  perRowExtrapolatedMs: number;
  /** The naive method's cost of one explained row: shared part amortized over the rows, plus the per-row part. */
  perRowTotalExtrapolatedMs: number;
  /** The untimed values pass: all steps, per-example gradients in factored form (a ⊗ δ) for the residual. */
  valuesPassMs: number;
  /** Max |difference| of the timed steps' per-example products between the two passes, relative to their max. */
  passAgreement: number;
}

/** Outputs [R, C] for R rows x [R, F], row r evaluated with its own weight vector w[r] ([R, P]). */
function forward(layout: ParameterLayout, w: tf.Tensor2D, x: tf.Tensor2D): tf.Tensor2D {
  const rows = x.shape[0];
  let a = tf.reshape(x, [rows, 1, x.shape[1]]) as tf.Tensor3D;
  for (const layer of layout.layers) {
    const kernel = tf.reshape(tf.slice(w, [0, layer.kernelOffset], [rows, layer.inputs * layer.outputs]), [
      rows,
      layer.inputs,
      layer.outputs,
    ]) as tf.Tensor3D;
    const bias = tf.reshape(tf.slice(w, [0, layer.biasOffset], [rows, layer.outputs]), [rows, 1, layer.outputs]);
    a = activate(layer.activation, tf.add(tf.matMul(a, kernel), bias)) as tf.Tensor3D;
  }
  return tf.reshape(a, [rows, a.shape[2]]) as tf.Tensor2D;
}

/** Σ_r of the multiclass cross-entropy ℓ_r = logsumexp(z_r) − z_r[y_r]. */
function summedLoss(layout: ParameterLayout, w: tf.Tensor2D, x: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  const z = forward(layout, w, x);
  return tf.sum(tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(z, oneHot), -1)));
}

/** Σ_r e_r · f(x_r; w_r): its gradient w.r.t. the row's weights is φ(x_r; w_r). */
function summedExplained(layout: ParameterLayout, w: tf.Tensor2D, x: tf.Tensor2D, e: tf.Tensor2D): tf.Scalar {
  return tf.sum(tf.mul(forward(layout, w, x), e));
}

function dot(u: Float64Array, g: Float32Array, offset: number): number {
  let s = 0;
  for (let p = 0; p < u.length; p++) s += u[p] * g[offset + p];
  return s;
}

/** η_s D_s of §2.3 (bias-corrected, β powers chained in float32 as TensorFlow.js holds them). */
function preconditioners(run: LoadedRun): (s: number, out: Float64Array) => void {
  const { beta1, beta2, epsilon } = run.optimizer;
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const v = run.path.adamV;
  if (run.optimizer.name !== 'adam' || !v) throw new Error('naive baseline: needs an Adam run with a recorded second moment');
  const pow1 = new Float64Array(T);
  const pow2 = new Float64Array(T);
  let b1 = Math.fround(beta1);
  let b2 = Math.fround(beta2);
  for (let s = 0; s < T; s++) {
    pow1[s] = b1;
    pow2[s] = b2;
    b1 = Math.fround(b1 * Math.fround(beta1));
    b2 = Math.fround(b2 * Math.fround(beta2));
  }
  return (s, out) => {
    const eta = run.path.learningRates[s];
    const c1 = 1 - pow1[s];
    const c2 = 1 - pow2[s];
    for (let p = 0; p < P; p++) out[p] = eta / (c1 * (Math.sqrt(v[s * P + p] / c2) + epsilon));
  };
}

/** Training rows of step s (padding dropped). */
function batchOf(run: LoadedRun, s: number): number[] {
  const W = run.path.batchWidth;
  const rows: number[] = [];
  for (let b = 0; b < W; b++) {
    const i = run.path.batches[s * W + b];
    if (i >= 0) rows.push(i);
  }
  return rows;
}

/** Per layer, the R rows' inputs a [R, in] and δ = ∂(scalar)/∂z [R, out] at one weight vector. */
function layerFactors(
  layout: ParameterLayout,
  weights: Float32Array,
  x: Float32Array,
  rows: number,
  scalar: (output: tf.Tensor2D) => tf.Tensor,
): { a: Float32Array; delta: Float32Array }[] {
  return tf.tidy(() => {
    const w = tf.tensor1d(weights);
    const kernels = layout.layers.map(
      (l) => tf.reshape(tf.slice(w, l.kernelOffset, l.inputs * l.outputs), [l.inputs, l.outputs]) as tf.Tensor2D,
    );
    const biases = layout.layers.map((l) => tf.slice(w, l.biasOffset, l.outputs));
    // The network from layer l's pre-activation z_l on; rows never interact, so ∂Σ/∂z_l is per row.
    const rest = (l: number, z: tf.Tensor2D): tf.Tensor => {
      let a = activate(layout.layers[l].activation, z) as tf.Tensor2D;
      for (let m = l + 1; m < layout.layers.length; m++)
        a = activate(layout.layers[m].activation, tf.add(tf.matMul(a, kernels[m]), biases[m])) as tf.Tensor2D;
      return scalar(a);
    };
    let a = tf.tensor2d(x, [rows, x.length / rows]);
    const result: { a: Float32Array; delta: Float32Array }[] = [];
    layout.layers.forEach((layer, l) => {
      const z = tf.add(tf.matMul(a, kernels[l]), biases[l]) as tf.Tensor2D;
      const delta = tf.grad((zl: tf.Tensor) => rest(l, zl as tf.Tensor2D))(z);
      result.push({ a: a.dataSync() as Float32Array, delta: delta.dataSync() as Float32Array });
      a = activate(layer.activation, z) as tf.Tensor2D;
    });
    return result;
  });
}

/** `count` steps spread evenly over the run. */
export function spreadSteps(total: number, count: number): number[] {
  const n = Math.min(total, count);
  return Array.from({ length: n }, (_, k) => Math.floor(((k + 0.5) * total) / n));
}

export function naiveBaseline(run: LoadedRun, testRows: number[], timedStepCount: number): NaiveResult {
  if (run.record.task !== 'multiclass') throw new Error('naive baseline: written for multiclass runs (W1)');
  const { layout } = run;
  const P = layout.parameterCount;
  const T = run.path.steps;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const N = run.record.trainRows;
  const Q = testRows.length;
  const trainY = run.data.trainY;
  const weightsAt = (s: number): Float32Array => run.path.weights.subarray(s * P, (s + 1) * P);
  const trainRow = (i: number): Float32Array => run.data.trainX.subarray(i * F, (i + 1) * F);
  const queryX = new Float32Array(Q * F);
  testRows.forEach((row, q) => queryX.set(run.data.testX.subarray(row * F, (row + 1) * F), q * F));

  // Explained output: the logit of the class predicted at w_T (the engine's default), bias f_e(x; w_0).
  const outputsAt = (s: number): Float32Array =>
    tf.tidy(
      () =>
        forward(
          layout,
          tf.tile(tf.tensor2d(weightsAt(s), [1, P]), [Q, 1]) as tf.Tensor2D,
          tf.tensor2d(queryX, [Q, F]),
        ).dataSync() as Float32Array,
    );
  const final = outputsAt(T);
  const initial = outputsAt(0);
  const e = new Float32Array(Q * C);
  const network: number[] = [];
  const bias: number[] = [];
  for (let q = 0; q < Q; q++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (final[q * C + c] > final[q * C + best]) best = c;
    e[q * C + best] = 1;
    network.push(final[q * C + best]);
    bias.push(initial[q * C + best]);
  }
  const precondition = preconditioners(run);
  const etaD = new Float64Array(P);
  const u = new Float64Array(P);
  const contributions = Array.from({ length: Q }, () => new Float64Array(N));
  const oneHotOf = (i: number): tf.Tensor2D => tf.oneHot(tf.tensor1d([Number(trainY[i])], 'int32'), C) as tf.Tensor2D;

  // Warm-up (not timed): the first calls compile kernels and JIT the tape code.
  for (let k = 0; k < 5; k++) {
    tf.tidy(() =>
      tf
        .grad((w: tf.Tensor) => summedLoss(layout, w as tf.Tensor2D, tf.tensor2d(trainRow(k), [1, F]), oneHotOf(k)))(
          tf.tensor2d(weightsAt(0), [1, P]),
        )
        .dataSync(),
    );
  }

  // Timed pass: the naive method itself, one tf.grad call per training example of each timed step.
  const timedSteps = spreadSteps(T, timedStepCount);
  const timedProducts = new Map<number, Float64Array>();
  let sharedMeasuredMs = 0;
  const perRowMeasuredMs = new Array<number>(Q).fill(0);
  let measuredGradients = 0;
  for (const s of timedSteps) {
    let started = performance.now();
    const batch = batchOf(run, s);
    const grads = new Float32Array(batch.length * P);
    batch.forEach((i, b) => {
      const g = tf.tidy(() =>
        tf.grad((w: tf.Tensor) => summedLoss(layout, w as tf.Tensor2D, tf.tensor2d(trainRow(i), [1, F]), oneHotOf(i)))(
          tf.tensor2d(weightsAt(s), [1, P]),
        ),
      );
      grads.set(g.dataSync() as Float32Array, b * P);
      g.dispose();
    });
    precondition(s, etaD);
    sharedMeasuredMs += performance.now() - started;
    measuredGradients += batch.length;
    const products = new Float64Array(Q * batch.length);
    for (let q = 0; q < Q; q++) {
      started = performance.now();
      const xq = queryX.subarray(q * F, (q + 1) * F);
      const eq = e.subarray(q * C, (q + 1) * C);
      const phi = tf.tidy(() =>
        tf.grad((w: tf.Tensor) => summedExplained(layout, w as tf.Tensor2D, tf.tensor2d(xq, [1, F]), tf.tensor2d(eq, [1, C])))(
          tf.tensor2d(weightsAt(s), [1, P]),
        ),
      );
      const phiData = phi.dataSync() as Float32Array;
      phi.dispose();
      for (let p = 0; p < P; p++) u[p] = etaD[p] * phiData[p];
      for (let b = 0; b < batch.length; b++) products[q * batch.length + b] = dot(u, grads, b * P);
      perRowMeasuredMs[q] += performance.now() - started;
    }
    timedProducts.set(s, products);
  }

  // Values pass (not the timed method): all steps, same formula. Per-example gradients in factored form
  // (layer input a_i ⊗ δ_i, δ from tf.grad w.r.t. the whole batch's pre-activations), because batched tf.grad
  // over per-example weight copies is no cheaper than the naive calls in tfjs-wasm (≈ 30 ms per 32 rows).
  const started = performance.now();
  let passAgreementAbs = 0;
  let passScale = 0;
  for (let s = 0; s < T; s++) {
    const batch = batchOf(run, s);
    const B = batch.length;
    const xb = new Float32Array(B * F);
    const yb = new Int32Array(B);
    batch.forEach((i, b) => {
      xb.set(trainRow(i), b * F);
      yb[b] = Number(trainY[i]);
    });
    const w = weightsAt(s);
    const train = layerFactors(layout, w, xb, B, (z) =>
      tf.sum(tf.sub(tf.logSumExp(z, -1), tf.sum(tf.mul(z, tf.oneHot(tf.tensor1d(yb, 'int32'), C)), -1))),
    );
    const query = layerFactors(layout, w, queryX, Q, (z) => tf.sum(tf.mul(z, tf.tensor2d(e, [Q, C]))));
    precondition(s, etaD);
    const timed = timedProducts.get(s);
    for (let q = 0; q < Q; q++) {
      // u = η_s D_s ⊙ φ(x_q; w_s), φ's kernel slice of layer l being a_q ⊗ δ_q.
      layout.layers.forEach((layer, l) => {
        const a = query[l].a;
        const d = query[l].delta;
        for (let j = 0; j < layer.inputs; j++) {
          for (let k = 0; k < layer.outputs; k++) {
            const p = layer.kernelOffset + j * layer.outputs + k;
            u[p] = etaD[p] * a[q * layer.inputs + j] * d[q * layer.outputs + k];
          }
        }
        for (let k = 0; k < layer.outputs; k++) u[layer.biasOffset + k] = etaD[layer.biasOffset + k] * d[q * layer.outputs + k];
      });
      for (let b = 0; b < B; b++) {
        let dotted = 0;
        layout.layers.forEach((layer, l) => {
          const a = train[l].a;
          const d = train[l].delta;
          for (let j = 0; j < layer.inputs; j++) {
            const aj = a[b * layer.inputs + j];
            if (aj === 0) continue;
            let inner = 0;
            const row = layer.kernelOffset + j * layer.outputs;
            for (let k = 0; k < layer.outputs; k++) inner += u[row + k] * d[b * layer.outputs + k];
            dotted += aj * inner;
          }
          for (let k = 0; k < layer.outputs; k++) dotted += u[layer.biasOffset + k] * d[b * layer.outputs + k];
        });
        contributions[q][batch[b]] -= dotted / B;
        if (timed) {
          passAgreementAbs = Math.max(passAgreementAbs, Math.abs(dotted - timed[q * B + b]));
          passScale = Math.max(passScale, Math.abs(dotted));
        }
      }
    }
  }
  const valuesPassMs = performance.now() - started;

  const totalGradients = Array.from({ length: T }, (_, s) => run.batchSizes[s]).reduce((a, b) => a + b, 0);
  const sharedExtrapolatedMs = sharedMeasuredMs * (totalGradients / measuredGradients);
  const perRowExtrapolated = perRowMeasuredMs.map((ms) => ms * (T / timedSteps.length));
  const perRowExtrapolatedMs = perRowExtrapolated.reduce((a, b) => a + b, 0) / Q;
  const rows = testRows.map((testRow, q): NaiveRow => {
    const sum = contributions[q].reduce((a, b) => a + b, 0);
    const signed = network[q] - bias[q] - sum;
    return {
      testRow,
      network: network[q],
      bias: bias[q],
      kernelMachine: bias[q] + sum,
      residual: { signed, rel: Math.abs(signed) / Math.max(Math.abs(network[q] - bias[q]), 0.01) },
      contributions: contributions[q],
    };
  });
  return {
    rows,
    timedSteps,
    measuredGradients,
    totalGradients,
    sharedMeasuredMs,
    perRowMeasuredMs,
    sharedExtrapolatedMs,
    perRowExtrapolatedMs,
    perRowTotalExtrapolatedMs: sharedExtrapolatedMs / Q + perRowExtrapolatedMs,
    valuesPassMs,
    passAgreement: passScale > 0 ? passAgreementAbs / passScale : 0,
  };
}
