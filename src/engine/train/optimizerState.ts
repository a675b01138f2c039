import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerName } from '../../protocol';

/**
 * Everything a TensorFlow.js optimizer carries from one step to the next, as float32 values: with the weights it
 * makes a checkpoint from which training continues bit for bit (path-kernel.md §3.2).
 * - momentum: the accumulation buffer;
 * - adam: the first and second moments and the running powers β1^{s+1}, β2^{s+1} (kept as the optimizer keeps
 *   them: a float32 product, which `setWeights`' pow() would not reproduce to the last bit).
 */
export interface OptimizerState {
  /** Momentum's accumulation or Adam's first moment, [P]; null for sgd. */
  first: Float32Array | null;
  /** Adam's second moment, [P]; null otherwise. */
  second: Float32Array | null;
  /** Adam's running powers [β1^{s+1}, β2^{s+1}]; null otherwise. */
  powers: Float32Array | null;
}

interface SlotVariable {
  originalName: string;
  variable: tf.Variable;
}

/** The optimizers' private fields this module reads and writes (tfjs-core 4.x; checked, so a change fails loudly). */
interface OptimizerInternals {
  accumulations?: SlotVariable[];
  accumulatedFirstMoment?: SlotVariable[];
  accumulatedSecondMoment?: SlotVariable[];
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
  iterations_?: number;
}

function internalsOf(optimizer: tf.Optimizer): OptimizerInternals {
  return optimizer as unknown as OptimizerInternals;
}

function slot(slots: SlotVariable[] | undefined, what: string): Float32Array {
  if (!slots || slots.length !== 1) throw new Error(`${what} not found (TensorFlow.js internals changed)`);
  return slots[0].variable.dataSync() as Float32Array;
}

/** The state after the steps taken so far; zeros before the first step (the optimizers create their slots lazily). */
export function readOptimizerState(name: OptimizerName, optimizer: tf.Optimizer, parameterCount: number): OptimizerState {
  const internals = internalsOf(optimizer);
  const started = (internals.iterations_ ?? 0) > 0;
  switch (name) {
    case 'sgd':
      return { first: null, second: null, powers: null };
    case 'momentum':
      return {
        first: started ? slot(internals.accumulations, 'momentum accumulation').slice() : new Float32Array(parameterCount),
        second: null,
        powers: null,
      };
    case 'adam': {
      const { accBeta1, accBeta2 } = internals;
      if (!accBeta1 || !accBeta2) throw new Error('Adam running powers not found (TensorFlow.js internals changed)');
      return {
        first: started ? slot(internals.accumulatedFirstMoment, 'Adam first moment').slice() : new Float32Array(parameterCount),
        second: started ? slot(internals.accumulatedSecondMoment, 'Adam second moment').slice() : new Float32Array(parameterCount),
        powers: Float32Array.of(accBeta1.dataSync()[0], accBeta2.dataSync()[0]),
      };
    }
  }
}

/** Puts a recorded state into a fresh optimizer of the same kind, before its first `applyGradients` (at step `step`). */
export function restoreOptimizerState(
  name: OptimizerName,
  optimizer: tf.Optimizer,
  state: OptimizerState,
  variableName: string,
  step: number,
): void {
  const internals = internalsOf(optimizer);
  const slotOf = (values: Float32Array, suffix: string): SlotVariable[] => {
    const initial = tf.tensor2d(values, [1, values.length]);
    const variable = tf.variable(initial, false);
    initial.dispose();
    return [{ originalName: `${variableName}/${suffix}`, variable }];
  };
  internals.iterations_ = step;
  if (name === 'momentum' && step > 0) {
    internals.accumulations = slotOf(required(state.first, 'momentum accumulation'), 'momentum');
  } else if (name === 'adam') {
    const powers = required(state.powers, 'Adam running powers');
    if (!internals.accBeta1 || !internals.accBeta2) throw new Error('Adam running powers not found (TensorFlow.js internals changed)');
    const { accBeta1, accBeta2 } = internals;
    tf.tidy(() => {
      accBeta1.assign(tf.scalar(powers[0]));
      accBeta2.assign(tf.scalar(powers[1]));
    });
    if (step > 0) {
      internals.accumulatedFirstMoment = slotOf(required(state.first, 'Adam first moment'), 'm');
      internals.accumulatedSecondMoment = slotOf(required(state.second, 'Adam second moment'), 'v');
    }
  }
}

function required(values: Float32Array | null, what: string): Float32Array {
  if (!values) throw new Error(`checkpoint has no ${what}`);
  return values;
}
