import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import type { EpochMetrics, TaskKind } from '../../protocol';
import { FactoredMlp } from '../model/mlp';
import { perExampleLoss } from '../model/losses';
import type { ParameterLayout } from '../model/parameterLayout';
import { createOptimizer } from './optimizers';
import { batchRows, batchSchedule, stepEpoch, type BatchPlan } from './batchSchedule';
import type { ResolvedExperiment, DataMatrix } from '../data/preparedData';
import type { TrainingPath } from '../run/trainingPath';

export interface TrainLoopInput {
  layout: ParameterLayout;
  task: TaskKind;
  initial: Float32Array;
  train: DataMatrix;
  test: DataMatrix;
  featureCount: number;
  training: ResolvedExperiment['training'];
  /** Regression metrics are reported in target units. */
  targetStd: number | null;
  /** A fixed batch plan (e.g. a recorded one with rows removed) instead of the seeded schedule. */
  schedule?: BatchPlan;
  /** Keep every k-th checkpoint only (path-storage budget); 1 keeps every step. */
  pathStride?: number;
}

export interface TrainLoopEvents {
  signal?: AbortSignal;
  onStep?: (step: number, totalSteps: number, epoch: number, loss: number) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
}

export type TrainLoopResult =
  | { status: 'complete'; path: TrainingPath; metrics: EpochMetrics[]; optimizer: ReturnType<typeof createOptimizer>['record'] }
  | {
      status: 'cancelled' | 'failed';
      message: string;
      path: TrainingPath;
      metrics: EpochMetrics[];
      optimizer: ReturnType<typeof createOptimizer>['record'];
    };

/**
 * A custom training loop (model.fit shuffles unseeded): seeded batches, TensorFlow.js optimizers on one
 * flat parameter vector, the weights recorded after every step. Yields between steps so that requests
 * and cancellation are read while it runs.
 */
