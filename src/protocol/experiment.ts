/** The experiment file (`*.kernel.json`; the engine's zod schema is checked against this type) and a dataset's inferred schema. */
import type { Activation, ColumnType, ConvPadding, MissingPolicy, OptimizerName, TaskKind } from './vocabulary';

export interface ExperimentConfig {
  name?: string;
  dataset: {
    /** A CSV file, or an image folder with one subfolder per class. */
    train: string;
    /** The column to predict; optional for image folders (the class is the subfolder). */
    target?: string;
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
    /** Inputs are an image of this shape (row-major pixels, channels last), e.g. 8×8 digits. Default 1 channel. */
    image?: { width: number; height: number; channels?: number };
  };
  model?: {
    /** Dense hidden layers, shorthand for `layers` of type dense. Default `[{ units: 16, activation: 'tanh' }]`. */
    hidden?: { units: number; activation?: Activation }[];
    /** The hidden layers in order, dense or convolutional (the output layer is added); instead of `hidden`. */
    layers?: LayerConfig[];
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
  /** The Suspicious Rows view's choices, kept with the experiment (training ignores them). */
  suspects?: {
    /** Rows no longer marked ("Ignore this row"): the CSV file as the run names it and its 1-based line. */
    ignore?: SuspectRowRef[];
  };
}

/** A training row as a suspect names it: its file (relative to the experiment file) and 1-based start line. */
export interface SuspectRowRef {
  file: string;
  line: number;
}

/** One hidden layer as the experiment file writes it (defaults as in `ModelLayer`). */
export type LayerConfig =
  | { type: 'dense'; units: number; activation?: Activation }
  | { type: 'conv2d'; filters: number; kernel: number; stride?: number; padding?: ConvPadding; activation?: Activation }
  | { type: 'maxPool2d'; size: number }
  | { type: 'avgPool2d'; size: number }
  | { type: 'flatten' };

/**
 * A hidden layer with every default filled in, as run.json records it (`model.layers`): conv kernels are square,
 * NHWC, TensorFlow.js's `same` padding; pools take stride = size and `valid` padding.
 */
export type ModelLayer =
  | { type: 'dense'; units: number; activation: Activation }
  | { type: 'conv2d'; filters: number; kernel: number; stride: number; padding: ConvPadding; activation: Activation }
  | { type: 'maxPool2d'; size: number }
  | { type: 'avgPool2d'; size: number }
  | { type: 'flatten' };

/** An image input's shape (channels last). */
export interface ImageShape {
  width: number;
  height: number;
  channels: number;
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
  /** A numeric column whose every value is a whole number (a target like that with few values is classified). */
  integer?: boolean;
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
