/**
 * The one protocol module shared by the engine, the extension and the webview.
 *
 * - Data shapes (experiments, runs, explanations) used everywhere.
 * - The engine's JSON-RPC methods, one typed constant each (rust-analyzer's `lsp_ext.ts` style).
 * - The webview's message contract (a typed union in each direction, with a ready handshake).
 *
 * The webview imports this module with `import type` only, so `vscode-jsonrpc` never reaches its bundle.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

// ---------------------------------------------------------------------------------------------
// Basic vocabulary

export type Split = 'train' | 'test';
export type TaskKind = 'regression' | 'binary' | 'multiclass';
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export type BackendChoice = 'auto' | BackendName;
export type RunStatus = 'running' | 'complete' | 'cancelled' | 'failed';
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'gelu' | 'softplus' | 'linear';
export type OptimizerName = 'sgd' | 'momentum' | 'adam';
export type ColumnType = 'numeric' | 'categorical';
export type MissingPolicy = 'impute' | 'drop' | 'error';

/** Where a matrix row came from: file relative to the experiment file, 1-based editor line of the record start. */
export interface RowSource {
  file: string;
  line: number;
}

// ---------------------------------------------------------------------------------------------
// Experiment file (`*.kernel.json`). The engine's zod schema is checked against this type.

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

// ---------------------------------------------------------------------------------------------
// Dataset inspection

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

// ---------------------------------------------------------------------------------------------
// Preprocessing recorded in run.json

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

// ---------------------------------------------------------------------------------------------
// Runs

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
}

export interface DatasetFileRecord {
  /** Relative to the experiment file. */
  file: string;
  sha256: string;
  size: number;
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
}

/** A progress notification during training. */
export interface TrainProgress {
  runDir: string;
  step: number;
  totalSteps: number;
  epoch: number;
  epochs: number;
  /** The batch loss of this step. */
  loss: number;
  /** Set at the end of each epoch. */
  metrics?: EpochMetrics;
}

// ---------------------------------------------------------------------------------------------
// Explanations (the CLI's `--json` object has exactly this shape)

export type OutputKind = 'logit' | 'log-odds' | 'margin' | 'value';

/** Which output to explain: default (predicted class / value), a named class, or the margin. */
export type OutputSelector = { kind: 'default' } | { kind: 'class'; class: string } | { kind: 'margin' };

export interface Contribution {
  /** Training-matrix row. */
  index: number;
  file: string;
  line: number;
  label: string;
  contribution: number;
  kernel: number | null;
  coefficient: number | null;
}

export interface Residual {
  signed: number;
  abs: number;
  rel: number;
  tolerance: number;
  flagged: boolean;
}

export type Prediction = { label: string; probability: number } | { value: number };

export interface Explanation {
  run: string;
  split: Split | 'input';
  row: number;
  file: string;
  line: number;
  label: string | null;
  prediction: Prediction;
  output: { kind: OutputKind; class: string | null; units: 'logit' | 'target' };
  network: number;
  bias: number;
  kernelMachine: number;
  residual: Residual;
  backend: BackendName;
  /** Sorted by |contribution| descending. */
  contributions: Contribution[];
  /** Present when `contributions` was cut to the top K. */
  rest?: { count: number; sum: number };
  /** Sum of contributions per training label, over all training rows. */
  byLabel?: { label: string; sum: number; count: number }[];
  /** How many examples (by |contribution|, largest first) explain 50% and 90% of Σ|c|. */
  concentration?: { half: number; ninety: number; totalAbs: number };
  /** The explained row's raw cell values, in header order. */
  values?: { name: string; value: string }[];
  /** Whether the approximate (subsampled) mode was used. */
  approximate?: boolean;
  /** Per training step: the step's total contribution, for the contribution-over-time plot. */
  timing?: { ms: number };
}

/** Contribution of one training example over the training steps (for one explained row). */
export interface ContributionTrace {
  index: number;
  steps: number[];
  contributions: number[];
}

// ---------------------------------------------------------------------------------------------
// Engine JSON-RPC methods

export interface EngineInfo {
  version: string;
  backend: BackendName;
  backendsAvailable: BackendName[];
  /** Why a preferred backend is not in use, if it is not. */
  backendNote: string | null;
  node: string;
  pid: number;
  initialized: boolean;
  /** The memory budget in force (MB). */
  memoryBudgetMb?: number;
}

