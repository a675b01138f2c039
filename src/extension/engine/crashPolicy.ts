/**
 * The language client's restart policy: restart after a crash, give up after 5 crashes within
 * 3 minutes (then only an explicit Restart starts the engine again).
 */
export interface CrashDecision {
  restart: boolean;
  /** Crashes inside the window, including this one. */
  recentCrashes: number;
}

export class CrashRestartPolicy {
  private crashes: number[] = [];

  constructor(
    readonly maxCrashes = 5,
    readonly windowMs = 3 * 60 * 1000,
  ) {}

  /** Records a crash at `now` and says whether to restart. */
  recordCrash(now: number = Date.now()): CrashDecision {
    this.crashes = this.crashes.filter((t) => now - t < this.windowMs);
    this.crashes.push(now);
    return { restart: this.crashes.length < this.maxCrashes, recentCrashes: this.crashes.length };
  }

  /** A user-requested (re)start forgets past crashes. */
  reset(): void {
    this.crashes = [];
  }
}
