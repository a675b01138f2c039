import * as tf from '@tensorflow/tfjs-core';
import type { LoadedRun } from '../../src/engine/explain/shared/loadedRun';
import { perExampleLoss } from '../../src/engine/model/losses';

/** Every row's summed loss over the steps that used it and its count of them, by a forward pass at each step's weights (a stored path). */
export function pathLossesByForwardPasses(run: LoadedRun): { sums: Float64Array; visits: Float64Array } {
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const W = run.path.batchWidth;
  const N = run.record.trainRows;
  const task = run.record.task;
  const sums = new Float64Array(N);
  const visits = new Float64Array(N);
  for (let s = 0; s < run.path.steps; s++) {
    const rows = Array.from(run.path.batches.subarray(s * W, (s + 1) * W)).filter((i) => i >= 0);
    const losses = tf.tidy(() => {
      const x = new Float32Array(rows.length * F);
      rows.forEach((i, k) => x.set(run.data.trainX.subarray(i * F, (i + 1) * F), k * F));
      const weights = tf.tensor2d(run.path.weights.subarray(s * P, (s + 1) * P), [1, P]);
      const output = run.network.forward(weights, tf.tensor3d(x, [1, rows.length, F])).output;
      const y = rows.map((i) => run.data.trainY[i]);
      return perExampleLoss(task, tf.squeeze(output, [0]), task === 'regression' ? tf.tensor1d(y) : tf.tensor1d(y, 'int32')).dataSync();
    });
    rows.forEach((i, k) => {
      sums[i] += losses[k];
      visits[i] += 1;
    });
  }
  return { sums, visits };
}