export async function runTrainingLoop(input: TrainLoopInput, events: TrainLoopEvents = {}): Promise<TrainLoopResult> {
  const { layout, task, train, training } = input;
  const P = layout.parameterCount;
  const mlp = new FactoredMlp(layout);
  const schedule = input.schedule ?? batchSchedule(train.count, training.batchSize, training.epochs, training.seed);
  const T = schedule.steps;
  const stride = Math.max(1, Math.floor(input.pathStride ?? 1));
  const stretches = Math.ceil(T / stride);
  const weights = new Float32Array((stretches + 1) * P);
  weights.set(input.initial, 0);
  const checkpointSteps = [0];
  const learningRates = new Float32Array(T).fill(training.learningRate);
  const opt = createOptimizer(training);
  const adamV = training.optimizer === 'adam' ? new Float32Array(stretches * P) : null;
  const theta = tf.variable(tf.tensor2d(input.initial, [1, P]), true, `theta_${Date.now()}_${Math.random()}`);
  const metrics: EpochMetrics[] = [];
  const trainX = tf.tensor3d(train.x, [1, train.count, input.featureCount]);
  const trainY = tf.tensor(train.y, [train.count], train.y instanceof Int32Array ? 'int32' : 'float32');
  const testX = input.test.count > 0 ? tf.tensor3d(input.test.x, [1, input.test.count, input.featureCount]) : null;
  const testY =
    input.test.count > 0 ? tf.tensor(input.test.y, [input.test.count], input.test.y instanceof Int32Array ? 'int32' : 'float32') : null;

  const finish = (status: 'complete' | 'cancelled' | 'failed', steps: number, message = ''): TrainLoopResult => {
    if (stride > 1 && checkpointSteps[checkpointSteps.length - 1] !== steps) {
      // Close the last, shorter stretch at the step where training stopped.
      weights.set(theta.dataSync() as Float32Array, checkpointSteps.length * P);
      checkpointSteps.push(steps);
    }
    const stored = stride > 1 ? checkpointSteps.length : steps + 1;
    const path: TrainingPath = {
      weights: weights.subarray(0, stored * P),
      batches: schedule.batches.subarray(0, steps * schedule.width),
      batchWidth: schedule.width,
      learningRates: learningRates.subarray(0, steps),
      adamV: adamV ? adamV.subarray(0, (stored - 1) * P) : null,
      steps,
      checkpoints: stride > 1 ? Int32Array.from(checkpointSteps) : null,
    };
    theta.dispose();
    opt.optimizer.dispose();
    tf.dispose([trainX, trainY, testX, testY].filter((t): t is tf.Tensor => t !== null));
    return status === 'complete'
      ? { status, path, metrics, optimizer: opt.record }
      : { status, message, path, metrics, optimizer: opt.record };
  };

  for (let step = 0; step < T; step++) {
    if (events.signal?.aborted) return finish('cancelled', step, `cancelled at step ${step} of ${T}`);
    const { epoch, last: epochEnd } = stepEpoch(schedule, step);
    const rows = batchRows(schedule.batches, schedule.width, step);
    const lossValue = tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32');
      const xb = tf.gather(trainX, index, 1) as tf.Tensor3D;
      const yb = tf.gather(trainY, index);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(perExampleLoss(task, mlp.forward(theta as tf.Tensor2D, xb).output, tf.expandDims(yb, 0))) as tf.Scalar,
        [theta],
      );
      opt.optimizer.applyGradients(grads);
      return value.dataSync()[0];
    });
    if (stride === 1) {
      weights.set(theta.dataSync() as Float32Array, (step + 1) * P);
      if (adamV) adamV.set(opt.secondMoment() as Float32Array, step * P);
    } else {
      if (adamV && step % stride === 0) adamV.set(opt.secondMoment() as Float32Array, (step / stride) * P);
      if ((step + 1) % stride === 0 || step + 1 === T) {
        weights.set(theta.dataSync() as Float32Array, checkpointSteps.length * P);
        checkpointSteps.push(step + 1);
      }
    }
    if (!Number.isFinite(lossValue)) {
      return finish(
        'failed',
        step + 1,
        `training diverged: the loss became ${lossValue} at step ${step} (epoch ${epoch + 1}); try a smaller learning rate`,
      );
    }
    events.onStep?.(step, T, epoch, lossValue);
    if (epochEnd) {
      const m = evaluateEpoch(mlp, theta, task, trainX, trainY, testX, testY, input.targetStd);
      const epochMetrics: EpochMetrics = { epoch: epoch + 1, step: step + 1, ...m };
      metrics.push(epochMetrics);
      events.onEpoch?.(epochMetrics);
    }
    await yieldToEventLoop();
  }
  return finish('complete', T);
}

function evaluateEpoch(
  mlp: FactoredMlp,
  theta: tf.Variable,
  task: TaskKind,
  trainX: tf.Tensor3D,
  trainY: tf.Tensor,
  testX: tf.Tensor3D | null,
  testY: tf.Tensor | null,
  targetStd: number | null,
): Omit<EpochMetrics, 'epoch' | 'step'> {
  const score = (x: tf.Tensor3D, y: tf.Tensor) =>
    tf.tidy(() => {
      const output = tf.squeeze(mlp.forward(theta as tf.Tensor2D, x).output, [0]);
      const loss = tf.mean(perExampleLoss(task, output, y)).dataSync()[0];
      if (task === 'regression') {
        const rmse = Math.sqrt(tf.mean(tf.square(tf.sub(tf.squeeze(output, [1]), y))).dataSync()[0]) * (targetStd ?? 1);
        return { loss, rmse };
      }
      const predicted = task === 'binary' ? tf.cast(tf.greater(tf.squeeze(output, [1]), 0), 'int32') : tf.argMax(output, -1);
      const accuracy = tf.mean(tf.cast(tf.equal(predicted, tf.cast(y, 'int32')), 'float32')).dataSync()[0];
      return { loss, accuracy };
    });
  const tr = score(trainX, trainY);
  const te = testX && testY ? score(testX, testY) : { loss: NaN, accuracy: undefined, rmse: undefined };
  if (task === 'regression') return { trainLoss: tr.loss, testLoss: te.loss, trainRmse: tr.rmse, testRmse: te.rmse };
  return { trainLoss: tr.loss, testLoss: te.loss, trainAccuracy: tr.accuracy, testAccuracy: te.accuracy };
}
