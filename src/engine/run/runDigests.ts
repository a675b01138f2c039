/**
 * Fingerprints of a complete run: the sha256 and size of every file it holds, and of run.json's own
 * fixed fields, written when training ends. A run whose files were edited afterwards (reordered classes,
 * a changed activation, edited batches, zeroed inputs) is "damaged: FILE", never a quietly wrong answer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { sha256File } from '../data/fileDigest';
import { UserError } from '../errors';
import { RUN_FILE, type RunRecord } from './runRecord';
import { LOCK_FILE } from './runLock';
import { EVALUATIONS_DIR } from './runFiles';

export type FileDigests = Record<string, { size: number; sha256: string }>;

/** run.json fields a user may change after training (label, annotation, pin) and the fingerprints themselves. */
const MUTABLE_FIELDS = new Set(['label', 'annotation', 'pinned', 'digests', 'recordSha256']);

/** sha256 of the record without its mutable fields, keys in their written order. */
export function recordSha256(record: RunRecord): string {
  const fixed = Object.fromEntries(Object.entries(record).filter(([key]) => !MUTABLE_FIELDS.has(key)));
  return createHash('sha256').update(JSON.stringify(fixed)).digest('hex');
}

async function runFiles(dir: string): Promise<string[]> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((rel) => rel !== RUN_FILE && rel !== LOCK_FILE && !rel.startsWith('.') && !rel.startsWith(`${EVALUATIONS_DIR}/`))
    .sort();
}

/** The digests of every file of the run folder (forward-slash paths relative to it). */
export async function digestRunFiles(dir: string): Promise<FileDigests> {
  const digests: FileDigests = {};
  for (const rel of await runFiles(dir)) {
    const full = path.join(dir, rel);
    digests[rel] = { size: (await fs.promises.stat(full)).size, sha256: await sha256File(full) };
  }
  return digests;
}

/**
 * Throws "the run is damaged" naming the first file that differs from training (or that was added since);
 * runs without digests pass. The path index (`index/`) is derived from the path and can be rebuilt, so a
 * changed index file is returned instead (a missing or cut-off one is left to the index reader, which says so).
 */
export async function verifyRunFiles(dir: string, record: RunRecord): Promise<{ damagedIndex: string | null }> {
  let damagedIndex: string | null = null;
  if (record.digests === undefined) return { damagedIndex };
  const damaged = (rel: string, what: string): UserError =>
    new UserError(`the run is damaged (${what}); train the experiment again`, { file: path.join(dir, rel) });
  if (recordSha256(record) !== record.recordSha256) throw damaged(RUN_FILE, 'edited since training');
  const added = (await runFiles(dir)).find((rel) => !(rel in (record.digests ?? {})));
  if (added !== undefined) throw damaged(added, 'added since training');
  for (const [rel, expected] of Object.entries(record.digests)) {
    const derived = rel.startsWith(`${INDEX_DIR}/`);
    const full = path.join(dir, rel);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.lstat(full);
    } catch {
      if (derived) continue;
      throw damaged(rel, 'missing');
    }
    // Only the regular file training wrote: a link, a device or a pipe is never read.
    if (!stat.isFile()) throw damaged(rel, 'not a regular file');
    if (stat.size !== expected.size && derived) {
      // Cut off: the index reader says so. Grown: its shape check would not notice, so it is rebuilt.
      if (stat.size > expected.size) damagedIndex ??= full;
      continue;
    }
    if (stat.size !== expected.size) throw damaged(rel, stat.size < expected.size ? 'truncated' : 'its size changed since training');
    if ((await sha256File(full)) === expected.sha256) continue;
    if (!derived) throw damaged(rel, 'changed since training');
    damagedIndex ??= full;
  }
  return { damagedIndex };
}

const INDEX_DIR = 'index';
