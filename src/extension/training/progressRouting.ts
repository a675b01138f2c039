/** Which training a `run/progress` notification belongs to (pure, no VS Code, so it is unit-tested). */
import type { TrainProgress } from '../../protocol';

export interface RoutedSession {
  /** Sent as the request's `progressToken`; the engine echoes it in every progress event. */
  token: string;
  runDir: string | undefined;
}

/** The session whose request the event answers; never a guess from folders (two trainings in one folder). */
export function sessionForProgress<S extends RoutedSession>(sessions: Iterable<S>, progress: TrainProgress): S | undefined {
  for (const session of sessions) if (progress.token !== undefined && session.token === progress.token) return session;
  return undefined;
}
