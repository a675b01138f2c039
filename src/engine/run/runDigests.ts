/**
 * Fingerprints of a complete run: the sha256 and size of every file it holds, and of run.json's own
 * fixed fields, written when training ends. A run whose files were edited afterwards (reordered classes,
 * a changed activation, edited batches, zeroed inputs) is "damaged: FILE", never a quietly wrong answer.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { UserError } from '../errors';
import { RUN_FILE, type RunRecord } from './runRecord';
import { LOCK_FILE } from './runLock';

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
    .filter((rel) => rel !== RUN_FILE && rel !== LOCK_FILE && !rel.startsWith('.'))
    .sort();
}

/** The digests of every file of the run folder (forward-slash paths relative to it). */
export async function digestRunFiles(dir: string): Promise<FileDigests> {
  const digests: FileDigests = {};
  for (const rel of await runFiles(dir)) {
    const full = path.join(dir, rel);
    digests[rel] = { size: (await fs.promises.stat(full)).size, sha256: await runFileSha256(full) };
  }
  return digests;
}

/**
 * sha256 of a run file (tens of MB at most, read whole) on the thread pool, so that it runs beside the
 * loading on the engine's thread.
 */
async function runFileSha256(file: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await fs.promises.readFile(file));
  return Buffer.from(digest).toString('hex');
}

/**
 * Throws "the run is damaged" naming the first recorded file that differs from training; runs without
 * digests pass. The path index (`index/`) is derived from the path and can be rebuilt, so a changed index
 * file is returned instead (a missing or cut-off one is left to the index reader, which says so).
 */
export async function verifyRunFiles(dir: string, record: RunRecord): Promise<{ damagedIndex: string | null }> {
  let damagedIndex: string | null = null;
  if (record.digests === undefined) return { damagedIndex };
  const damaged = (rel: string, what: string): UserError =>
    new UserError(`the run is damaged (${what}); train the experiment again`, { file: path.join(dir, rel) });
  if (record.recordSha256 !== undefined && recordSha256(record) !== record.recordSha256) throw damaged(RUN_FILE, 'edited since training');
  // One file at a time: a run's largest file is the most held at once.
  const outcomes: { rel: string; problem: string | null }[] = [];
  for (const [rel, expected] of Object.entries(record.digests)) {
    let size: number;
    try {
      size = (await fs.promises.stat(path.join(dir, rel))).size;
    } catch {
      outcomes.push({ rel, problem: 'missing' });
      continue;
    }
    if (size !== expected.size) outcomes.push({ rel, problem: size < expected.size ? 'truncated' : 'its size changed since training' });
    else outcomes.push({ rel, problem: (await runFileSha256(path.join(dir, rel))) === expected.sha256 ? null : 'changed since training' });
  }
  for (const { rel, problem } of outcomes) {
    if (problem === null) continue;
    if (!rel.startsWith(`${INDEX_DIR}/`)) throw damaged(rel, problem);
    // A missing or cut-off index file is left to the index reader, which says so and rebuilds.
    if (problem === 'changed since training') damagedIndex ??= path.join(dir, rel);
  }
  return { damagedIndex };
}

const INDEX_DIR = 'index';
