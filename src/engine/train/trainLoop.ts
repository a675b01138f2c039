import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs-core';
import { CONFUSION_MAX_CLASSES, type EpochMetrics, type TaskKind } from '../../protocol';
import type { FactoredNetwork } from '../model/network';
import { perExampleLoss } from '../model/losses';
import { isDenseOnly, type ParameterLayout } from '../model/parameterLayout';
import type { OptimizerRecord } from '../../protocol';
import { TrainingStepper } from './trainingStepper';
import { pathRecorder } from './pathRecorder';
import type { PathLayout } from '../run/pathLayout';
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
  /** How the path is recorded (pathLayout.ts); default: every step. */
  pathLayout?: PathLayout;
}

export interface TrainLoopEvents {
  signal?: AbortSignal;
  onStep?: (step: number, totalSteps: number, epoch: number, loss: number) => void;
  onEpoch?: (metrics: EpochMetrics) => void;
}

export type TrainLoopResult =
  | { status: 'complete'; path: TrainingPath; metrics: EpochMetrics[]; optimizer: OptimizerRecord }
  | { status: 'cancelled' | 'failed'; message: string; path: TrainingPath; metrics: EpochMetrics[]; optimizer: OptimizerRecord };

/**
 * A custom training loop (model.fit shuffles unseeded): seeded batches, TensorFlow.js optimizers on one
 * flat parameter vector (trainingStepper.ts), the path recorded as the layout says: every step, the optimizer's
 * state every K steps (replayed to explain), or every k-th weight row (approximate). Yields between steps so
 * that requests and cancellation are read while it runs.
 */
export async function runTrainingLoop(input: TrainLoopInput, events: TrainLoopEvents = {}): Promise<TrainLoopResult> {
  const { layout, task, train, training } = input;
  const schedule = input.schedule ?? batchSchedule(train.count, training.batchSize, training.epochs, training.seed);
  const T = schedule.steps;
  const stepper = new TrainingStepper({
    layout,
    task,
    trainX: train.x,
    trainY: train.y,
    featureCount: input.featureCount,
    training,
    weights: input.initial,
  });
  const recorder = pathRecorder(input.pathLayout ?? { kind: 'full' }, {
    P: layout.parameterCount,
    T,
    adam: training.optimizer === 'adam',
    batches: schedule.batches,
    width: schedule.width,
    layers: layout.layers,
    indexed: isDenseOnly(layout),
  });
  recorder.start(stepper);
  const learningRates = new Float32Array(T).fill(training.learningRate);
  const metrics: EpochMetrics[] = [];
  const classCount = task === 'regression' ? 0 : task === 'binary' ? 2 : layout.layers[layout.layers.length - 1].outputs;
  const confusion =
    classCount > 0 && classCount <= CONFUSION_MAX_CLASSES && input.test.count > 0 ? { labels: input.test.y, classes: classCount } : null;
  const testX = input.test.count > 0 ? tf.tensor3d(input.test.x, [1, input.test.count, input.featureCount]) : null;
  const testY =
    input.test.count > 0 ? tf.tensor(input.test.y, [input.test.count], input.test.y instanceof Int32Array ? 'int32' : 'float32') : null;

  const finish = (status: 'complete' | 'cancelled' | 'failed', steps: number, message = ''): TrainLoopResult => {
    const path: TrainingPath = {
      ...recorder.finish(stepper, steps),
      batches: schedule.batches.subarray(0, steps * schedule.width),
      batchWidth: schedule.width,
      learningRates: learningRates.subarray(0, steps),
      steps,
      firstStep: 0,
    };
    const optimizer = stepper.record;
    stepper.dispose();
    tf.dispose([testX, testY].filter((t): t is tf.Tensor => t !== null));
    return status === 'complete' ? { status, path, metrics, optimizer } : { status, message, path, metrics, optimizer };
  };

  for (let step = 0; step < T; step++) {
    if (events.signal?.aborted) return finish('cancelled', step, `cancelled at step ${step} of ${T}`);
    const { epoch, last: epochEnd } = stepEpoch(schedule, step);
    const { loss: lossValue, factors } = stepper.step(batchRows(schedule.batches, schedule.width, step), recorder.wantsFactors);
    recorder.afterStep(stepper, step, factors);
    if (!Number.isFinite(lossValue)) {
      return finish(
        'failed',
        step + 1,
        `training diverged: the loss became ${lossValue} at step ${step} (epoch ${epoch + 1}); try a smaller learning rate`,
      );
    }
    events.onStep?.(step, T, epoch, lossValue);
    if (epochEnd) {
      const m = evaluateEpoch(
        stepper.network,
        stepper.theta,
        task,
        stepper.trainX,
        stepper.trainY,
        testX,
        testY,
        input.targetStd,
        confusion,
      );
      const epochMetrics: EpochMetrics = { epoch: epoch + 1, step: step + 1, ...m };
      metrics.push(epochMetrics);
      events.onEpoch?.(epochMetrics);
    }
    await yieldToEventLoop();
  }
  return finish('complete', T);
}

function evaluateEpoch(
  network: FactoredNetwork,
  theta: tf.Variable,
  task: TaskKind,
  trainX: tf.Tensor3D,
  trainY: tf.Tensor,
  testX: tf.Tensor3D | null,
  testY: tf.Tensor | null,
  targetStd: number | null,
  /** The test labels and class count when the test confusion matrix is recorded, else null. */
  confusion: { labels: ArrayLike<number>; classes: number } | null,
): Omit<EpochMetrics, 'epoch' | 'step'> {
  const score = (x: tf.Tensor3D, y: tf.Tensor, wantPredicted: boolean) =>
    tf.tidy(() => {
      const output = tf.squeeze(network.forward(theta as tf.Tensor2D, x).output, [0]);
      const loss = tf.mean(perExampleLoss(task, output, y)).dataSync()[0];
      if (task === 'regression') {
        const rmse = Math.sqrt(tf.mean(tf.square(tf.sub(tf.squeeze(output, [1]), y))).dataSync()[0]) * (targetStd ?? 1);
        return { loss, rmse };
      }
      const predicted = task === 'binary' ? tf.cast(tf.greater(tf.squeeze(output, [1]), 0), 'int32') : tf.argMax(output, -1);
      const accuracy = tf.mean(tf.cast(tf.equal(predicted, tf.cast(y, 'int32')), 'float32')).dataSync()[0];
      return { loss, accuracy, predicted: wantPredicted ? predicted.dataSync() : undefined };
    });
  const tr = score(trainX, trainY, false);
  const te =
    testX && testY ? score(testX, testY, confusion !== null) : { loss: NaN, accuracy: undefined, rmse: undefined, predicted: undefined };
  if (task === 'regression') return { trainLoss: tr.loss, testLoss: te.loss, trainRmse: tr.rmse, testRmse: te.rmse };
  return {
    trainLoss: tr.loss,
    testLoss: te.loss,
    trainAccuracy: tr.accuracy,
    testAccuracy: te.accuracy,
    ...(confusion && te.predicted ? { testConfusion: confusionCounts(confusion.labels, te.predicted, confusion.classes) } : {}),
  };
}

/** counts[true class][predicted class] over the rows. */
export function confusionCounts(labels: ArrayLike<number>, predicted: ArrayLike<number>, classCount: number): number[][] {
  const counts = Array.from({ length: classCount }, () => new Array<number>(classCount).fill(0));
  for (let i = 0; i < labels.length; i++) counts[labels[i]][predicted[i]]++;
  return counts;
}
