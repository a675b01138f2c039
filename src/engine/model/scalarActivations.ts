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
