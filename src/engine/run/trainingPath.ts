/** Everything path-kernel.md §4 says must be recorded to rebuild every step exactly. */
export interface TrainingPath {
  /** [T+1, P]: parameters before step 0 and after each step. Empty for a checkpointed run (`replay`). */
  weights: Float32Array;
  /** [T, width] training-row indices per step, −1 padding. */
  batches: Int32Array;
  batchWidth: number;
  /** [T] learning rate of each step. */
  learningRates: Float32Array;
  /** Adam only: [T, P] second moment after each step. */
  adamV: Float32Array | null;
  /** Steps actually taken (less than planned when cancelled or failed). */
  steps: number;
  /**
   * With a path-storage budget: the step index of each stored weight row ([M+1], 0 … T) when only every
   * k-th checkpoint was kept; `adamV` then holds M rows, the second moment after the first step of each
   * stretch. null: every step is stored (the exact path).
   */
  checkpoints: Int32Array | null;
  /** A checkpointed run: the states every K steps from which each segment is replayed (path-kernel.md §3.2). */
  replay: ReplayCheckpoints | null;
  /**
   * The per-example factors of every step as the optimizer used them (path-kernel.md §3), per layer a [T, width, in]
   * and δ [T, width, out], padding slots zero; recorded by training (full layout) and by replay. null: not recorded.
   */
  factors: PathFactors[] | null;
  /** A replayed segment asked for them: the listed output classes' δ per layer at every step (the path kernel's training side). */
  outputDeltas?: OutputDeltas;
  /** The absolute index of step 0 of this path (a replayed segment starts later; Adam's bias correction counts from 0). */
  firstStep: number;
}

/** The optimizer's state every K steps, from which training continues bit for bit (README, "Run directory"). */
export interface ReplayCheckpoints {
  /** Steps between checkpoints (the last segment may be shorter). */
  every: number;
  /** [M+1]: the step of each checkpoint, 0, K, 2K, …, T. */
  steps: Int32Array;
  /** [M+1, P]: the weights at each checkpoint. */
  weights: Float32Array;
  /** [M+1, P]: momentum's accumulation or Adam's first moment; null for sgd. */
  first: Float32Array | null;
  /** [M+1, P]: Adam's second moment; null otherwise. */
  second: Float32Array | null;
  /** [M+1, 2]: Adam's running powers β1^{s+1}, β2^{s+1}; null otherwise. */
  powers: Float32Array | null;
  /** sha256 (hex) of each checkpoint's weights as float32 bytes: a replay that drifted is detected. */
  fingerprints: string[];
}

/** One layer's factors over the steps of a path: a [T, width, in], δ [T, width, out]. */
export interface PathFactors {
  a: Float32Array;
  delta: Float32Array;
}

/** Per output class, per layer, δ [T, width, out] of that logit (padding slots zero). */
export interface OutputDeltas {
  classes: number[];
  delta: Float32Array[][];
}
