import * as tf from '@tensorflow/tfjs-core';
import type { FactoredNetwork } from '../model/network';

/**
 * Kernels of the explained outputs between S rows at G weight points, from per-layer factors
 * (path-kernel.md §3: ⟨∂f/∂W(x), ∂f/∂W(x')⟩ = (a·a')(δ·δ'), plus δ·δ' for the bias):
 *   K[g, j, i] = φ_{e_j}(x_j; wq_g) · φ_{e_j}(x_i; wt_g)
 * where e_j is row j's explained output (so row j of K is the kernel an explanation of x_j uses).
 * The training side needs one backward pass per output unit in use, because φ_e is linear in e.
 * `x` [1, S, F] query rows, `e` [S, C]; `trainX` [1 or G, M, F] training-side rows (default: x itself);
 * returns [G, S, M] (the caller disposes or runs inside tf.tidy).
 */
export function explainedOutputKernel(
  network: FactoredNetwork,
  queryWeights: tf.Tensor2D,
  trainWeights: tf.Tensor2D,
  x: tf.Tensor3D,
  e: tf.Tensor2D,
  trainX?: tf.Tensor3D,
): tf.Tensor3D {
  const G = queryWeights.shape[0];
  const S = x.shape[1];
  const C = e.shape[1];
  const M = trainX ? trainX.shape[1] : S;
  const queryPass = network.forward(queryWeights, x);
  const query = network.factors(queryPass, queryWeights, tf.broadcastTo(tf.expandDims(e, 0), [G, S, C]) as tf.Tensor3D);
  const trainPass = queryWeights === trainWeights && !trainX ? queryPass : network.forward(trainWeights, trainX ?? x);
  // Output units no row explains (e.g. the other logits of one-hot outputs) need no backward pass.
  const used = usedColumns(e);
  const perClass = used.map((c) => {
    const oneHot = tf.reshape(tf.oneHot(tf.tensor1d([c], 'int32'), C), [1, 1, C]);
    return network.factors(trainPass, trainWeights, tf.broadcastTo(oneHot, [G, M, C]) as tf.Tensor3D);
  });
  let total: tf.Tensor3D | null = null;
  for (let l = 0; l < query.length; l++) {
    const inputs = tf.add(tf.matMul(query[l].a, perClass[0][l].a, false, true), 1);
    let deltas: tf.Tensor3D | null = null;
    for (let k = 0; k < used.length; k++) {
      const weight = tf.reshape(tf.slice(e, [0, used[k]], [-1, 1]), [1, S, 1]);
      const part = tf.mul(weight, tf.matMul(query[l].delta, perClass[k][l].delta, false, true)) as tf.Tensor3D;
      deltas = deltas ? (tf.add(deltas, part) as tf.Tensor3D) : part;
    }
    const layer = tf.mul(inputs, deltas as tf.Tensor3D) as tf.Tensor3D;
    total = total ? (tf.add(total, layer) as tf.Tensor3D) : layer;
  }
  return total as tf.Tensor3D;
}

function usedColumns(e: tf.Tensor2D): number[] {
  const values = e.dataSync();
  const C = e.shape[1];
  const used: number[] = [];
  for (let c = 0; c < C; c++) {
    for (let j = 0; j < e.shape[0]; j++) {
      if (values[j * C + c] !== 0) {
        used.push(c);
        break;
      }
    }
  }
  return used;
}
