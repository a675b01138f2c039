import type { RunInfo, TrainProgress } from '../../protocol';

export interface TrainOptions {
  /** Explicit run directory (else `.kernel-lens/runs/<name>/<run-id>/` beside the experiment). */
  out?: string;
  onProgress?: (progress: TrainProgress) => void;
  /** Checked between batches; an aborted training leaves a `cancelled` run. */
  signal?: AbortSignal;
}

/** Trains an experiment file and records its path. STUB: being written (engine core). */
export async function trainExperiment(experimentFile: string, options: TrainOptions = {}): Promise<RunInfo> {
  void experimentFile;
  void options;
  throw new Error('not implemented yet');
}
