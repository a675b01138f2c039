import { z } from 'zod';
import type { LdsEvaluation } from '../../protocol';
import { BACKEND_NAMES, LDS_FRACTION, LIMITS } from '../../protocol/limits';

const correlation = z.number().min(-1).max(1);
const ldsScore = z.strictObject({
  mean: correlation.nullable(),
  sd: z.number().nonnegative(),
  halfInterval: z.number().nonnegative().nullable(),
  median: correlation.nullable(),
  perRow: z.array(correlation.nullable()),
});

/** evaluations/lds.json as `kernel-lens lds` writes it (the LdsEvaluation contract), checked when read back. */
export const ldsEvaluationSchema = z
  .strictObject({
    formatVersion: z.literal(1),
    runDir: z.string(),
    subsets: z.number().int().min(LIMITS.ldsSubsets.min).max(LIMITS.ldsSubsets.max),
    fraction: z.number().min(LDS_FRACTION.min).max(LDS_FRACTION.max),
    seed: z.number().int().nonnegative(),
    rows: z.array(z.number().int().nonnegative()),
    methods: z.strictObject({ pathKernel: ldsScore, tracin: ldsScore, gradientSimilarity: ldsScore }),
    reproduced: z.boolean(),
    backend: z.enum(BACKEND_NAMES),
    createdAt: z.string(),
    ms: z.number().nonnegative(),
  })
  .refine((e) => Object.values(e.methods).every((s) => s.perRow.length === e.rows.length), 'each method scores every listed row')
  .transform((e): LdsEvaluation => e);
