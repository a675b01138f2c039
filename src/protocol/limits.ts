/**
 * Every limit and every closed list of names that more than one side checks: the CLI's flags, the
 * engine's request schemas, the extension's settings and the webview's inputs import them from here.
 * `package.json` cannot import, so test/unit/limits.test.ts checks its settings against these.
 * Imports nothing, so the webview bundle can take it as a value.
 */

/** A closed integer range with its default where there is one. */
export interface IntegerRange {
  min: number;
  max: number;
  default?: number;
}

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export const BACKEND_CHOICES = ['auto', ...BACKEND_NAMES] as const;
export const SPLITS = ['train', 'test'] as const;
/** What an explanation query may name: a split of the run, or rows of another CSV file. */
export const QUERY_SPLITS = [...SPLITS, 'input'] as const;
export const SUSPECT_SCORINGS = ['self-share-loss', 'self-share', 'tracin', 'adam', 'path-loss', 'loss', 'leave-self-out'] as const;
/** What each scoring ranks by, in words for the CLI and the Suspicious Rows view. */
export const SUSPECT_SCORING_WORDS: Record<(typeof SUSPECT_SCORINGS)[number], string> = {
  'self-share-loss':
    'how hard each row pulled on itself during training (self-influence), times how much of its own explanation it is, times its mean loss along the training path',
  'self-share': 'how hard each row pulled on itself during training (self-influence) times how much of its own explanation it is',
  tracin: 'how hard each row pulled its own prediction toward its label during training (TracIn self-influence)',
  adam: 'how far each row moved its own prediction toward its label during training (self-influence in Adam’s steps)',
  'path-loss': 'the mean loss of each row over the training steps that used it',
  loss: 'the final loss of each row',
  'leave-self-out': 'how unlikely each row’s label is once its own contribution is taken out of its prediction',
};
/**
 * The attribution methods an LDS evaluation compares: the exact path-kernel contributions, TracIn's first-order
 * form of them (left point of each step), and the gradient similarity at the final weights.
 */
export const LDS_METHODS = ['pathKernel', 'tracin', 'gradientSimilarity'] as const;
export const LDS_METHOD_NAMES: Record<(typeof LDS_METHODS)[number], string> = {
  pathKernel: 'path kernel (exact)',
  tracin: 'TracIn (first order)',
  gradientSimilarity: 'gradient similarity (final weights)',
};

/** A target is classified (not regressed) when it has text, or at most this many distinct integer values. */
export const MAX_INTEGER_CLASSES = 20;

/** Compare Runs, a row under two runs: each run's strongest supporters and opposers taken into the comparison. */
export const COMPARED_PER_SIDE = 10;

/** The largest class count whose test confusion matrix a run records per epoch (and the training view shows). */
export const CONFUSION_MAX_CLASSES = 30;

export const LIMITS = {
  /** Gauss–Legendre nodes per training step (experiment file, setting, CLI `--nodes`, `explain/rows`). */
  quadratureNodes: { min: 1, max: 16, default: 3 },
  /** Training examples an explanation lists (CLI `--top`, `explain/rows` `top`, `trust/suspects` `top`). */
  top: { min: 1, max: 100_000, default: 10 },
  /** The setting `kernelLens.explain.examplesShown`: how many the explanation view lists. */
  examplesShown: { min: 1, max: 1000, default: 10 },
  /** Supporters removed by "verify by retraining" (0 retrains the original only). */
  verifyK: { min: 0, max: 1000, default: 10 },
  /** Random removals of k rows that verify compares against. */
  verifyRandomDraws: { min: 0, max: 20, default: 3 },
  verifySeed: { min: 0, max: 2 ** 31, default: 1 },
  /** `lds --subsets`: retrainings on random subsets of the training rows. */
  ldsSubsets: { min: 3, max: 1000, default: 50 },
  /** `lds --rows`: test rows scored (the first ones of the test split). */
  ldsRows: { min: 1, max: 10_000, default: 100 },
  ldsSeed: { min: 0, max: 2 ** 31, default: 1 },
  /** Training rows sampled for the kernel-evolution matrices. */
  kernelSample: { min: 2, max: 200, default: 200 },
  /** Checkpoints of the kernel-alignment curve. */
  kernelCheckpoints: { min: 2, max: 200, default: 20 },
  /** Sampled rows whose same-class share is computed (each needs a full explanation). */
  kernelShareRows: { min: 0, max: 200, default: 50 },
  /** The engine's memory budget (setting `kernelLens.memoryBudgetMb`, engine flag, `engine/initialize`). */
  memoryBudgetMb: { min: 64, max: 1024 * 1024, default: 2048 },
  /**
   * Disk budget of a run folder in MiB (CLI `--path-budget-mb`, `run/train` `pathBudgetMb`, setting
   * `kernelLens.training.pathBudgetMb`): the full path when it fits, checkpoints and replay otherwise.
   */
  pathBudgetMb: { min: 1, max: 1024 * 1024, default: 256 },
  /** `export-path --max-mb`: the largest full path it writes, in MiB. */
  exportMaxMb: { min: 1, max: 1024 * 1024, default: 2048 },
  /** Steps between checkpoints forced by CLI `--checkpoint-every` / `run/train` `checkpointEvery` (1: the full path). */
  checkpointEvery: { min: 1, max: 100_000_000 },
  /** A row index anywhere in a request. */
  row: { min: 0, max: 100_000_000 },
  /** `neuron --layer`: a hidden layer's index in model.layers (at most 16 layers). */
  neuronLayer: { min: 0, max: 15 },
  /** `neuron --unit`: a unit of a dense layer or a filter of a conv layer. */
  neuronUnit: { min: 0, max: 4095 },
  /** Queries in one `explain/rows` request. */
  queries: { min: 1, max: 1000 },
  /** Training rows traced in one `explain/trace` request. */
  traceIndices: { min: 1, max: 1000 },
  /** Workspace folders in `engine/initialize`. */
  workspaceFolders: { min: 1, max: 64 },
} as const satisfies Record<string, IntegerRange>;

/** Relative residual above which an explanation is flagged: greater than 0, at most 1. */
export const TOLERANCE = { default: 1e-3, max: 1 } as const;

/** `lds --fraction`: the share of training rows each LDS subset keeps. */
export const LDS_FRACTION = { min: 0.05, max: 0.95, default: 0.5 } as const;

/** Text lengths the engine accepts in requests. */
export const TEXT_LIMITS = {
  path: 4096,
  className: 1000,
  runLabel: 200,
  runAnnotation: 20_000,
  /** An error message sent to a client or printed by the CLI (cells are cut where quoted; this is the backstop). */
  errorMessage: 2000,
} as const;
