import type { Activation } from '../../protocol';

/**
 * The activations and their derivatives on plain numbers, for the typed-array query side (the same
 * functions as `activations.ts`, which works on tensors; gelu in TensorFlow.js's tanh form).
 */
export type ScalarActivation = { value: (z: number) => number; derivative: (z: number) => number };

const GELU_C = Math.sqrt(2 / Math.PI);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export const scalarActivations: Record<Activation, ScalarActivation> = {
  relu: { value: (z) => (z > 0 ? z : 0), derivative: (z) => (z > 0 ? 1 : 0) },
  tanh: {
    value: Math.tanh,
    derivative: (z) => {
      const t = Math.tanh(z);
      return 1 - t * t;
    },
  },
  sigmoid: {
    value: sigmoid,
    derivative: (z) => {
      const s = sigmoid(z);
      return s * (1 - s);
    },
  },
  softplus: { value: (z) => (z > 30 ? z : Math.log1p(Math.exp(z))), derivative: sigmoid },
  linear: { value: (z) => z, derivative: () => 1 },
  gelu: {
    value: (z) => 0.5 * z * (1 + Math.tanh(GELU_C * (z + 0.044715 * z * z * z))),
    derivative: (z) => {
      const t = Math.tanh(GELU_C * (z + 0.044715 * z * z * z));
      return 0.5 * (1 + t) + 0.5 * z * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * z * z);
    },
  },
};

/** h[k] = σ(z[k]) over `count` entries: one switch per array, not one call per number. */
export function activateArray(kind: Activation, z: Float64Array, h: Float64Array, count: number): void {
  switch (kind) {
    case 'tanh':
      for (let k = 0; k < count; k++) h[k] = Math.tanh(z[k]);
      return;
    case 'relu':
      for (let k = 0; k < count; k++) h[k] = z[k] > 0 ? z[k] : 0;
      return;
    case 'linear':
      for (let k = 0; k < count; k++) h[k] = z[k];
      return;
    default: {
      const f = scalarActivations[kind].value;
      for (let k = 0; k < count; k++) h[k] = f(z[k]);
    }
  }
}

/** d[k] *= σ'(z[k]), using the activation h = σ(z) where that is cheaper (tanh, relu, sigmoid). */
export function multiplyByDerivative(kind: Activation, z: Float64Array, h: Float64Array, d: Float64Array, count: number): void {
  switch (kind) {
    case 'tanh':
      for (let k = 0; k < count; k++) d[k] *= 1 - h[k] * h[k];
      return;
    case 'relu':
      for (let k = 0; k < count; k++) if (!(z[k] > 0)) d[k] = 0;
      return;
    case 'sigmoid':
      for (let k = 0; k < count; k++) d[k] *= h[k] * (1 - h[k]);
      return;
    case 'linear':
      return;
    default: {
      const f = scalarActivations[kind].derivative;
      for (let k = 0; k < count; k++) d[k] *= f(z[k]);
    }
  }
}
