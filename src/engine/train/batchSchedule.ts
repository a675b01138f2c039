import { createRng, shuffleInPlace } from '../random';

/**
 * The batches of every step: each epoch a seeded permutation of the training rows, cut into batches;
 * a last partial batch is a normal step. Returned as int32 [T, Bmax] with −1 padding (path/batches.npy).
 */
export function batchSchedule(rows: number, batchSize: number, epochs: number, seed: number): { batches: Int32Array; steps: number; width: number; stepsPerEpoch: number } {
  const width = Math.min(batchSize, rows);
  const stepsPerEpoch = Math.ceil(rows / width);
  const steps = stepsPerEpoch * epochs;
  const batches = new Int32Array(steps * width).fill(-1);
  const rng = createRng(seed);
  const order = new Int32Array(rows);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = 0; i < rows; i++) order[i] = i;
    shuffleInPlace(order, rng);
    for (let i = 0; i < rows; i++) {
      const step = epoch * stepsPerEpoch + Math.floor(i / width);
      batches[step * width + (i % width)] = order[i];
    }
  }
  return { batches, steps, width, stepsPerEpoch };
}

/** The rows of one step (padding removed). */
export function batchRows(batches: Int32Array, width: number, step: number): number[] {
  const rows: number[] = [];
  for (let b = 0; b < width; b++) {
    const row = batches[step * width + b];
    if (row >= 0) rows.push(row);
  }
  return rows;
}
