import type { OptimizerName } from '../../protocol';
import type { PathLayout } from '../run/pathLayout';

/**
 * What a training will allocate, from its shape, before anything is allocated: the recorded path (weights of
 * every kept checkpoint, Adam's second moments, the batches), the path index built when it ends, and the
 * data. The server checks it against the memory budget, the CLI against --memory-budget-mb.
 */
export interface TrainingShape {
  trainRows: number;
  testRows: number;
  features: number;
  /** The network's size: parameters P, per-example factor floats (Σ layer inputs + outputs), whether it has a stored index. */
  network: NetworkSize;
  epochs: number;
  batchSize: number;
  optimizer: OptimizerName;
  /** How the path is recorded (pathLayout.ts). */
  layout: PathLayout;
}

export interface TrainingMemory {
  steps: number;
  parameters: number;
  /** Bytes of the path held while training and stored in `path/` (float32 weights, second moments or checkpoints; int32 batches). */
  pathBytes: number;
  /** Bytes of the stored path index (per-example factors of every step, and the sweep's per-parameter scale); 0 for checkpoints. */
  indexBytes: number;
  /** The most held at once: at the end the path is read back and the index built (tensors, joined, stored). */
  peakBytes: number;
}

/**
 * What the memory of a training depends on in its network. `indexed`: a full path stores the per-example factors as
 * the fast method's index (dense networks); a convolutional network's explanations recompute them from the weights.
 */
export interface NetworkSize {
  parameters: number;
  factorWidth: number;
  indexed: boolean;
}

/** A dense network's size from its widths (input, hidden layers, outputs). */
export function denseNetworkSize(features: number, hidden: readonly number[], outputs: number): NetworkSize {
  const widths = [features, ...hidden, outputs];
  let parameters = 0;
  let factorWidth = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    parameters += (widths[l] + 1) * widths[l + 1];
    factorWidth += widths[l] + widths[l + 1];
  }
  return { parameters, factorWidth, indexed: true };
}

export function trainingMemory(shape: TrainingShape): TrainingMemory {
  const { parameters, factorWidth } = shape.network;
  const P = parameters;
  const batch = Math.max(1, Math.min(shape.batchSize, shape.trainRows));
  const steps = shape.epochs * Math.ceil(shape.trainRows / batch);
  const adam = shape.optimizer === 'adam';
  const schedule = steps * batch + steps;
  const factors = shape.network.indexed ? steps * batch * factorWidth : 0;
  let path: number;
  let index: number;
  switch (shape.layout.kind) {
    case 'full':
      path = (steps + 1) * P + (adam ? steps * P : 0);
      index = shape.network.indexed ? factors + (adam ? steps * P : 0) : 0;
      break;
    case 'approximate': {
      const kept = Math.ceil(steps / Math.max(1, shape.layout.stride));
      path = (kept + 1) * P + (adam ? kept * P : 0) + (shape.layout.stride > 1 ? kept + 1 : 0);
      index = factors + (adam || shape.layout.stride > 1 ? kept * P : 0);
      break;
    }
    case 'checkpoints': {
      // Weights and the optimizer's state every K steps and at the end; the index is built per segment when explaining.
      const rows = checkpointCount(steps, shape.layout.every);
      const state = adam ? 2 : shape.optimizer === 'momentum' ? 1 : 0;
      path = rows * P * (1 + state) + (adam ? 2 * rows : 0) + rows;
      index = 0;
      break;
    }
  }
  const pathBytes = 4 * (path + schedule);
  const indexBytes = 4 * index;
  // Raw cells, float64 staging and float32 matrices of both splits.
  const dataBytes = 3 * 8 * (shape.trainRows + shape.testRows) * (shape.features + 1);
  return { steps, parameters, pathBytes, indexBytes, peakBytes: dataBytes + 2 * pathBytes + 3 * indexBytes };
}

/** Checkpoints of a run of T steps every K: at 0, K, 2K, … and at T. */
export function checkpointCount(steps: number, every: number): number {
  return Math.ceil(steps / Math.max(1, every)) + 1;
}

/** The CLI's default budget: what the machine has free, at most three quarters of it all. */
export function machineBudgetMb(free: number, total: number): number {
  return Math.floor(Math.min(free, 0.75 * total) / (1024 * 1024));
}
