import type { ErrorLocation } from '../../protocol';
/** Errors the engine client hands to callers: always a readable message, the JSON-RPC code when the engine sent one. */
export class EngineRequestError extends Error {
  constructor(
    message: string,
    /** JSON-RPC error code from the engine (see `EngineErrorCodes`), or null when the engine never answered. */
    readonly code: number | null,
    readonly method: string,
    /** Where the bad input is, when the engine said (a `badInput` error's data). */
    readonly location: ErrorLocation | null = null,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

/** A `badInput` error's data as the engine sends it, checked (it crossed a process boundary). */
export function errorLocationOf(data: unknown): ErrorLocation | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  if (typeof d.file !== 'string') return null;
  const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const path = Array.isArray(d.field) && d.field.every((x) => typeof x === 'string' || typeof x === 'number');
  return {
    file: d.file,
    line: typeof d.line === 'number' && Number.isInteger(d.line) && d.line >= 1 ? d.line : undefined,
    column: typeof d.column === 'string' ? d.column : undefined,
    field: path ? (d.field as (string | number)[]) : undefined,
    choices: strings(d.choices) ? (d.choices as string[]) : undefined,
  };
}

/** The engine process ended while the request was in flight. */
export class EngineDiedError extends EngineRequestError {
  constructor(message: string, method: string) {
    super(message, null, method);
    this.name = 'EngineDiedError';
  }
}
