/**
 * One entry per engine method: its params schema, whether it is served before engine/initialize,
 * and the work. Every path is resolved through the workspace guard before the engine core sees it.
 */
import { writeSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { EngineErrorCodes, EngineMethods } from '../../protocol';
import { inspectCsv } from '../data/inspect';
import { validateExperimentFile } from '../data/experimentFile';
import { UserError, throwIfCancelled } from '../errors';
import { LIMITS } from '../../protocol/limits';
import { explainNeuronOfRun, explainRows, traceContributions } from '../explain/explainService';
import { deleteRun, listRuns, readRunInfo, runsFolder, updateRun } from '../run/runStore';
import { trainExperiment } from '../pipeline/trainRun';
import { checkExperiment } from './experimentCheck';
import { handle, handle0, type Handler, type HandlerContext } from './handlerTypes';
import { CSV_EXPANSION, MemoryBudget, fileSize } from './memoryBudget';
import { RequestError } from './requestError';
import { guardOf, readable, runAccess, runDirectory } from './requestPaths';
import { WorkspaceGuard } from './workspaceGuard';
import { trustHandlers } from './trustHandlers';

export type { Handler, HandlerContext } from './handlerTypes';

async function checkCsvBudget(ctx: HandlerContext, file: string): Promise<void> {
  ctx.session.budget.check(`The file ${path.basename(file)}`, (await fileSize(file)) * CSV_EXPANSION);
}

async function sleep(ms: number, signal: AbortSignal): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < ms) {
    throwIfCancelled(signal);
    await delay(Math.min(20, ms - (Date.now() - start)));
  }
  return Date.now() - start;
}

const debugEnabled = process.env.KERNEL_LENS_ENGINE_DEBUG === '1';

