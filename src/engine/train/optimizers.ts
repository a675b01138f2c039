import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerRecord } from '../../protocol';
import type { ResolvedExperiment } from '../data/preparedData';

export interface TrainingOptimizer {
  optimizer: tf.Optimizer;
  record: OptimizerRecord;
  /** Adam's second moment v after the last step, exactly as the optimizer holds it; null for others. */
  secondMoment(): Float32Array | null;
}

interface AdamInternals {
  accumulatedSecondMoment?: { variable: tf.Variable }[];
}

/** What an optimizer is made from: the experiment's training settings, or a run's record of them (replay). */
export type OptimizerSettings = Pick<
  ResolvedExperiment['training'],
  'optimizer' | 'learningRate' | 'momentum' | 'nesterov' | 'beta1' | 'beta2' | 'epsilon'
>;

/** The settings a run recorded (its epsilon is the value used), so a replay builds the same optimizer. */
export function settingsOfRecord(record: OptimizerRecord): OptimizerSettings {
  return { optimizer: record.name, ...record };
}

/** TensorFlow.js's own optimizers, so the recorded path follows their update rules to the last bit. */
export function createOptimizer(training: OptimizerSettings): TrainingOptimizer {
  const epsilon = training.epsilon ?? tf.backend().epsilon();
  const record: OptimizerRecord = {
    name: training.optimizer,
    learningRate: training.learningRate,
    momentum: training.optimizer === 'momentum' ? training.momentum : 0,
    nesterov: training.optimizer === 'momentum' ? training.nesterov : false,
    beta1: training.beta1,
    beta2: training.beta2,
    epsilon,
  };
  switch (training.optimizer) {
    case 'sgd':
      return { optimizer: tf.train.sgd(training.learningRate), record, secondMoment: () => null };
    case 'momentum':
      return {
        optimizer: tf.train.momentum(training.learningRate, training.momentum, training.nesterov),
        record,
        secondMoment: () => null,
      };
    case 'adam': {
      const optimizer = tf.train.adam(training.learningRate, training.beta1, training.beta2, epsilon);
      const internals = optimizer as unknown as AdamInternals;
      return {
        optimizer,
        record,
        secondMoment: () => {
          const slots = internals.accumulatedSecondMoment;
          if (!slots || slots.length !== 1) throw new Error('Adam second moment not found (TensorFlow.js internals changed)');
          return slots[0].variable.dataSync() as Float32Array;
        },
      };
    }
  }
}
