/**
 * What a request handler is: the method's params schema (from its `EngineRequest` constant, so the server
 * checks exactly what the client's types allow), whether it is served before engine/initialize, and the
 * work, whose result type is held to the constant's.
 */
import type { z } from 'zod';
import type { EngineRequest, EngineRequest0, ExplainProgress, TrainProgress } from '../../protocol';
import type { EngineSession } from './engineSession';

export interface HandlerContext {
  session: EngineSession;
  signal: AbortSignal;
  sendProgress: (progress: TrainProgress) => void;
  sendExplainProgress: (progress: ExplainProgress) => void;
  /** Called by engine/shutdown after its reply is sent. */
  requestExit: () => void;
}

/** One entry of the dispatch table: params are `unknown` until `schema` has parsed them. */
export interface Handler {
  schema: z.ZodType;
  /** Served before engine/initialize. */
  beforeInit?: boolean;
  run: (params: unknown, ctx: HandlerContext) => Promise<unknown>;
}

interface HandleOptions {
  beforeInit?: boolean;
}

/** A dispatch-table entry for a request with params, typed by its constant. */
export function handle<S extends z.ZodType, R>(
  type: EngineRequest<S, R>,
  run: (params: z.output<S>, ctx: HandlerContext) => Promise<R>,
  options: HandleOptions = {},
): [string, Handler] {
  // The one widening: dispatch parses params with `schema` before it calls `run`.
  return [type.method, { schema: type.paramsSchema, beforeInit: options.beforeInit, run: run as Handler['run'] }];
}

/** A dispatch-table entry for a request without params. */
export function handle0<R>(
  type: EngineRequest0<R>,
  run: (ctx: HandlerContext) => Promise<R>,
  options: HandleOptions = {},
): [string, Handler] {
  return [type.method, { schema: type.paramsSchema, beforeInit: options.beforeInit, run: (_params, ctx) => run(ctx) }];
}
