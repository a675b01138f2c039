/**
 * Who is writing a run folder. A training claims `<run>.partial/` by creating it exclusively and writing
 * `train.lock` (its pid and a random token) inside; a second training of the same `--out`, a delete of a
 * live training, and a trainer whose folder was deleted under it all see the claim and say so.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../errors';

export const LOCK_FILE = 'train.lock';

interface Lock {
  pid: number;
  token: string;
}

/** True while the process `pid` exists (EPERM: it exists, under another user). */
export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(dir: string): Lock | null {
  try {
    const lock = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8')) as Partial<Lock>;
    return typeof lock.pid === 'number' && typeof lock.token === 'string' ? { pid: lock.pid, token: lock.token } : null;
  } catch {
    return null;
  }
}

/** The pid of the live training that holds `dir`, or null. */
export function liveTrainer(dir: string): number | null {
  const lock = readLock(dir);
  return lock && processAlive(lock.pid) ? lock.pid : null;
}

/**
 * Claims `partialDir` for this training; returns the token that proves the claim later. The folder is
 * made beside it with its lock already inside and renamed into place, so no one ever sees it unlocked.
 */
export async function claimRunFolder(partialDir: string): Promise<string> {
  const parent = path.dirname(partialDir);
  try {
    await fs.promises.mkdir(parent, { recursive: true });
    await fs.promises.access(parent, fs.constants.W_OK);
  } catch (error) {
    throw new UserError(`cannot create the run folder here (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { file: parent });
  }
  const token = randomBytes(8).toString('hex');
  const staging = await fs.promises.mkdtemp(path.join(parent, `.${path.basename(partialDir)}.claim-`));
  await fs.promises.writeFile(path.join(staging, LOCK_FILE), JSON.stringify({ pid: process.pid, token }), { flag: 'wx' });
  try {
    if (fs.existsSync(partialDir)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
    await fs.promises.rename(staging, partialDir);
  } catch (error) {
    await fs.promises.rm(staging, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
    const pid = liveTrainer(partialDir);
    throw new UserError(
      pid !== null
        ? `another training (pid ${pid}) is writing this run; wait for it or cancel it, or choose another --out`
        : 'an interrupted training left this folder; delete it (or choose another --out) and train again',
      { file: partialDir },
    );
  }
  return token;
}

/** True while `partialDir` still holds this training's lock (not deleted, not claimed by another training). */
export function stillClaimed(partialDir: string, token: string): boolean {
  return readLock(partialDir)?.token === token;
}

/** Throws when the folder was deleted (or claimed by another training) while this one ran. */
export function assertStillClaimed(partialDir: string, token: string): void {
  if (!stillClaimed(partialDir, token)) {
    throw new UserError('the run folder was deleted during training; nothing was saved', { file: partialDir });
  }
}

/** A finished run keeps no lock. */
export async function releaseRunFolder(dir: string): Promise<void> {
  await fs.promises.rm(path.join(dir, LOCK_FILE), { force: true });
}
