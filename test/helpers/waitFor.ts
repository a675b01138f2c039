/**
 * The tests' one way to wait for something: poll a condition until it holds or a generous deadline
 * passes (as vscode-python-environments' `waitForCondition`), instead of sleeping a fixed time.
 */
import { setTimeout as delay } from 'node:timers/promises';

export interface WaitOptions {
  /** Named in the timeout error. */
  what: string;
  /** Default 30 s: long enough for a loaded machine, short of the test's own timeout. */
  timeoutMs?: number;
  intervalMs?: number;
}

/** Resolves with the first truthy value of `condition`; rejects naming `what` after `timeoutMs`. */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${options.what}`);
    await delay(options.intervalMs ?? 20);
  }
}
