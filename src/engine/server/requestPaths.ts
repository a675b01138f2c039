/** The paths a request names, resolved through the workspace guard before the engine core sees them. */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { RUN_FILE } from '../run/runRecord';
import { UserError } from '../errors';
import { checkRun } from './experimentCheck';
import type { HandlerContext } from './handlerTypes';
import { notInitialized } from './requestError';
import type { WorkspaceGuard } from './workspaceGuard';
import type { RunAccess } from '../run/runStore';

export function guardOf(ctx: HandlerContext): WorkspaceGuard {
  if (!ctx.session.guard) throw notInitialized('this request');
  return ctx.session.guard;
}

/** An existing file or folder inside the workspace. */
export async function readable(ctx: HandlerContext, file: string, what: string): Promise<string> {
  return guardOf(ctx).resolve(file, { mustExist: true, what });
}

/** What run listing and checking may touch: run folders under a runs folder and dataset files, all inside the workspace. */
export function runAccess(ctx: HandlerContext): RunAccess {
  const guard = guardOf(ctx);
  return {
    signal: ctx.signal,
    async runDir(dir) {
      const real = await guard.resolve(dir, { mustExist: true, what: 'run directory' });
      if (!guard.isUnderRunsFolder(real)) throw new UserError('not a run directory', { file: dir });
      return real;
    },
    dataFile: (file) => guard.resolve(file, { mustExist: true, what: 'dataset of the run' }),
  };
}

/** A run directory that exists inside the workspace and holds a run.json, with its references and size checked. */
export async function runDirectory(ctx: HandlerContext, runDir: string): Promise<string> {
  const dir = await readable(ctx, runDir, 'run directory');
  if (!(await fs.stat(dir)).isDirectory()) throw new UserError('not a run directory', { file: runDir });
  // A linked run.json could lead outside the workspace: it is read, and rewritten by run/update.
  if ((await fs.lstat(path.join(dir, RUN_FILE)).catch(() => null))?.isSymbolicLink()) {
    throw new UserError('not a run directory (its run.json is a link)', { file: runDir });
  }
  await checkRun(dir, guardOf(ctx), ctx.session.budget);
  return dir;
}
