import * as tf from '@tensorflow/tfjs-core';
import { tidyRead } from '../../model/tidyRead';
import type { LoadedRun } from './loadedRun';

/** The network's outputs [R, C] at one weight vector for `count` rows x [R · F] (design-matrix units). */
export function networkOutputs(
  run: Pick<LoadedRun, 'layout' | 'network' | 'data'>,
  weights: Float32Array,
  x: Float32Array,
  count: number,
): Float32Array {
  return tidyRead(() => {
    const w = tf.tensor2d(weights, [1, run.layout.parameterCount]);
    return run.network.forward(w, tf.tensor3d(x, [1, count, run.data.featureCount])).output;
  });
}
