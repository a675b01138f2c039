/**
 * Text of a thrown value, for the engine, the CLI and the extension alike (the one copy of this idiom).
 * Imports nothing, so every bundle can take it.
 */

/** A short, stack-free message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** The first line of `messageOf` (some libraries put usage or a stack below it). */
export function firstLineOf(error: unknown): string {
  return messageOf(error).split('\n')[0];
}
