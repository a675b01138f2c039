/**
 * Engine handlers of the trust tools (trust/suspects, trust/verify, trust/kernel): zod-validated params,
 * the run directory resolved through the workspace guard and checked like every other run request.
 */
import * as fs from 'node:fs/promises';
import { z } from 'zod';
import { EngineMethods } from '../../protocol';
import { UserError } from '../errors';
import { suspiciousRows } from '../trust/suspects';
import { verifyExplanation } from '../trust/verify';
import { kernelEvolution } from '../trust/tangentKernelEvolution';
import { checkRun } from './experimentCheck';
import type { Handler, HandlerContext } from './handlers';
import { notInitialized } from './requestError';
import { filePath, MAX_ROW, MAX_TOP, outputSelector } from './schemas';

export const trustSchemas = {
  suspects: z.strictObject({
    runDir: filePath,
    top: z.number().int().min(1).max(MAX_TOP).optional(),
    scoring: z.enum(['tracin', 'adam', 'loss']).optional(),
  }),
  verify: z.strictObject({
    runDir: filePath,
    query: z.strictObject({ split: z.enum(['train', 'test']), row: z.number().int().min(0).max(MAX_ROW) }),
    output: outputSelector.optional(),
    k: z.number().int().min(0).max(10_000).optional(),
    randomDraws: z.number().int().min(0).max(20).optional(),
    seed: z.number().int().min(0).max(2 ** 31).optional(),
  }),
  kernel: z.strictObject({
    runDir: filePath,
    sample: z.number().int().min(2).max(200).optional(),
    checkpoints: z.number().int().min(2).max(200).optional(),
    matrices: z.boolean().optional(),
    shareRows: z.number().int().min(0).max(200).optional(),
  }),
} as const;

/** A run directory inside the workspace holding a run.json, with its references and size checked. */
async function runDirectory(ctx: HandlerContext, runDir: string): Promise<string> {
  const guard = ctx.session.guard;
  if (!guard) throw notInitialized('this request');
  const dir = await guard.resolve(runDir, { mustExist: true, what: 'run directory' });
  if (!(await fs.stat(dir)).isDirectory()) throw new UserError('not a run directory', { file: runDir });
  await checkRun(dir, guard, ctx.session.budget);
  return dir;
}

function entry<S extends z.ZodType>(h: Handler<S>): Handler {
  return h as unknown as Handler;
}

export const trustHandlers: [string, Handler][] = [
  [
    EngineMethods.trustSuspects.method,
    entry({
      schema: trustSchemas.suspects,
      run: async (params, ctx) => suspiciousRows(await runDirectory(ctx, params.runDir), { top: params.top, scoring: params.scoring, signal: ctx.signal }),
    }),
  ],
  [
    EngineMethods.trustVerify.method,
    entry({
      schema: trustSchemas.verify,
      run: async (params, ctx) =>
        verifyExplanation(await runDirectory(ctx, params.runDir), {
          query: params.query,
          output: params.output,
          k: params.k,
          randomDraws: params.randomDraws,
          seed: params.seed,
          signal: ctx.signal,
        }),
    }),
  ],
  [
    EngineMethods.trustKernel.method,
    entry({
      schema: trustSchemas.kernel,
      run: async (params, ctx) =>
        kernelEvolution(await runDirectory(ctx, params.runDir), { sample: params.sample, checkpoints: params.checkpoints, matrices: params.matrices, shareRows: params.shareRows, signal: ctx.signal }),
    }),
  ],
];
