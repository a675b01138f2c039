import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `compute` in `tf.tidy` and reads its result tensor, then frees it. Returning `dataSync()` from
 * inside `tf.tidy` instead makes tidy walk the returned typed array element by element (it looks for
 * tensors in the result, adding every number to a Set): seconds and gigabytes for [G, P] results.
 */
export function tidyRead(compute: () => tf.Tensor): Float32Array {
  const result = tf.tidy(compute);
  try {
    return result.dataSync() as Float32Array;
  } finally {
    result.dispose();
  }
}
