/** Webview messages (extension <-> webview), one union per direction, and the views' states. */
import type { EpochMetrics, TrainProgress } from './run';
import type { ContributionTrace, Explanation, NeuronExplanation, OutputSelector, Prediction } from './explanation';
import type { RunStatus, Split, TaskKind } from './vocabulary';
import type { ExplainQuery } from './rpc/explain';
import type { KernelEvolution, VerifyResult } from './rpc/trust';

export interface ExplanationViewState {
  runDir: string;
  runName: string;
  classes: string[] | null;
  query: ExplainQuery;
  output: OutputSelector;
  /** The training file's header (trimmed), for showing supporters' values. */
  header: string[];
  /** The target column's name (not a feature: left out where features are compared). */
  target?: string | null;
  /** Image inputs' shape (channels 1 when not given): thumbnails from `values` or the engine's `pixels`. */
  image: { width: number; height: number; channels?: number } | null;
  stale: boolean;
  explanation: Explanation;
  /** Raw values of the training rows listed in the explanation, by training index. */
  trainingValues: Record<number, string[]>;
  /** The panel is pinned: it keeps this explanation, the next opens in another panel. */
  pinned?: boolean;
}

/** One row of the test set view: a test row's prediction and the quality of its decomposition. */
export interface TestSetRow {
  /** Test-matrix row, as `ExplainQuery.row` with `split: 'test'`. */
  row: number;
  file: string;
  /** null for an image file. */
  line: number | null;
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
  /** An image-folder run: the test image as 0–255 values, channels last (its thumbnail). */
  pixels?: number[];
  /** The dataset view: the row's split (the test set view's rows are all `test`). */
  split?: Split;
  /** The dataset view, training rows of a ranked run: its suspicion rank (1 = most suspicious) and suggested label. */
  suspicion?: { rank: number; suggested: string | null } | null;
}

/** The training curves view: per-epoch metrics so far and the run's status. */
export interface TrainingViewState {
  runName: string;
  metrics: EpochMetrics[];
  status: RunStatus;
  /** Why a failed training failed (the engine's message, naming the file and row). */
  message?: string | null;
  /** The latest progress notification, if any (step counter and batch loss). */
  progress?: TrainProgress | null;
  /** Classification: the class names, for the test confusion matrix of the last epoch. */
  classes?: string[] | null;
}

/** The compare-runs view: every run of one experiment, the settings that differ, final metrics and curves. */
export interface CompareRunsViewState {
  experimentName: string;
  /** The training settings in reading order, and whether any two runs differ in it. */
  parameters: { key: string; name: string; differs: boolean }[];
  runs: ComparedRun[];
  /** Regression runs: RMSE instead of accuracy. */
  regression: boolean;
  /** The last row explained under two of the runs ("Explain a Row under Both…"), kept while the view lives. */
  rowComparison?: RowComparison | null;
}

/** One row explained under two runs of an experiment, and the training rows whose contributions changed most. */
export interface RowComparison {
  /** The row ("iris.csv:12", or an image's file) and its label. */
  row: { source: string; label: string | null };
  /** What both explanations explain: the same class's logit (or margin, or value) under both runs. */
  output: Explanation['output'];
  runs: [ComparedExplanation, ComparedExplanation];
  /** Training rows among either run's strongest supporters and opposers, the largest change first. */
  changes: ContributionChange[];
}

export interface ComparedExplanation {
  runDir: string;
  title: string;
  /** The row in this run (runs with other seeds split the data differently). */
  split: Split;
  row: number;
  prediction: Prediction;
  network: number;
  bias: number;
  residualRel: number;
}

export interface ContributionChange {
  /** The training row ("iris.csv:40"), the same row in both runs. */
  source: string;
  label: string;
  /** Its contribution in each run; null where that run does not train on it (another seed split the data otherwise). */
  a: number | null;
  b: number | null;
  /** 1-based rank by |contribution| in each run; null where that run does not train on it. */
  rankA: number | null;
  rankB: number | null;
}

export interface ComparedRun {
  runDir: string;
  /** Its label, else what tells it from the others (runTitle). */
  title: string;
  status: RunStatus;
  createdAt: string;
  /** Each parameter's value as shown, by `parameters[].key` ('' when the run does not record it). */
  parameters: Record<string, string>;
  metrics: EpochMetrics[];
  /** The run that answers hovers and Explain Prediction (pinned, else the latest complete). */
  answering: boolean;
}

/** The test set view. */
export interface TestSetViewState {
  runName: string;
  rows: TestSetRow[];
  /** Image inputs' shape, for the rows' thumbnails. */
  image?: { width: number; height: number; channels?: number } | null;
  /** The dataset view: training and test rows, with their split and suspicion. */
  dataset?: boolean;
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
  | { view: 'kernel'; state: KernelViewState }
  | { view: 'neuron'; state: NeuronViewState }
  | { view: 'compareRuns'; state: CompareRunsViewState };

/** The neuron view ("Explain Neuron…"): one unit's weight change as a sum over the training examples. */
export interface NeuronViewState {
  runName: string;
  neuron: NeuronExplanation;
}

export type ToWebview =
  | { type: 'explanation'; state: ExplanationViewState }
  | { type: 'trace'; trace: ContributionTrace[] }
  | { type: 'testSet'; runName: string; rows: TestSetRow[]; image?: TestSetViewState['image']; dataset?: boolean }
  | { type: 'training'; runName: string; metrics: EpochMetrics[]; status: RunStatus; message?: string | null; classes?: string[] | null }
  | { type: 'trainingProgress'; progress: TrainProgress }
  | { type: 'neuron'; state: NeuronViewState }
  /** The explanation view: the result of "Verify by retraining…". */
  | { type: 'verification'; result: VerifyResult }
  | { type: 'kernel'; state: KernelViewState }
  | { type: 'compareRuns'; state: CompareRunsViewState }
  | { type: 'busy'; message: string }
  | { type: 'error'; message: string };

export const TRAINING_NEXT_STEPS = ['explainTestRow', 'showTestSet', 'trainAgain'] as const;
export type TrainingNextStep = (typeof TRAINING_NEXT_STEPS)[number];

export type FromWebview =
  | { type: 'ready' }
  | { type: 'openRow'; file: string; line: number | null }
  | { type: 'explainTraining'; index: number }
  | { type: 'switchOutput'; output: OutputSelector }
  | { type: 'requestTrace'; indices: number[] }
  | { type: 'copyJson' }
  | { type: 'exportCsv' }
  /**
   * Explanation view: save what it shows as a standalone HTML report. `body`: its markup as reportSnapshot writes
   * it (checked again before saving), `theme`: the --vscode-* colours now, `bodyClass`: the theme kind's classes.
   */
  | { type: 'exportReport'; body: string; theme: Record<string, string>; bodyClass: string }
  /** Explanation view: keep this panel as it is; the next explanation opens beside it. */
  | { type: 'pin' }
  /** Test set view: open the explanation of a test row. */
  | { type: 'explainRow'; split: Split; row: number }
  /** Compare-runs view: open a run's training view. */
  | { type: 'showRun'; runDir: string }
  /** Compare-runs view: pick a row and explain it under these two runs. */
  | { type: 'compareRow'; runDirs: [string, string] }
  /** Training curves view: stop the running training. */
  | { type: 'cancelTraining' }
  /** Training curves view, after a complete training: the next steps it offers. */
  | { type: 'nextStep'; step: TrainingNextStep }
  /** Explanation view: retrain without the top-k supporters (and k random rows) and compare. */
  | { type: 'verify'; k: number };
