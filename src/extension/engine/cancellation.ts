/** A minimal cancellation source (no `vscode` import) whose token works with vscode-jsonrpc and the engine client. */
import type { CancellationLike } from './engineProcess';

export class CancellationSource {
  private cancelled = false;
  private readonly listeners = new Set<() => void>();
  readonly token: CancellationLike;

  /** `linked`: an outer token (e.g. a hover's) whose cancellation also cancels this source. */
  constructor(linked?: CancellationLike) {
    const isCancelled = (): boolean => this.cancelled;
    this.token = {
      get isCancellationRequested(): boolean {
        return isCancelled();
      },
      onCancellationRequested: (listener: () => void) => {
        if (this.cancelled) {
          queueMicrotask(listener);
          return { dispose: () => undefined };
        }
        this.listeners.add(listener);
        return { dispose: () => void this.listeners.delete(listener) };
      },
    };
    if (linked?.isCancellationRequested) this.cancelled = true;
    else linked?.onCancellationRequested(() => this.cancel());
  }

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const listener of [...this.listeners]) listener();
    this.listeners.clear();
  }
}