export const handlers = new Map<string, Handler>([
  handle0(EngineMethods.info, (ctx) => ctx.session.info(), { beforeInit: true }),
  handle(
    EngineMethods.initialize,
    async (params, ctx) => {
      const session = ctx.session;
      if (session.initialized) throw new RequestError(EngineErrorCodes.invalidParams, 'The engine is already initialized.');
      const { guard, skipped } = await WorkspaceGuard.create(params.workspaceFolders);
      if (params.memoryBudgetMb !== undefined) session.budget = new MemoryBudget(params.memoryBudgetMb);
      const backend = params.backend ?? session.flags.backend;
      const nativeDir = params.nativeModulesDir ?? session.flags.nativeModulesDir;
      if (backend !== session.flags.backend || nativeDir !== session.flags.nativeModulesDir)
        await session.switchBackend(backend, nativeDir);
      session.guard = guard;
      if (skipped.length > 0) process.stderr.write(`[engine] workspace folders not found, ignored: ${skipped.length}\n`);
      return session.info();
    },
    { beforeInit: true },
  ),
  handle0(
    EngineMethods.shutdown,
    async (ctx) => {
      ctx.session.shuttingDown = true;
      for (const controller of ctx.session.inFlight) controller.abort();
      // Give cancelled trainings a moment to record `cancelled` before the process exits.
      const deadline = Date.now() + 1500;
      while (ctx.session.inFlight.size > 1 && Date.now() < deadline) await delay(20);
      ctx.requestExit();
      return null;
    },
    { beforeInit: true },
  ),
  handle(EngineMethods.inspectDataset, async (params, ctx) => {
    const file = await readable(ctx, params.file, 'dataset');
    // Inspection streams the file, so only absurd sizes are refused (four times the budget of text).
    ctx.session.budget.check(`Inspecting ${path.basename(file)}`, (await fileSize(file)) / 4);
    return inspectCsv(file);
  }),
  handle(EngineMethods.validateExperiment, async (params, ctx) => {
    const file = await readable(ctx, params.experimentFile, 'experiment file');
    await checkExperiment(file, guardOf(ctx), ctx.session.budget, false);
    return validateExperimentFile(file);
  }),
  handle(EngineMethods.train, async (params, ctx) => {
    const guard = guardOf(ctx);
    const file = await readable(ctx, params.experimentFile, 'experiment file');
    const pathLayout = { budgetMb: params.pathBudgetMb, checkpointEvery: params.checkpointEvery, approximate: params.approximate };
    await checkExperiment(file, guard, ctx.session.budget, true, pathLayout);
    const out = params.out !== undefined ? await guard.resolve(params.out, { mustExist: false, what: 'run directory' }) : undefined;
    if (out === undefined) await guard.resolve(runsFolder(file), { mustExist: false, what: 'runs folder' });
    throwIfCancelled(ctx.signal);
    return trainExperiment(file, {
      out,
      signal: ctx.signal,
      onProgress: ctx.sendProgress,
      pathLayout,
      progressToken: params.progressToken,
      checkMemory: (what: string, bytes: number) => ctx.session.budget.check(what, bytes),
    });
  }),
  handle(EngineMethods.listRuns, async (params, ctx) => {
    const file = await readable(ctx, params.experimentFile, 'experiment file');
    await guardOf(ctx).resolve(runsFolder(file), { mustExist: false, what: 'runs folder' });
    return listRuns(file, runAccess(ctx));
  }),
  handle(EngineMethods.loadRun, async (params, ctx) => readRunInfo(await runDirectory(ctx, params.runDir), runAccess(ctx))),
  handle(EngineMethods.updateRun, async (params, ctx) =>
    updateRun({ ...params, runDir: await runDirectory(ctx, params.runDir) }, runAccess(ctx)),
  ),
  handle(EngineMethods.deleteRun, async (params, ctx) => {
    const guard = guardOf(ctx);
    const dir = await guard.resolve(params.runDir, { mustExist: true, what: 'run directory' });
    const stat = await fs.lstat(dir);
    const isRun = stat.isDirectory() && (dir.endsWith('.partial') || (await fileSize(path.join(dir, 'run.json'))) > 0);
    if (!isRun || !guard.isUnderRunsFolder(dir)) {
      throw new UserError(
        'refusing to delete: not a Kernel Lens run directory (a folder with run.json or ending in .partial, under .kernel-lens)',
        {
          file: params.runDir,
        },
      );
    }
    await deleteRun(dir);
    return null;
  }),
  handle(EngineMethods.explainRows, async (params, ctx) => {
    const runDir = await runDirectory(ctx, params.runDir);
    const queries = [];
    for (const query of params.queries) {
      if (query.input === undefined) queries.push(query);
      else {
        const input = await readable(ctx, query.input, 'input file');
        await checkCsvBudget(ctx, input);
        queries.push({ ...query, input });
      }
    }
    const token = params.progressToken;
    return explainRows(
      { ...params, runDir, queries },
      { signal: ctx.signal, onReplay: token === undefined ? undefined : (progress) => ctx.sendExplainProgress({ token, ...progress }) },
    );
  }),
  handle(EngineMethods.traceContribution, async (params, ctx) => {
    const runDir = await runDirectory(ctx, params.runDir);
    const input = params.query.input === undefined ? undefined : await readable(ctx, params.query.input, 'input file');
    if (input !== undefined) await checkCsvBudget(ctx, input);
    return traceContributions({ ...params, runDir, query: { ...params.query, input } }, { signal: ctx.signal });
  }),
  handle(EngineMethods.explainNeuron, async (params, ctx) => {
    const runDir = await runDirectory(ctx, params.runDir);
    return explainNeuronOfRun(
      runDir,
      { layer: params.layer, unit: params.unit, top: params.top ?? LIMITS.top.default },
      { signal: ctx.signal },
    );
  }),
  ...(debugEnabled
    ? ([
        handle(
          EngineMethods.debugPrint,
          async (params) => {
            // Every way a library might print to stdout; all must land on stderr.
            console.log(params.text);
            console.info(params.text);
            console.debug(params.text);
            process.stdout.write(`${params.text}\n`);
            writeSync(1, `${params.text}\n`);
            return { printed: 5 };
          },
          { beforeInit: true },
        ),
        handle(EngineMethods.debugSleep, async (params, ctx) => ({ sleptMs: await sleep(params.ms, ctx.signal) }), { beforeInit: true }),
      ] as [string, Handler][])
    : []),
]);

// The trust tools' handlers (trust/*) live in their own file.
for (const [method, h] of trustHandlers) handlers.set(method, h);
