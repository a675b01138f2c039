/**
 * Pieces of the request schemas that several methods share. Bounded everywhere: a malformed or absurd
 * request is refused with a readable message before the engine reads a file or allocates anything.
 */
import * as path from 'node:path';
import { z } from 'zod';
import { LIMITS, QUERY_SPLITS, TEXT_LIMITS, type IntegerRange } from '../limits';

/** A whole number within `range` (messages say which bound was broken). */
export function integerIn(range: IntegerRange): z.ZodNumber {
  return z
    .number()
    .int('must be a whole number')
    .min(range.min, `must be at least ${range.min}`)
    .max(range.max, `must be at most ${range.max}`);
}

export const filePath = z
  .string()
  .min(1, 'must not be empty')
  .max(TEXT_LIMITS.path, `is too long (over ${TEXT_LIMITS.path} characters)`)
  .refine((s) => !s.includes('\0'), 'must not contain NUL characters')
  .refine((s) => path.isAbsolute(s), 'must be an absolute path');

export const rowIndex = z
  .number()
  .int('must be a whole number')
  .min(0, 'must not be negative')
  .max(LIMITS.row.max, `must be at most ${LIMITS.row.max}`);

export const explainQuery = z
  .strictObject({ split: z.enum(QUERY_SPLITS), row: rowIndex, input: filePath.optional() })
  .refine((q) => q.split !== 'input' || q.input !== undefined, { message: 'split "input" needs the "input" CSV file', path: ['input'] });

export const outputSelector = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('default') }),
  z.strictObject({ kind: z.literal('class'), class: z.string().min(1).max(TEXT_LIMITS.className) }),
  z.strictObject({ kind: z.literal('margin') }),
]);

/** What a request without params may carry. */
export const noParams = z.union([z.undefined(), z.null(), z.strictObject({})]);