export interface InitializeParams {
  workspaceFolders: string[];
  backend?: BackendChoice;
  /** Memory budget in MB for datasets and runs. */
  memoryBudgetMb?: number;
  /** Where the optional native backend may be installed. */
  nativeModulesDir?: string;
}

export interface InspectParams {
  file: string;
}

export interface ValidateParams {
  experimentFile: string;
}

export interface ValidateResult {
  ok: boolean;
  errors: string[];
  config: ExperimentConfig | null;
}

export interface TrainParams {
  experimentFile: string;
  /** Optional explicit run directory. */
  out?: string;
  /** Path-storage budget in MB: a longer path keeps every k-th checkpoint (approximate explanations). */
  pathBudgetMb?: number;
}

export interface RunListParams {
  experimentFile: string;
}

export interface RunRef {
  runDir: string;
}

export interface RunUpdateParams extends RunRef {
  label?: string;
  annotation?: string;
  pinned?: boolean;
}

export interface ExplainQuery {
  split: Split | 'input';
  row: number;
  /** For `split: 'input'`: the CSV file holding the row. */
  input?: string;
}

export interface ExplainParams {
  runDir: string;
  queries: ExplainQuery[];
  output?: OutputSelector;
  /** Top K contributions (default 10); ignored when `full`. */
  top?: number;
  full?: boolean;
  quadratureNodes?: number;
  tolerance?: number;
}

export interface ExplainResult {
  explanations: Explanation[];
}

export interface TraceParams {
  runDir: string;
  query: ExplainQuery;
  output?: OutputSelector;
  indices: number[];
}

// Trust tools: suspicious training rows, verification by retraining, the kernel over training.

/** How suspects are scored: TracIn's first-order self-influence, Adam-preconditioned, or the final loss. */
export type SuspectScoring = 'tracin' | 'adam' | 'loss';

export interface SuspectsParams {
  runDir: string;
  /** Only the first K rows (default: all). */
  top?: number;
  /** Default: the engine's chosen scoring. */
  scoring?: SuspectScoring;
}

export interface SuspectRow {
  /** 1-based rank, most suspicious first. */
  rank: number;
  /** Training-matrix row. */
  index: number;
  file: string;
  line: number;
  label: string;
  score: number;
  /** The trained model's prediction for the row (class, or value for regression). */
  predicted: string;
  /** The trained model's probability of the row's own label; null for regression. */
  labelProbability: number | null;
}

export interface SuspectsResult {
  runDir: string;
  scoring: SuspectScoring;
  trainRows: number;
  /** Most to least suspicious. */
  rows: SuspectRow[];
}

export interface VerifyParams {
  runDir: string;
  query: ExplainQuery;
  output?: OutputSelector;
  /** Supporters removed (default 10); 0 retrains the original. */
  k?: number;
  /** Random removals of k rows (default 3). */
  randomDraws?: number;
  /** Seed of the random draws (default 1). */
  seed?: number;
}

/** One retraining without some rows. */
export interface VerifyRemoval {
  kind: 'supporters' | 'random';
  /** Training-matrix rows removed. */
  rows: number[];
  /** Σ of the removed rows' contributions to the explained output (output units). */
  removedSum: number;
  /** The explained output after retraining without them. */
  output: number;
  /** output − the original output; a first-order estimate is −removedSum. */
  change: number;
}

export interface VerifyResult {
  runDir: string;
  query: ExplainQuery;
  output: { kind: OutputKind; class: string | null; units: 'logit' | 'target' };
  k: number;
  /** The original run's explained output. */
  original: number;
  /** The explained output when retrained with nothing removed, on this backend. */
  retrained: number | null;
  supporters: VerifyRemoval;
  random: VerifyRemoval[];
  backend: BackendName;
  ms: number;
}

export interface KernelParams {
  runDir: string;
  /** Training rows sampled for the kernel matrices (default and maximum 200). */
  sample?: number;
  /** Checkpoints for the alignment curve (default 20). */
  checkpoints?: number;
  /** Include the full sample-by-sample matrices (default true). */
  matrices?: boolean;
  /** Sampled rows whose same-class share is computed (each needs a full explanation; default 50). */
  shareRows?: number;
}

