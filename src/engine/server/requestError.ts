/** Errors a request handler raises on purpose, carrying the JSON-RPC error code the client sees. */
import * as path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc';
import { EngineErrorCodes, type ErrorLocation } from '../../protocol';
import { TEXT_LIMITS } from '../../protocol/limits';
import { CancelledError, UserError, messageOf } from '../errors';
import { logLine, printable } from './log';

export class RequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

export function notInitialized(method: string): RequestError {
  return new RequestError(EngineErrorCodes.notInitialized, `The engine is not initialized: send engine/initialize before ${method}.`);
}

function isAbort(error: unknown): boolean {
  return error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError');
}

/** Where a user error is, for the extension's diagnostics; undefined when it names no file. */
function errorLocation(error: UserError): ErrorLocation | undefined {
  const { file, line, column, field, choices } = error.where;
  if (file === undefined) return undefined;
  return { file: path.resolve(file), line, column, field, choices: choices?.slice(0, 500) };
}

/** Maps anything a handler throws to the response error the client gets; logs stacks of unexpected errors. */
export function toResponseError(error: unknown, method: string): ResponseError<ErrorLocation | undefined> {
  if (error instanceof ResponseError) return error as ResponseError<ErrorLocation | undefined>;
  if (error instanceof RequestError) return new ResponseError(error.code, error.message);
  if (isAbort(error)) return new ResponseError(EngineErrorCodes.cancelled, `${method} was cancelled.`);
  // Bounded: a message may quote data (cells are cut where they are quoted; this is the backstop).
  if (error instanceof UserError)
    return new ResponseError(EngineErrorCodes.badInput, printable(error.message, TEXT_LIMITS.errorMessage), errorLocation(error));
  logLine(`${method} failed unexpectedly: ${error instanceof Error && error.stack ? error.stack : messageOf(error)}`);
  return new ResponseError(ErrorCodes.InternalError, printable(messageOf(error), TEXT_LIMITS.errorMessage));
}
