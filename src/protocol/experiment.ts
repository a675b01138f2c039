/** The experiment file (`*.kernel.json`; the engine's zod schema is checked against this type) and a dataset's inferred schema. */
import type { Activation, ColumnType, MissingPolicy, OptimizerName, TaskKind } from './vocabulary';

export interface ExperimentConfig {
  name?: string;
  dataset: {
    train: string;
    target: string;
    /** Default `{ fraction: 0.2 }`. */
    test?: { file: string } | { fraction: number };
    /** Per-column type overrides. */
    columns?: Record<string, ColumnType>;
    /** Columns left out of the inputs. */
    ignore?: string[];
    /** Default `impute`. */
    missing?: MissingPolicy;
    /** Default inferred. */
    task?: TaskKind;
    /** Inputs are an image of this shape (row-major pixels), e.g. 8×8 digits. */
    image?: { width: number; height: number };
  };
  model?: {
    /** Default `[{ units: 16, activation: 'tanh' }]`. */
    hidden?: { units: number; activation?: Activation }[];
  };
  training?: {
    /** Default `adam`. */
    optimizer?: OptimizerName;
    /** Default 0.01. */
    learningRate?: number;
    /** Default 20. */
    epochs?: number;
    /** Default 32. */
    batchSize?: number;
    /** Default 1. */
    seed?: number;
    /** Momentum coefficient, default 0.9. */
    momentum?: number;
    /** Default false. */
    nesterov?: boolean;
    /** Adam, defaults 0.9 / 0.999 / the backend's epsilon. */
    beta1?: number;
    beta2?: number;
    epsilon?: number;
  };
  explain?: {
    /** Gauss–Legendre nodes per step, default 3. */
    quadratureNodes?: number;
    /** Relative residual tolerance, default 1e-3. */
    tolerance?: number;
  };
}

export interface ColumnSchema {
  name: string;
  index: number;
  type: ColumnType;
  /** Count of missing cells (empty, NA, NaN, ?). */
  missing: number;
  distinct: number;
  /** Up to 50 most frequent values for categorical columns. */
  categories?: string[];
  min?: number;
  max?: number;
  mean?: number;
  /** For a numeric column with a few bad values: the first bad one. */
  badValue?: { line: number; value: string };
}

export interface DatasetSchema {
  file: string;
  delimiter: string;
  rows: number;
  columns: ColumnSchema[];
  /** The last column, a sensible default target. */
  suggestedTarget: string;
}
