/**
 * What a training will allocate, from its shape, before anything is allocated: the recorded path (weights of
 * every kept checkpoint, Adam's second moments, the batches), the path index built when it ends, and the
 * data. The server checks it against the memory budget, the CLI against --memory-budget-mb.
 */
export interface TrainingShape {
  trainRows: number;
  testRows: number;
  features: number;
  outputs: number;
  hidden: readonly number[];
  epochs: number;
  batchSize: number;
  adam: boolean;
  /** Every k-th checkpoint kept (path-storage budget); 1 is the full path. */
  stride: number;
}

export interface TrainingMemory {
  steps: number;
  parameters: number;
  /** Bytes of the path held while training (float32 weights and second moments, int32 batches). */
  pathBytes: number;
  /** Bytes of the path index (per-example factors of every step, and the sweep's per-parameter scale). */
  indexBytes: number;
  /** The most held at once: at the end the path is read back and the index built (tensors, joined, stored). */
  peakBytes: number;
}

export function trainingMemory(shape: TrainingShape): TrainingMemory {
  const widths = [shape.features, ...shape.hidden, shape.outputs];
  let parameters = 0;
  let factorWidth = 0;
  for (let l = 0; l + 1 < widths.length; l++) {
    parameters += (widths[l] + 1) * widths[l + 1];
    factorWidth += widths[l] + widths[l + 1];
  }
  const batch = Math.max(1, Math.min(shape.batchSize, shape.trainRows));
  const steps = shape.epochs * Math.ceil(shape.trainRows / batch);
  const kept = Math.ceil(steps / Math.max(1, shape.stride));
  const pathBytes = 4 * ((kept + 1) * parameters + (shape.adam ? kept * parameters : 0) + steps * batch + steps);
  const indexBytes = 4 * (steps * batch * factorWidth + (shape.adam || shape.stride > 1 ? kept * parameters : 0));
  // Raw cells, float64 staging and float32 matrices of both splits.
  const dataBytes = 3 * 8 * (shape.trainRows + shape.testRows) * (shape.features + 1);
  return { steps, parameters, pathBytes, indexBytes, peakBytes: dataBytes + 2 * pathBytes + 3 * indexBytes };
}

/** The CLI's default budget: what the machine has free, at most three quarters of it all. */
export function machineBudgetMb(free: number, total: number): number {
  return Math.floor(Math.min(free, 0.75 * total) / (1024 * 1024));
}
