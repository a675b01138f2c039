/** Errors the engine client hands to callers: always a readable message, the JSON-RPC code when the engine sent one. */
export class EngineRequestError extends Error {
  constructor(
    message: string,
    /** JSON-RPC error code from the engine (see `EngineErrorCodes`), or null when the engine never answered. */
    readonly code: number | null,
    readonly method: string,
  ) {
    super(message);
    this.name = 'EngineRequestError';
  }
}

/** The engine process ended while the request was in flight. */
export class EngineDiedError extends EngineRequestError {
  constructor(message: string, method: string) {
    super(message, null, method);
    this.name = 'EngineDiedError';
  }
}
