/**
 * One constant per engine request carries everything both sides need: the method name, the params
 * schema the engine checks (zod), and the params and result types the client is held to.
 */
import { RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { z } from 'zod';
import { noParams } from './schemaParts';

/** A request with params: their type is the schema's (`z.infer`), so the two cannot drift apart. */
export class EngineRequest<S extends z.ZodType, R> extends RequestType<z.infer<S>, R, void> {
  constructor(
    method: string,
    readonly paramsSchema: S,
  ) {
    super(method);
  }
}

/** A request without params. */
export class EngineRequest0<R> extends RequestType0<R, void> {
  readonly paramsSchema = noParams;
}

/** Any engine request, as the server's dispatch table holds them. */
export type AnyEngineRequest = EngineRequest<z.ZodType, unknown> | EngineRequest0<unknown>;
