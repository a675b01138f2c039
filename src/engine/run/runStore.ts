import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunInfo, RunUpdateParams } from '../../protocol';
import { PARTIAL_SUFFIX, RUN_FILE, type RunRecord } from './runRecord';
import { sha256File } from '../data/fileDigest';
import { UserError } from '../errors';
import { messageOf } from '../../shared/messageOf';

/** `.kernel-lens/runs/<experiment name>/` beside the experiment file. */
export function runsFolder(experimentFile: string): string {
  const base = path
    .basename(experimentFile)
    .replace(/\.kernel\.json$/i, '')
    .replace(/\.json$/i, '');
  return path.join(path.dirname(experimentFile), '.kernel-lens', 'runs', base);
}

/** UTC `YYYYMMDD-HHMMSS` plus 4 random hex digits. */
export function newRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${randomBytes(2).toString('hex')}`;
}

/** Writes run.json atomically (temp file + rename), so a kill never leaves half a record. */
export async function writeRunRecord(dir: string, record: RunRecord): Promise<void> {
  const target = path.join(dir, RUN_FILE);
  const temp = `${target}.${process.pid}.tmp`;
  await fs.promises.writeFile(temp, JSON.stringify(record, null, 2) + '\n');
  await fs.promises.rename(temp, target);
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = path.join(dir, RUN_FILE);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    throw new UserError('not a run directory (no run.json)', { file: dir });
  }
  try {
    return JSON.parse(text) as RunRecord;
  } catch (error) {
    throw new UserError(`run.json is not valid JSON (${messageOf(error)})`, { file });
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Live trainings of this process, so a `.partial` run of ours reads as running, not interrupted. */
const activeRunDirs = new Set<string>();
export function markActive(dir: string, active: boolean): void {
  if (active) activeRunDirs.add(path.resolve(dir));
  else activeRunDirs.delete(path.resolve(dir));
}

/** The public view of a run; a `.partial` run whose writer is gone reads as failed ("interrupted"). */
export async function runInfoFromRecord(dir: string, record: RunRecord, checkStale = true): Promise<RunInfo> {
  let status = record.status;
  let message = record.message;
  if (dir.endsWith(PARTIAL_SUFFIX) || status === 'running') {
    const alive = activeRunDirs.has(path.resolve(dir)) || (record.pid !== process.pid && processAlive(record.pid));
    if (!alive || !dir.endsWith(PARTIAL_SUFFIX)) {
      status = status === 'running' || status === 'complete' ? 'failed' : status;
      message = message ?? 'interrupted: the engine stopped before training finished';
    } else {
      status = 'running';
    }
  }
  const experimentFile = path.resolve(dir, record.experimentFile);
  let stale = false;
  if (checkStale && status === 'complete') stale = await datasetChanged(path.dirname(experimentFile), record);
  return {
    id: record.id,
    dir,
    experimentFile,
    name: record.name,
    status,
    message,
    createdAt: record.createdAt,
    finishedAt: record.finishedAt,
    backend: record.backend,
    task: record.task,
    classes: record.preprocessing.classes,
    steps: record.steps,
    parameters: record.parameters,
    trainRows: record.trainRows,
    testRows: record.testRows,
    metrics: record.metrics,
    stale,
    pinned: record.pinned ?? false,
    annotation: record.annotation,
    label: record.label,
    approximate: record.approximate ?? false,
  };
}

/** True when a dataset file's size or sha256 differs from the one recorded at training. */
async function datasetChanged(experimentDir: string, record: RunRecord): Promise<boolean> {
  for (const file of record.files) {
    const full = path.resolve(experimentDir, file.file);
    try {
      const stat = await fs.promises.stat(full);
      if (stat.size !== file.size) return true;
      if ((await sha256File(full)) !== file.sha256) return true;
    } catch {
      return true;
    }
  }
  return false;
}

export async function readRunInfo(runDir: string): Promise<RunInfo> {
  const dir = path.resolve(runDir);
  return runInfoFromRecord(dir, await readRunRecord(dir));
}

/** Every run of an experiment, newest first. Unreadable run folders are skipped, never fatal. */
export async function listRuns(experimentFile: string): Promise<RunInfo[]> {
  const folder = runsFolder(path.resolve(experimentFile));
  let names: string[];
  try {
    names = await fs.promises.readdir(folder);
  } catch {
    return [];
  }
  const runs: RunInfo[] = [];
  for (const name of names) {
    const dir = path.join(folder, name);
    try {
      runs.push(await runInfoFromRecord(dir, await readRunRecord(dir)));
    } catch {
      // A folder without a readable run.json is not a run.
    }
  }
  return runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
}

/** Deletes a run directory; refuses anything that is not one. */
export async function deleteRun(runDir: string): Promise<void> {
  const dir = path.resolve(runDir);
  const isRun = fs.existsSync(path.join(dir, RUN_FILE)) || dir.endsWith(PARTIAL_SUFFIX);
  if (!isRun || !dir.split(path.sep).includes('.kernel-lens'))
    throw new UserError('refusing to delete: not a Kernel Lens run directory', { file: dir });
  if (activeRunDirs.has(dir)) throw new UserError('refusing to delete a run that is training; cancel it first', { file: dir });
  await fs.promises.rm(dir, { recursive: true, force: true });
}

export async function updateRun(params: RunUpdateParams): Promise<RunInfo> {
  const dir = path.resolve(params.runDir);
  const record = await readRunRecord(dir);
  if (params.label !== undefined) record.label = params.label;
  if (params.annotation !== undefined) record.annotation = params.annotation;
  if (params.pinned !== undefined) {
    // Only one pinned run per experiment.
    if (params.pinned) {
      for (const other of await listRuns(path.resolve(dir, record.experimentFile))) {
        if (other.pinned && path.resolve(other.dir) !== dir) {
          const otherRecord = await readRunRecord(other.dir);
          otherRecord.pinned = false;
          await writeRunRecord(other.dir, otherRecord);
        }
      }
    }
    record.pinned = params.pinned;
  }
  await writeRunRecord(dir, record);
  return runInfoFromRecord(dir, record);
}
