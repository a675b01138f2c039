/** Everything path-kernel.md §4 says must be recorded to rebuild every step exactly. */
export interface TrainingPath {
  /** [T+1, P]: parameters before step 0 and after each step. */
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
}
