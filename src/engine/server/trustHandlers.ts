/**
 * Engine handlers of the trust tools (trust/suspects, trust/verify, trust/kernel): the run directory
 * resolved through the workspace guard and checked like every other run request.
 */
import { EngineMethods } from '../../protocol';
import { suspiciousRows } from '../trust/suspects';
import { verifyExplanation } from '../trust/verify';
import { kernelEvolution } from '../trust/tangentKernelEvolution';
import { handle, type Handler } from './handlerTypes';
import { runDirectory } from './requestPaths';

export const trustHandlers: [string, Handler][] = [
  handle(EngineMethods.trustSuspects, async (params, ctx) =>
    suspiciousRows(await runDirectory(ctx, params.runDir), {
      top: params.top,
      scoring: params.scoring,
      suggest: params.suggest,
      signal: ctx.signal,
    }),
  ),
  handle(EngineMethods.trustVerify, async (params, ctx) =>
    verifyExplanation(await runDirectory(ctx, params.runDir), {
      query: params.query,
      output: params.output,
      k: params.k,
      randomDraws: params.randomDraws,
      seed: params.seed,
      signal: ctx.signal,
    }),
  ),
  handle(EngineMethods.trustKernel, async (params, ctx) =>
    kernelEvolution(await runDirectory(ctx, params.runDir), {
      sample: params.sample,
      checkpoints: params.checkpoints,
      matrices: params.matrices,
      shareRows: params.shareRows,
      signal: ctx.signal,
    }),
  ),
];
