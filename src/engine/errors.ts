import { quoteCell } from '../shared/safeText';
/**
 * An error caused by the user's input (a file, a row, a setting), shown as one clear line.
 * Never carries a stack trace to the user; `where` names the file, line and column when known.
 */
export class UserError extends Error {
  constructor(
    message: string,
    /** `field`: the experiment file's key at fault; `choices`: the names a not-found name could have been. */
    readonly where: { file?: string; line?: number; column?: string; field?: (string | number)[]; choices?: string[] } = {},
  ) {
    super(formatUserMessage(message, where));
    this.name = 'UserError';
  }
}

function formatUserMessage(message: string, where: { file?: string; line?: number; column?: string }): string {
  const parts: string[] = [];
  if (where.file) parts.push(where.line !== undefined ? `${where.file}:${where.line}` : where.file);
  if (where.column !== undefined) parts.push(`column ${quoteCell(where.column, 80)}`);
  return parts.length > 0 ? `${parts.join(', ')}: ${message}` : message;
}

/** Raised when work is cancelled between steps; a cancelled training leaves a `cancelled` run. */
export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

/**
 * The one cancellation check of the engine: throws CancelledError once `signal` has fired (long work
 * calls it between chunks). Like `signal.throwIfAborted()`, but the error is always a CancelledError,
 * whatever reason the signal was aborted with, so every caller and the server see one kind.
 */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

export { firstLineOf, messageOf } from '../shared/messageOf';
