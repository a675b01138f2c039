/** RunInfo objects for tests of the extension's run displays (a run of iris with the given training settings). */
import type { EpochMetrics, RunInfo, RunTraining } from '../../src/protocol';

export function runInfo(id: string, createdAt: string, training: Partial<RunTraining> = {}, extra: Partial<RunInfo> = {}): RunInfo {
  return {
    id,
    dir: `/runs/${id}`,
    experimentFile: '/w/iris.kernel.json',
    name: 'iris',
    status: 'complete',
    message: null,
    createdAt,
    finishedAt: createdAt,
    backend: 'wasm',
    task: 'multiclass',
    classes: ['a', 'b'],
    steps: 10,
    parameters: 5,
    trainRows: 10,
    testRows: 2,
    metrics: [],
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 20, batchSize: 32, seed: 1, ...training },
    ...extra,
  };
}

/** `epochs` epochs of falling losses and rising accuracy, scaled by `rate`. */
export function curve(epochs: number, rate: number): EpochMetrics[] {
  return Array.from({ length: epochs }, (_, k) => ({
    epoch: k + 1,
    step: 4 * (k + 1),
    trainLoss: 1 / (1 + rate * (k + 1)),
    testLoss: 1.1 / (1 + rate * (k + 1)),
    trainAccuracy: 1 - 0.5 / (1 + rate * (k + 1)),
    testAccuracy: 1 - 0.55 / (1 + rate * (k + 1)),
  }));
}
