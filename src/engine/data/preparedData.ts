import type {
  ExperimentConfig,
  Preprocessing,
  RowSource,
  DatasetFileRecord,
  ImageShape,
  ModelLayer,
  OptimizerName,
  TaskKind,
  MissingPolicy,
  ColumnType,
} from '../../protocol';

/** The experiment file with every default filled in (see `experimentSchema.ts`). */
export interface ResolvedExperiment {
  /** Absolute path of the `*.kernel.json` file. */
  file: string;
  /** Folder of the experiment file; dataset paths resolve against it. */
  dir: string;
  name: string;
  raw: ExperimentConfig;
  dataset: {
    /** As written (relative to `dir`). */
    train: string;
    /** null: an image folder's class (a CSV file needs it). */
    target: string | null;
    test: { file: string } | { fraction: number };
    columns: Record<string, ColumnType>;
    ignore: string[];
    missing: MissingPolicy;
    task: TaskKind | null;
    image: ImageShape | null;
  };
  /** The hidden layers (`hidden` written as dense layers). */
  model: { layers: ModelLayer[] };
  training: {
    optimizer: OptimizerName;
    learningRate: number;
    epochs: number;
    batchSize: number;
    seed: number;
    momentum: number;
    nesterov: boolean;
    beta1: number;
    beta2: number;
    /** null: the backend's epsilon (recorded in the run). */
    epsilon: number | null;
  };
  explain: { quadratureNodes: number; tolerance: number };
}

/** One split as matrices, in the source file's row order. */
export interface DataMatrix {
  /** Row-major [rows, features] standardized / one-hot inputs. */
  x: Float32Array;
  /** Class indices (classification) or standardized targets (regression). */
  y: Int32Array | Float32Array;
  rows: RowSource[];
  /** Raw cell values as read, header order (for display). */
  raw: string[][];
  /** The raw target text of each row. */
  labels: string[];
  count: number;
}

export interface PreparedData {
  preprocessing: Preprocessing;
  featureCount: number;
  /** The inputs' image shape (channels last), for image folders and CSVs that declare `dataset.image`. */
  image: ImageShape | null;
  /** Number of outputs: 1 for regression and binary, classes for multiclass. */
  outputCount: number;
  train: DataMatrix;
  test: DataMatrix;
  files: DatasetFileRecord[];
  /** Things the user should know that did not stop the preparation (e.g. skipped files). */
  warnings?: string[];
}