export interface KernelMatrices {
  /** Tangent kernel of the explained outputs at w_0. */
  initial: number[][];
  /** Tangent kernel at w_T. */
  final: number[][];
  /** Path kernel K^p(x_j, x_i): row j is the query, column i the training example. */
  path: number[][];
}

export interface KernelEvolution {
  runDir: string;
  /** Training-matrix rows of the sample, and their labels. */
  sample: number[];
  labels: string[];
  /** The explained output of each sampled row (chosen at w_T, as an explanation would). */
  outputs: { kind: OutputKind; class: string | null }[];
  /** Centered kernel-target alignment (Cortes et al. 2012) of each kernel with the labels. */
  alignment: { initial: number; final: number; path: number };
  /** Alignment of the tangent kernel along training. */
  alignmentCurve: { step: number; epoch: number; alignment: number }[];
  /** How far the network moved from a fixed kernel: 1 − ⟨K_0, K_T⟩/(‖K_0‖‖K_T‖), and ‖K_T − K_0‖/‖K_0‖. */
  drift: { kernelDistance: number; relativeChange: number };
  /** Per explained sampled row (`shareRows` of them, spread over the sample): the share of Σ|c_i| from training rows of the predicted class, and the signed sums. */
  sameClass: { index: number; predicted: string; shareAbs: number; sameSum: number; otherSum: number }[];
  /** Mean of sameClass.shareAbs (classification), null for regression. */
  meanSameClassShare: number | null;
  matrices?: KernelMatrices;
  ms: number;
}

export namespace EngineMethods {
  export const info = new RequestType0<EngineInfo, void>('engine/info');
  export const initialize = new RequestType<InitializeParams, EngineInfo, void>('engine/initialize');
  export const shutdown = new RequestType0<void, void>('engine/shutdown');
  export const inspectDataset = new RequestType<InspectParams, DatasetSchema, void>('dataset/inspect');
  export const validateExperiment = new RequestType<ValidateParams, ValidateResult, void>('experiment/validate');
  export const train = new RequestType<TrainParams, RunInfo, void>('run/train');
  export const progress = new NotificationType<TrainProgress>('run/progress');
  export const listRuns = new RequestType<RunListParams, RunInfo[], void>('run/list');
  export const loadRun = new RequestType<RunRef, RunInfo, void>('run/load');
  export const updateRun = new RequestType<RunUpdateParams, RunInfo, void>('run/update');
  export const deleteRun = new RequestType<RunRef, void, void>('run/delete');
  export const explainRows = new RequestType<ExplainParams, ExplainResult, void>('explain/rows');
  export const traceContribution = new RequestType<TraceParams, ContributionTrace[], void>('explain/trace');
  export const trustSuspects = new RequestType<SuspectsParams, SuspectsResult, void>('trust/suspects');
  export const trustVerify = new RequestType<VerifyParams, VerifyResult, void>('trust/verify');
  export const trustKernel = new RequestType<KernelParams, KernelEvolution, void>('trust/kernel');
  /** Test hooks, served only when the engine runs with KERNEL_LENS_ENGINE_DEBUG=1. */
  export const debugPrint = new RequestType<DebugPrintParams, DebugPrintResult, void>('engine/debugPrint');
  export const debugSleep = new RequestType<DebugSleepParams, DebugSleepResult, void>('engine/debugSleep');
}

/** Prints `text` through every stdout writer (console.*, process.stdout, fd 1) to prove the protocol stream stays clean. */
export interface DebugPrintParams {
  text: string;
}

export interface DebugPrintResult {
  printed: number;
}

/** Sleeps in small async steps, honouring cancellation, to exercise concurrency and `$/cancelRequest`. */
export interface DebugSleepParams {
  ms: number;
}

export interface DebugSleepResult {
  sleptMs: number;
}

/** JSON-RPC error codes the engine uses besides the standard ones. */
export const EngineErrorCodes = {
  notInitialized: -32002,
  invalidParams: -32602,
  outsideWorkspace: -32010,
  badInput: -32011,
  memoryBudget: -32012,
  cancelled: -32800,
} as const;

// ---------------------------------------------------------------------------------------------
// Webview messages (extension <-> webview), one union per direction.

