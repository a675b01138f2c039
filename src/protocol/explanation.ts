/** Explanations: the CLI's `--json` object has exactly the shape of `Explanation`. */
import type { BackendName, Split } from './vocabulary';

export type OutputKind = 'logit' | 'log-odds' | 'margin' | 'value';

/** Which output to explain: default (predicted class / value), a named class, or the margin. */
export type OutputSelector = { kind: 'default' } | { kind: 'class'; class: string } | { kind: 'margin' };

export interface Contribution {
  /** Training-matrix row. */
  index: number;
  file: string;
  /** 1-based line of a CSV record; null for an image file. */
  line: number | null;
  label: string;
  contribution: number;
  kernel: number | null;
  coefficient: number | null;
  /** The training row's raw cells in header order, as recorded at training (absent for `full` explanations). */
  values?: string[];
  /** An image folder's training image as 0–255 values, channels last (listed examples of non-`full` explanations). */
  pixels?: number[];
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
  /** 1-based line of a CSV record; null for an image file. */
  line: number | null;
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
  /** An image-folder run: the explained image as 0–255 values, channels last. */
  pixels?: number[];
  /** Whether the approximate (subsampled) mode was used. */
  approximate?: boolean;
  /** Per training step: the step's total contribution, for the contribution-over-time plot. */
  timing?: {
    ms: number;
    /** A checkpointed run: the replay this row shared with the others of its request (totals over all segments). */
    replay?: ReplayTiming;
  };
}

/** Contribution of one training example over the training steps (for one explained row). */
export interface ContributionTrace {
  index: number;
  steps: number[];
  contributions: number[];
}

/** Where a replayed explanation's time went (README, "Path layouts"). */
export interface ReplayTiming {
  segments: number;
  /** Rows that shared the replay. */
  rows: number;
  /** Regenerating the segments: training steps with their per-example factors and the logits' deltas. */
  replayMs: number;
  /** Indexing each segment (its factors and Adam's diagonal into the contraction module). */
  indexMs: number;
  /** The query side, the optimizer's sweep, the contraction (and the path kernels of all rows when summed in this replay). */
  contractionMs: number;
  /** The second replay for the path kernel of the rows shown, when it ran. */
  kernelReplayMs?: number;
}

/**
 * `kernel-lens neuron`: a unit's incoming weights at the end minus at initialization, Δw, decomposed exactly into one
 * vector v_i per training example through the optimizer's sweep (README, "Neuron view").
 */
export interface NeuronExplanation {
  /** The 0-based index of the parameterized layer in `model.layers` (or `hidden`). */
  layer: number;
  /** The unit of a dense layer or the filter of a conv layer. */
  unit: number;
  /** The weights' shape: [inputs] for a dense unit, [k, k, C_in] for a conv filter (row-major, channels last). */
  shape: number[];
  /** For a first layer on images: the input image's shape [height, width, channels] the weights can be drawn as. */
  imageShape: number[] | null;
  initial: number[];
  final: number[];
  /** ‖Δw − Σ_i v_i‖₂ (abs) and that over ‖Δw‖₂ (rel). */
  residual: { abs: number; rel: number };
  /** The examples with the largest |projection| of v_i on Δw, largest first. */
  contributions: NeuronContribution[];
  backend: BackendName;
}

export interface NeuronContribution {
  index: number;
  file: string;
  line: number | null;
  label: string;
  /** v_i · Δw / ‖Δw‖₂: how far example i moved the weights along their total change. */
  projection: number;
  /** v_i · Δw / ‖Δw‖₂²: the share of the change (all shares sum to 1 up to the residual). */
  share: number;
  /** v_i itself, for drawing (first layers on images, and conv filters). */
  vector?: number[];
}
