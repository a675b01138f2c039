import * as tf from '@tensorflow/tfjs-core';
import type { TaskKind } from '../../protocol';
import { FactoredNetwork } from '../model/network';
import { outputGradient, perExampleLoss } from '../model/losses';
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

/** One layer's factors of one step's batch: a [B, in], δ [B, out] (B = the rows of the step, no padding). */
export interface StepFactors {
  a: Float32Array;
  delta: Float32Array;
}

export interface StepResult {
  loss: number;
  factors: StepFactors[] | null;
  /** With `outputClasses`: per class, per layer, δ [B, out] of that output logit (not the loss) at this step's weights. */
  classDeltas: Float32Array[][] | null;
}

let stepperCount = 0;

/**
 * One optimizer step on one flat parameter vector, written once for training and for replay: both run exactly
 * these tensor ops in this order, so a replay from a checkpoint regenerates the recorded weights bit for bit on
 * the same backend (path-kernel.md §3.2).
 */
export class TrainingStepper {
  readonly network: FactoredNetwork;
  readonly theta: tf.Variable;
  readonly trainX: tf.Tensor3D;
  readonly trainY: tf.Tensor;
  private readonly opt: TrainingOptimizer;
  private readonly parameterCount: number;

  constructor(private readonly input: StepperInput) {
    this.parameterCount = input.layout.parameterCount;
    this.network = new FactoredNetwork(input.layout);
    this.opt = createOptimizer(input.training);
    const name = `theta_${process.pid}_${++stepperCount}`;
    // The variable keeps its own reference to the data: the initial tensor is disposed (a replay makes one per segment).
    const initial = tf.tensor2d(input.weights, [1, this.parameterCount]);
    this.theta = tf.variable(initial, true, name);
    initial.dispose();
    if (input.resume) restoreOptimizerState(input.training.optimizer, this.opt.optimizer, input.resume.state, name, input.resume.step);
    const N = input.trainY.length;
    this.trainX = tf.tensor3d(input.trainX, [1, N, input.featureCount]);
    this.trainY = tf.tensor(input.trainY, [N], input.trainY instanceof Int32Array ? 'int32' : 'float32');
  }

  get record(): TrainingOptimizer['record'] {
    return this.opt.record;
  }

  /**
   * Takes the step on the listed training rows; returns the batch's mean loss and, with `keepFactors`, each
   * example's per-layer factors (its layer inputs a [B, in] and loss gradients δ [B, out], path-kernel.md §3).
   * The batch gradient is assembled from those very factors, Σ_b a_bᵀ δ_b / B per layer (one backward pass
   * serves the optimizer and the path index), so the index is exactly what the optimizer used.
   */
  step(rows: number[], keepFactors = false, outputClasses: readonly number[] = []): StepResult {
    const { task } = this.input;
    const kept: tf.Tensor[] = [];
    const keptClasses: tf.Tensor[] = [];
    const loss = tf.tidy(() => {
      const index = tf.tensor1d(rows, 'int32');
      const xb = tf.gather(this.trainX, index, 1) as tf.Tensor3D;
      const yb = tf.expandDims(tf.gather(this.trainY, index), 0);
      const theta = this.theta as tf.Tensor2D;
      const pass = this.network.forward(theta, xb);
      const g = outputGradient(task, pass.output, yb) as tf.Tensor3D;
      const factors = this.network.factors(pass, theta, g);
      const gradient = tf.div(this.network.summedGradient(factors), rows.length) as tf.Tensor2D;
      // The explained outputs' own backward passes (the path kernel's training side, path-kernel.md §2.4), at the
      // weights of this step (so before the update).
      if (outputClasses.length > 0)
        for (const delta of this.network.outputDeltas(pass, theta, outputClasses)) keptClasses.push(tf.keep(delta));
      this.opt.optimizer.applyGradients({ [this.theta.name]: gradient });
      if (keepFactors) for (const f of factors) kept.push(tf.keep(f.a), tf.keep(f.delta));
      return tf.mean(perExampleLoss(task, pass.output, yb)).dataSync()[0];
    });
    let factors: StepFactors[] | null = null;
    if (keepFactors) {
      factors = [];
      for (let l = 0; l < kept.length; l += 2)
        factors.push({ a: kept[l].dataSync() as Float32Array, delta: kept[l + 1].dataSync() as Float32Array });
    }
    const classDeltas = outputClasses.length > 0 ? this.byClass(keptClasses, outputClasses.length, rows.length) : null;
    tf.dispose(kept);
    tf.dispose(keptClasses);
    return { loss, factors, classDeltas };
  }

  /** One [1, K·B, out] tensor per layer (outputDeltas) as [class][layer] → [B, out]. */
  private byClass(perLayer: tf.Tensor[], K: number, B: number): Float32Array[][] {
    const values = perLayer.map((t) => t.dataSync() as Float32Array);
    const widths = this.input.layout.layers.map((l) => l.outputs);
    return Array.from({ length: K }, (_, k) => values.map((v, l) => v.subarray(k * B * widths[l], (k + 1) * B * widths[l])));
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
    // tfjs-core 4.22's MomentumOptimizer.dispose forgets the −η scalar its SGD base keeps (`c`): one tensor a replayed segment.
    const rate = (this.opt.optimizer as unknown as { c?: tf.Tensor }).c;
    this.opt.optimizer.dispose();
    if (rate && !rate.isDisposed) rate.dispose();
    tf.dispose([this.trainX, this.trainY]);
  }
}