export interface ExplanationViewState {
  runDir: string;
  runName: string;
  classes: string[] | null;
  query: ExplainQuery;
  output: OutputSelector;
  /** Feature names of the encoded inputs, for showing supporters' values. */
  header: string[];
  image: { width: number; height: number } | null;
  stale: boolean;
  explanation: Explanation;
  /** Raw values of the training rows listed in the explanation, by training index. */
  trainingValues: Record<number, string[]>;
}

/** One row of the test set view: a test row's prediction and the quality of its decomposition. */
export interface TestSetRow {
  /** Test-matrix row, as `ExplainQuery.row` with `split: 'test'`. */
  row: number;
  file: string;
  line: number;
  label: string;
  /** Predicted class, or the predicted value formatted as text for regression. */
  prediction: string;
  /** Probability of the predicted class; null for regression. */
  probability: number | null;
  /** Whether the prediction matches the label; null for regression. */
  correct: boolean | null;
  /** The explained output (default selector), in logits or target units. */
  output: number;
  /** Relative residual of the decomposition. */
  residualRel: number;
  /** Residual above tolerance. */
  flagged: boolean;
}

/** The training curves view: per-epoch metrics so far and the run's status. */
export interface TrainingViewState {
  runName: string;
  metrics: EpochMetrics[];
  status: RunStatus;
  /** The latest progress notification, if any (step counter and batch loss). */
  progress?: TrainProgress | null;
}

/** The test set view. */
export interface TestSetViewState {
  runName: string;
  rows: TestSetRow[];
}

/** The kernel evolution view: a run's kernel summary, reduced for drawing (see `src/extension/trust/kernelViewState.ts`). */
export interface KernelViewState {
  runName: string;
  stale: boolean;
  /** Sampled rows the kernels were computed on. */
  sampleSize: number;
  task: TaskKind;
  alignment: KernelEvolution['alignment'];
  alignmentCurve: KernelEvolution['alignmentCurve'];
  drift: KernelEvolution['drift'];
  sameClass: KernelEvolution['sameClass'];
  meanSameClassShare: number | null;
  /** Pairs (i < j) of sampled rows: the initial, final and path kernel values, and whether the labels agree. */
  pairs: { initial: number; final: number; path: number; sameLabel: boolean }[];
  /** Pairs in the sample, of which `pairs` holds a spread subset. */
  pairCount: number;
  /** A small subsample ordered by label, for heatmaps: its labels and the three matrices on it. */
  heatmap: { labels: string[]; initial: number[][]; final: number[][]; path: number[][] } | null;
  ms: number;
}

/**
 * What the webview stores with `setState` (and what a WebviewPanelSerializer receives on revival):
 * the last view it rendered. The first data message decides the view.
 */
export type PersistedWebviewState =
  | { view: 'explanation'; state: ExplanationViewState; trace: ContributionTrace[] | null; verification?: VerifyResult | null }
  | { view: 'testSet'; state: TestSetViewState }
  | { view: 'training'; state: TrainingViewState }
  | { view: 'kernel'; state: KernelViewState };

export type ToWebview =
  | { type: 'explanation'; state: ExplanationViewState }
  | { type: 'trace'; trace: ContributionTrace[] }
  | { type: 'testSet'; runName: string; rows: TestSetRow[] }
  | { type: 'training'; runName: string; metrics: EpochMetrics[]; status: RunStatus }
  | { type: 'trainingProgress'; progress: TrainProgress }
  /** The explanation view: the result of "Verify by retraining…". */
  | { type: 'verification'; result: VerifyResult }
  | { type: 'kernel'; state: KernelViewState }
  | { type: 'busy'; message: string }
  | { type: 'error'; message: string };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'openRow'; file: string; line: number }
  | { type: 'explainTraining'; index: number }
  | { type: 'switchOutput'; output: OutputSelector }
  | { type: 'requestTrace'; indices: number[] }
  | { type: 'copyJson' }
  | { type: 'exportCsv' }
  /** Test set view: open the explanation of a test row. */
  | { type: 'explainRow'; split: Split; row: number }
  /** Training curves view: stop the running training. */
  | { type: 'cancelTraining' }
  /** Explanation view: retrain without the top-k supporters (and k random rows) and compare. */
  | { type: 'verify'; k: number };
