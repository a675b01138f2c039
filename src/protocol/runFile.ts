/**
 * What `run.json` records besides the run's summary (README, "Run directory"): the preprocessing, the parameter
 * layout, the optimizer as used and the dataset files' digests. A published format: change it only with the README.
 */
import type { Activation, MissingPolicy, OptimizerName, TaskKind } from './vocabulary';

export type EncodedColumn =
  | { name: string; type: 'numeric'; mean: number; std: number; impute: number }
  | { name: string; type: 'categorical'; categories: string[]; impute: string };

export interface Preprocessing {
  target: string;
  task: TaskKind;
  /** Sorted class names (classification), null for regression. */
  classes: string[] | null;
  /** Binary only: the second class in sorted order. */
  positiveClass: string | null;
  /** Regression only: the training target's mean and population std. */
  targetScale: { mean: number; std: number } | null;
  missing: MissingPolicy;
  /** Input columns in encoding order. */
  columns: EncodedColumn[];
  /** One name per encoded feature (`col` or `col=category`). */
  featureNames: string[];
  /** The header of the training file, for showing raw rows. */
  header: string[];
}

export interface LayoutEntry {
  name: string;
  shape: number[];
  offset: number;
  activation: Activation;
}

export interface OptimizerRecord {
  name: OptimizerName;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
}

export interface DatasetFileRecord {
  /** Relative to the experiment file. */
  file: string;
  sha256: string;
  size: number;
}
