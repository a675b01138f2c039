import * as tf from '@tensorflow/tfjs-core';
import type { FactoredMlp } from '../model/mlp';

/**
 * Kernels of the explained outputs between S rows at G weight points, from per-layer factors
 * (path-kernel.md §3: ⟨∂f/∂W(x), ∂f/∂W(x')⟩ = (a·a')(δ·δ'), plus δ·δ' for the bias):
 *   K[g, j, i] = φ_{e_j}(x_j; wq_g) · φ_{e_j}(x_i; wt_g)
 * where e_j is row j's explained output (so row j of K is the kernel an explanation of x_j uses).
 * The training side needs one backward pass per output unit, because φ_e is linear in e.
 * `x` [1, S, F], `e` [S, C]; returns [G, S, S] (the caller disposes or runs inside tf.tidy).
 */
export function explainedOutputKernel(mlp: FactoredMlp, queryWeights: tf.Tensor2D, trainWeights: tf.Tensor2D, x: tf.Tensor3D, e: tf.Tensor2D): tf.Tensor3D {
  const G = queryWeights.shape[0];
  const S = x.shape[1];
  const C = e.shape[1];
  const queryPass = mlp.forward(queryWeights, x);
  const query = mlp.factors(queryPass, queryWeights, tf.broadcastTo(tf.expandDims(e, 0), [G, S, C]) as tf.Tensor3D);
  const trainPass = queryWeights === trainWeights ? queryPass : mlp.forward(trainWeights, x);
  const perClass = Array.from({ length: C }, (_, c) => {
    const oneHot = tf.reshape(tf.oneHot(tf.tensor1d([c], 'int32'), C), [1, 1, C]);
    return mlp.factors(trainPass, trainWeights, tf.broadcastTo(oneHot, [G, S, C]) as tf.Tensor3D);
  });
  let total: tf.Tensor3D | null = null;
  for (let l = 0; l < query.length; l++) {
    const inputs = tf.add(tf.matMul(query[l].a, perClass[0][l].a, false, true), 1);
    let deltas: tf.Tensor3D | null = null;
    for (let c = 0; c < C; c++) {
      const weight = tf.reshape(tf.slice(e, [0, c], [-1, 1]), [1, S, 1]);
      const part = tf.mul(weight, tf.matMul(query[l].delta, perClass[c][l].delta, false, true)) as tf.Tensor3D;
      deltas = deltas ? (tf.add(deltas, part) as tf.Tensor3D) : part;
    }
    const layer = tf.mul(inputs, deltas as tf.Tensor3D) as tf.Tensor3D;
    total = total ? (tf.add(total, layer) as tf.Tensor3D) : layer;
  }
  return total as tf.Tensor3D;
}
