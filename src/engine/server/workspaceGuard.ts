/**
 * Keeps every file the engine touches inside the workspace folders the client declared.
 * Paths are resolved with `realpath` (of the nearest existing ancestor for files not yet created),
 * so `..`, symbolic links and hard-to-spot spellings cannot reach outside; the resolved path is
 * what the engine then uses, never the client's spelling.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EngineErrorCodes } from '../../protocol';
import { UserError } from '../errors';
import { printable } from './log';
import { RequestError } from './requestError';

export type PathUse = 'read' | 'write' | 'delete';

export interface ResolveOptions {
  /** The path must already exist (reading); else it may be created. */
  mustExist: boolean;
  /** What the path is, for messages ("dataset", "run directory"). */
  what: string;
}

const RUNS_FOLDER = '.kernel-lens';

function isErrno(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && codes.includes((error as NodeJS.ErrnoException).code ?? '');
}

function contains(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export class WorkspaceGuard {
  private constructor(readonly roots: readonly string[]) {}

  /** Resolves the declared folders; folders that do not exist are left out, at least one must remain. */
  static async create(folders: readonly string[]): Promise<{ guard: WorkspaceGuard; skipped: string[] }> {
    const roots: string[] = [];
    const skipped: string[] = [];
    for (const folder of folders) {
      try {
        const real = await fs.realpath(path.resolve(folder));
        if ((await fs.stat(real)).isDirectory()) roots.push(real);
        else skipped.push(folder);
      } catch {
        skipped.push(folder);
      }
    }
    if (roots.length === 0) throw new RequestError(EngineErrorCodes.invalidParams, 'None of the declared workspace folders exists.');
    return { guard: new WorkspaceGuard(roots), skipped };
  }

  /** The real path of `p` if it lies inside a workspace folder; throws a readable error otherwise. */
  async resolve(p: string, options: ResolveOptions): Promise<string> {
    const absolute = path.resolve(p);
    const tail: string[] = [];
    let current = absolute;
    let real: string | null = null;
    for (;;) {
      try {
        real = await fs.realpath(current);
        break;
      } catch (error) {
        if (!isErrno(error, 'ENOENT', 'ENOTDIR')) {
          throw new UserError(`cannot access ${options.what} "${printable(p, 300)}" (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
        }
        const parent = path.dirname(current);
        if (parent === current) break;
        tail.unshift(path.basename(current));
        current = parent;
      }
    }
    const resolved = real === null ? absolute : path.join(real, ...tail);
    if (!this.roots.some((root) => contains(root, resolved))) {
      throw new RequestError(
        EngineErrorCodes.outsideWorkspace,
        `The ${options.what} "${printable(p, 300)}" is outside the workspace folders; Kernel Lens only reads and writes files inside them.`,
      );
    }
    if (options.mustExist && (real === null || tail.length > 0)) {
      throw new UserError(`${options.what} not found: ${printable(p, 300)}`);
    }
    return resolved;
  }

  /** True when `realDir` sits under a `.kernel-lens` folder inside a workspace folder (where runs are stored). */
  isUnderRunsFolder(realDir: string): boolean {
    return this.roots.some((root) => {
      if (!contains(root, realDir) || realDir === root) return false;
      const parts = path.relative(root, realDir).split(path.sep);
      return parts.slice(0, -1).includes(RUNS_FOLDER);
    });
  }
}
