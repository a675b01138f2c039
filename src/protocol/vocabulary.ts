/** The basic names shared by every side: splits, tasks, backends, run states, activations, optimizers. */
import type { BACKEND_CHOICES, BACKEND_NAMES, SPLITS } from './limits';

export type Split = (typeof SPLITS)[number];
export type TaskKind = 'regression' | 'binary' | 'multiclass';
export type BackendName = (typeof BACKEND_NAMES)[number];
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type RunStatus = 'running' | 'complete' | 'cancelled' | 'failed';
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'softplus' | 'linear';
export type OptimizerName = 'sgd' | 'momentum' | 'adam';
export type ConvPadding = 'same' | 'valid';
export type ColumnType = 'numeric' | 'categorical';
export type MissingPolicy = 'impute' | 'drop' | 'error';

/** Where a matrix row came from: file relative to the experiment file, 1-based editor line of the record start (null for an image file). */
export interface RowSource {
  file: string;
  line: number | null;
}

/** How a run stores its training path (README, "Path layouts"). */
export type PathLayoutName = 'full' | 'checkpoints' | 'approximate';
