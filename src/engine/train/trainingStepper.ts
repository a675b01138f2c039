import * as tf from '@tensorflow/tfjs-core';
import type { TaskKind } from '../../protocol';
import { FactoredMlp } from '../model/mlp';
import { perExampleLoss } from '../model/losses';
import type { ParameterLayout } from '../model/parameterLayout';
import { createOptimizer, type OptimizerSettings, type TrainingOptimizer } from './optimizers';
import { readOptimizerState, restoreOptimizerState, type OptimizerState } from './optimizerState';

export interface StepperInput {
  layout: ParameterLayout;
  task: TaskKind;
  /** Training inputs [N, F] and targets [N]. */
  trainX: Float32Array;
  trainY: Int32Array | Float32Array;
  featureCount: number;
  training: OptimizerSettings;
  /** Parameters before the first step taken here. */
  weights: Float32Array;
  /** Resuming from a checkpoint: the optimizer's state and the step it was taken at. */
  resume?: { state: OptimizerState; step: number };
}

let stepperCount = 0;

/**
 * One optimizer step on one flat parameter vector, written once for training and for replay: both run exactly
 * these tensor ops in this order, so a replay from a checkpoint regenerates the recorded weights bit for bit on
 * the same backend (path-kernel.md §3.2).
 */
export class TrainingStepper {
  readonly mlp: FactoredMlp;
  readonly theta: tf.Variable;
  readonly trainX: tf.Tensor3D;
  readonly trainY: tf.Tensor;
  private readonly opt: TrainingOptimizer;
  private readonly parameterCount: number;

  constructor(private readonly input: StepperInput) {
    this.parameterCount = input.layout.parameterCount;
    this.mlp = new FactoredMlp(input.layout);
    this.opt = createOptimizer(input.training);
    const name = `theta_${process.pid}_${++stepperCount}`;
    this.theta = tf.variable(tf.tensor2d(input.weights, [1, this.parameterCount]), true, name);
    if (input.resume) restoreOptimizerState(input.training.optimizer, this.opt.optimizer, input.resume.state, name, input.resume.step);
    const N = input.trainY.length;
    this.trainX = tf.tensor3d(input.trainX, [1, N, input.featureCount]);
    this.trainY = tf.tensor(input.trainY, [N], input.trainY instanceof Int32Array ? 'int32' : 'float32');
  }

  get record(): TrainingOptimizer['record'] {
    return this.opt.record;
  }

  /** Takes the step on the listed training rows; returns the batch's mean loss. */
  step(rows: number[]): number {
    const { task } = this.input;
    return tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32');
      const xb = tf.gather(this.trainX, index, 1) as tf.Tensor3D;
      const yb = tf.gather(this.trainY, index);
      const { value, grads } = tf.variableGrads(
        () => tf.mean(perExampleLoss(task, this.mlp.forward(this.theta as tf.Tensor2D, xb).output, tf.expandDims(yb, 0))) as tf.Scalar,
        [this.theta],
      );
      this.opt.optimizer.applyGradients(grads);
      return value.dataSync()[0];
    });
  }

  weights(): Float32Array {
    return this.theta.dataSync() as Float32Array;
  }

  /** Adam's second moment after the last step (the diagonal path-kernel.md §2.3 needs); null for others. */
  secondMoment(): Float32Array | null {
    return this.opt.secondMoment();
  }

  state(): OptimizerState {
    return readOptimizerState(this.input.training.optimizer, this.opt.optimizer, this.parameterCount);
  }

  dispose(): void {
    this.theta.dispose();
    this.opt.optimizer.dispose();
    tf.dispose([this.trainX, this.trainY]);
  }
}
