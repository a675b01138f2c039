import type { LoadedRun } from '../shared/loadedRun';
import { UserError } from '../../errors';
import { replaySegment } from './segmentReplay';
import { segmentsOf } from './segments';

/** The most a replayed whole path may take (weights and Adam's second moments). */
const WHOLE_PATH_MAX_BYTES = 2 * 2 ** 30;

/**
 * A checkpointed run with every step's weights (and Adam's second moments) replayed into memory, as if stored: the
 * tensor method explains it like a stored run. For convolutional networks, whose path (T·P floats) is small beside
 * the per-example factors the budget could not hold; each segment still must reproduce its checkpoint bit for bit.
 */
export async function replayWholePath(run: LoadedRun, signal?: AbortSignal): Promise<LoadedRun> {
  const P = run.layout.parameterCount;
  const T = run.path.steps;
  const bytes = 4 * P * (T + 1 + (run.optimizer.name === 'adam' ? T : 0));
  if (bytes > WHOLE_PATH_MAX_BYTES)
    throw new UserError(
      `this needs the run's whole path in memory (${Math.ceil(bytes / 2 ** 20)} MiB, over ${WHOLE_PATH_MAX_BYTES / 2 ** 20} MiB); it was trained with checkpoints`,
      { file: run.dir },
    );
  const weights = new Float32Array((T + 1) * P);
  const adamV = run.optimizer.name === 'adam' ? new Float32Array(T * P) : null;
  for (const segment of segmentsOf(run)) {
    const replayed = await replaySegment(run, segment, { signal });
    weights.set(replayed.weights, segment.start * P);
    if (adamV && replayed.adamV) adamV.set(replayed.adamV, segment.start * P);
  }
  return { ...run, path: { ...run.path, weights, adamV, replay: null, checkpoints: null, factors: null } };
}
