/**
 * Bounded zod schemas for every request's params: a malformed or absurd request is refused with a
 * readable message before the engine reads a file or allocates anything.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { EngineErrorCodes } from '../../protocol';
import { MAX_MEMORY_BUDGET_MB, MIN_MEMORY_BUDGET_MB } from './engineFlags';
import { printable } from './log';
import { RequestError } from './requestError';

export const MAX_ROW = 100_000_000;
export const MAX_QUERIES = 1000;
export const MAX_TOP = 100_000;
export const MAX_TRACE_INDICES = 1000;

export const filePath = z
  .string()
  .min(1, 'must not be empty')
  .max(4096, 'is too long (over 4096 characters)')
  .refine((s) => !s.includes('\0'), 'must not contain NUL characters')
  .refine((s) => path.isAbsolute(s), 'must be an absolute path');

const backendChoice = z.enum(['auto', 'tensorflow', 'wasm', 'cpu']);

const rowIndex = z.number().int('must be a whole number').min(0, 'must not be negative').max(MAX_ROW, `must be at most ${MAX_ROW}`);

const explainQuery = z
  .strictObject({ split: z.enum(['train', 'test', 'input']), row: rowIndex, input: filePath.optional() })
  .refine((q) => q.split !== 'input' || q.input !== undefined, { message: 'split "input" needs the "input" CSV file', path: ['input'] });

export const outputSelector = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('default') }),
  z.strictObject({ kind: z.literal('class'), class: z.string().min(1).max(1000) }),
  z.strictObject({ kind: z.literal('margin') }),
]);

const none = z.union([z.undefined(), z.null(), z.strictObject({})]);

export const schemas = {
  none,
  initialize: z.strictObject({
    workspaceFolders: z.array(filePath).min(1, 'must list at least one folder').max(64, 'lists more than 64 folders'),
    backend: backendChoice.optional(),
    memoryBudgetMb: z.number().int().min(MIN_MEMORY_BUDGET_MB).max(MAX_MEMORY_BUDGET_MB).optional(),
    nativeModulesDir: filePath.optional(),
  }),
  inspect: z.strictObject({ file: filePath }),
  validate: z.strictObject({ experimentFile: filePath }),
  train: z.strictObject({ experimentFile: filePath, out: filePath.optional(), pathBudgetMb: z.number().int().min(1).max(1024 * 1024).optional() }),
  runList: z.strictObject({ experimentFile: filePath }),
  runRef: z.strictObject({ runDir: filePath }),
  runUpdate: z.strictObject({
    runDir: filePath,
    label: z.string().max(200).optional(),
    annotation: z.string().max(20_000).optional(),
    pinned: z.boolean().optional(),
  }),
  explain: z.strictObject({
    runDir: filePath,
    queries: z.array(explainQuery).min(1, 'must hold at least one query').max(MAX_QUERIES, `holds more than ${MAX_QUERIES} queries`),
    output: outputSelector.optional(),
    top: z.number().int().min(1).max(MAX_TOP).optional(),
    full: z.boolean().optional(),
    quadratureNodes: z.number().int().min(1).max(64).optional(),
    tolerance: z.number().positive().max(1).optional(),
  }),
  trace: z.strictObject({
    runDir: filePath,
    query: explainQuery,
    output: outputSelector.optional(),
    indices: z.array(rowIndex).min(1).max(MAX_TRACE_INDICES, `holds more than ${MAX_TRACE_INDICES} indices`),
  }),
  debugPrint: z.strictObject({ text: z.string().max(10_000) }),
  debugSleep: z.strictObject({ ms: z.number().int().min(0).max(60_000) }),
} as const;

function describe(issue: z.core.$ZodIssue): string {
  const where = issue.path.length > 0 ? issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.') : 'params';
  return `${printable(where, 80)}: ${printable(issue.message, 200)}`;
}

/** Parses params or throws an invalid-params error naming the method and the first few problems. */
export function parseParams<S extends z.ZodType>(schema: S, raw: unknown, method: string): z.output<S> {
  if (raw === undefined && (schema as z.ZodType) !== none) {
    throw new RequestError(EngineErrorCodes.invalidParams, `Invalid params for ${method}: params are required.`);
  }
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 4).map(describe);
  const more = result.error.issues.length > 4 ? ` (and ${result.error.issues.length - 4} more)` : '';
  throw new RequestError(EngineErrorCodes.invalidParams, `Invalid params for ${method}: ${issues.join('; ')}${more}.`);
}
