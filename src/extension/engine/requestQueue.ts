/**
 * Scheduling of engine work on the extension side:
 * - `TrainingQueue`: one training at a time per experiment; further trainings wait their turn (never dropped).
 * - `LatestOnly`: debounced, cancellable work for hovers and explanations, where only the newest request matters.
 */
import { CancellationSource } from './cancellation';
import type { CancellationLike } from './engineProcess';

export class TrainingQueue {
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly counts = new Map<string, number>();

  /** Trainings running or waiting for `key` (the experiment file). */
  pending(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  /** Runs `task` after every earlier task of the same key settled; a failure does not block the next one. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    this.counts.set(key, this.pending(key) + 1);
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      const left = this.pending(key) - 1;
      if (left > 0) this.counts.set(key, left);
      else this.counts.delete(key);
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}

/** The result of debounced work: `superseded` when a newer call (or the caller's token) cancelled it. */
export type Debounced<T> = { superseded: false; value: T } | { superseded: true };

export class LatestOnly {
  private current: { source: CancellationSource; timer: NodeJS.Timeout | null; finish: () => void } | null = null;

  constructor(private readonly delayMs: number) {}

  /**
   * Waits `delayMs`, then runs `work` with a token that fires when a newer call arrives or `outer` cancels.
   * A superseded call resolves `{ superseded: true }` at once, so callers never wait on stale work.
   */
  run<T>(work: (token: CancellationLike) => Promise<T>, outer?: CancellationLike): Promise<Debounced<T>> {
    this.cancel();
    const source = new CancellationSource(outer);
    return new Promise<Debounced<T>>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        resolve({ superseded: true });
      };
      const entry = { source, timer: null as NodeJS.Timeout | null, finish };
      this.current = entry;
      source.token.onCancellationRequested(finish);
      entry.timer = setTimeout(() => {
        entry.timer = null;
        if (source.token.isCancellationRequested) return finish();
        work(source.token).then(
          (value) => {
            if (done) return;
            done = true;
            if (this.current === entry) this.current = null;
            resolve(source.token.isCancellationRequested ? { superseded: true } : { superseded: false, value });
          },
          (error: unknown) => {
            if (done) return;
            done = true;
            if (this.current === entry) this.current = null;
            if (source.token.isCancellationRequested) resolve({ superseded: true });
            else reject(error);
          },
        );
      }, this.delayMs);
    });
  }

  /** Cancels the pending or running call, if any. */
  cancel(): void {
    const entry = this.current;
    this.current = null;
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.source.cancel();
    entry.finish();
  }
}
