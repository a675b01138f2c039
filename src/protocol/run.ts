import type { ImageShape } from './experiment';
/** A training run as every side sees it: its summary, its metrics per epoch and its progress while it trains. */
import type { BackendName, OptimizerName, PathLayoutName, RunStatus, TaskKind } from './vocabulary';

export interface EpochMetrics {
  epoch: number;
  step: number;
  trainLoss: number;
  testLoss: number;
  /** Classification. */
  trainAccuracy?: number;
  testAccuracy?: number;
  /** Regression, in target units. */
  trainRmse?: number;
  testRmse?: number;
  /**
   * Classification with at most CONFUSION_MAX_CLASSES classes: the test rows counted by true class (rows) and
   * predicted class (columns), in the order of the run's `classes`.
   */
  testConfusion?: number[][];
}

export interface RunInfo {
  id: string;
  /** Absolute run directory. */
  dir: string;
  /** Absolute experiment file path. */
  experimentFile: string;
  name: string;
  status: RunStatus;
  message: string | null;
  createdAt: string;
  finishedAt: string | null;
  backend: BackendName;
  task: TaskKind;
  classes: string[] | null;
  steps: number;
  parameters: number;
  trainRows: number;
  testRows: number;
  metrics: EpochMetrics[];
  /** True when a dataset file changed since training (sha256 differs). */
  stale?: boolean;
  pinned?: boolean;
  annotation?: string;
  label?: string;
  /** Checkpoints were subsampled to fit the path-storage budget: explanations are approximate. */
  approximate?: boolean;
  /**
   * How the path is stored (README, "Path layouts"): `full` explains from the stored index; `checkpoints` replays
   * them to explain (exact; a batch of rows shares one replay), `checkpoints` then holds their count.
   */
  pathLayout?: PathLayoutName;
  checkpoints?: number;
  /** Image inputs: their shape (channels last); absent for tables. */
  image?: ImageShape;
  /** The inputs are an image folder (rows are image files: nothing to hover, so nothing is explained ahead). */
  imageFolder?: boolean;
  /** How it was trained (what tells one run of an experiment from another). */
  training?: RunTraining;
  /** The hidden layers with weights, for "Explain Neuron…": index in `model.layers`, kind and units (filters). */
  weightLayers?: WeightLayer[];
}

export interface RunTraining {
  optimizer: OptimizerName;
  learningRate: number;
  epochs: number;
  batchSize: number;
  seed: number;
}

/** A hidden layer with weights: its index in `model.layers` (or `hidden`), its kind and its units or filters. */
export interface WeightLayer {
  layer: number;
  type: 'dense' | 'conv2d';
  units: number;
}

/** A progress notification during training. */
export interface TrainProgress {
  runDir: string;
  /** The `progressToken` of the `run/train` request this progress belongs to. */
  token?: string;
  step: number;
  totalSteps: number;
  epoch: number;
  epochs: number;
  /** The batch loss of this step. */
  loss: number;
  /** Set at the end of each epoch. */
  metrics?: EpochMetrics;
  /** Classification, with `metrics`: the class names, in the order of `metrics.testConfusion`. */
  classes?: string[];
}
