import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import { tidyRead } from '../model/tidyRead';
import { outputGradient } from '../model/losses';
import { finalWeights, type LoadedRun } from '../explain/shared/loadedRun';
import { throwIfCancelled } from '../errors';

/** Floats of per-example gradients formed at once ([rows, P] blocks). */
const GRADIENT_FLOATS = 4_000_000;

/**
 * Per-example gradients [R, P] at one weight vector: each row its own group of the network (the weights tiled),
 * so the network's summed gradient is the row's own. `seed` gives ∂(scalar)/∂output [R, 1, C] from the outputs.
 */
function perExampleGradients(
  run: LoadedRun,
  weights: tf.Tensor2D,
  x: Float32Array,
  count: number,
  seed: (output: tf.Tensor3D) => tf.Tensor3D,
): tf.Tensor2D {
  return tf.tidy(() => {
    const w = tf.tile(weights, [count, 1]) as tf.Tensor2D;
    const pass = run.network.forward(w, tf.tensor3d(x, [count, 1, run.data.featureCount]));
    return run.network.summedGradient(run.network.factors(pass, w, seed(pass.output)));
  });
}

/**
 * The gradient-similarity attribution at the final weights, for comparisons (the LDS evaluation): training row i
 * gets c_i(x) = −∇f_e(x; w_T) · ∇ℓ_i(w_T), the first-order effect of one plain gradient step on i, with no path.
 * `e` holds each query's output direction [Q · C]. Returns one Float64Array of N per query.
 */
export async function gradientSimilarity(
  run: LoadedRun,
  x: Float32Array,
  e: Float32Array,
  queries: number,
  signal?: AbortSignal,
): Promise<Float64Array[]> {
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const N = run.record.trainRows;
  const w = tf.tensor2d(finalWeights(run), [1, P]);
  // Blocks of rows whose per-example gradients stay within GRADIENT_FLOATS, on the query side as on the training side.
  const chunk = Math.max(1, Math.floor(GRADIENT_FLOATS / P));
  const result = Array.from({ length: queries }, () => new Float64Array(N));
  const y = run.data.trainY;
  try {
    for (let q0 = 0; q0 < queries; q0 += chunk) {
      const qc = Math.min(chunk, queries - q0);
      const queryGradients = tf.tidy(() =>
        perExampleGradients(run, w, x.subarray(q0 * F, (q0 + qc) * F), qc, () =>
          tf.tensor3d(e.subarray(q0 * C, (q0 + qc) * C), [qc, 1, C]),
        ),
      );
      try {
        for (let r0 = 0; r0 < N; r0 += chunk) {
          const count = Math.min(chunk, N - r0);
          const dots = tidyRead(() => {
            const labels = y.subarray(r0, r0 + count);
            const target = labels instanceof Int32Array ? tf.tensor2d(labels, [count, 1], 'int32') : tf.tensor2d(labels, [count, 1]);
            const train = perExampleGradients(
              run,
              w,
              run.data.trainX.subarray(r0 * F, (r0 + count) * F),
              count,
              (output) => outputGradient(run.record.task, output, target) as tf.Tensor3D,
            );
            return tf.matMul(queryGradients, train, false, true);
          });
          for (let q = 0; q < qc; q++) for (let k = 0; k < count; k++) result[q0 + q][r0 + k] = -dots[q * count + k];
          await yieldToEventLoop();
          throwIfCancelled(signal);
        }
      } finally {
        queryGradients.dispose();
      }
    }
    return result;
  } finally {
    w.dispose();
  }
}
