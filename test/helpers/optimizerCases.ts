import type { OptimizerName } from '../../src/protocol';

/** The four update rules every exactness test covers (path-kernel.md §2.1–2.3), each with a learning rate that trains a tiny network in a few steps. */
export const OPTIMIZER_CASES: { label: string; optimizer: OptimizerName; nesterov?: boolean; learningRate: number }[] = [
  { label: 'sgd', optimizer: 'sgd', learningRate: 0.1 },
  { label: 'momentum', optimizer: 'momentum', learningRate: 0.05 },
  { label: 'nesterov', optimizer: 'momentum', nesterov: true, learningRate: 0.05 },
  { label: 'adam', optimizer: 'adam', learningRate: 0.05 },
];
