/** Parses a request's params with its schema, or refuses them naming the method and the first few problems. */
import type { z } from 'zod';
import { EngineErrorCodes } from '../../protocol';
import { noParams } from '../../protocol/rpc/schemaParts';
import { printable } from './log';
import { RequestError } from './requestError';

function describe(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.') : 'params';
  return `${printable(where, 80)}: ${printable(issue.message, 200)}`;
}

/** Parses params or throws an invalid-params error naming the method and the first few problems. */
export function parseParams<S extends z.ZodType>(schema: S, raw: unknown, method: string): z.output<S> {
  if (raw === undefined && (schema as z.ZodType) !== noParams) {
    throw new RequestError(EngineErrorCodes.invalidParams, `Invalid params for ${method}: params are required.`);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 4).map(describe);
  const more = result.error.issues.length > 4 ? ` (and ${result.error.issues.length - 4} more)` : '';
  throw new RequestError(EngineErrorCodes.invalidParams, `Invalid params for ${method}: ${issues.join('; ')}${more}.`);
}
