import * as fs from 'node:fs';
import { pathLayoutOf } from './pathLayout';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { RunInfo, RunUpdateParams, WeightLayer } from '../../protocol';
import { PARTIAL_SUFFIX, RUN_FILE, RUN_FORMAT_VERSION, isImageFolderRun, type RunRecord } from './runRecord';
import { sha256File } from '../data/fileDigest';
import { UserError, throwIfCancelled } from '../errors';
import { messageOf } from '../../shared/messageOf';
import { writeFileAtomic } from './atomicWrite';
import { liveTrainer, processAlive } from './runLock';
import { runRecordSchema } from './runRecordSchema';

/**
 * What the engine may touch when it lists and checks runs. The CLI reads what it is given; the server
 * passes its workspace guard, so a linked run folder or a dataset path outside the workspace is never
 * read, hashed or written.
 */
export interface RunAccess {
  /** The real path of a run folder, or a throw when it may not be used. */
  runDir(dir: string): Promise<string>;
  /** The real path of a recorded dataset file, or a throw when it may not be read. */
  dataFile(file: string): Promise<string>;
  signal?: AbortSignal;
}

export const localAccess: RunAccess = {
  runDir: async (dir) => fs.promises.realpath(dir),
  dataFile: async (file) => fs.promises.realpath(file),
};

/** Larger dataset files are compared by size only when listing runs (hashing them would stall the list). */
const STALE_HASH_MAX_BYTES = 1024 * 1024 * 1024;

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
  await writeFileAtomic(path.join(dir, RUN_FILE), JSON.stringify(record, null, 2) + '\n');
}

export async function readRunRecord(dir: string): Promise<RunRecord> {
  const file = path.join(dir, RUN_FILE);
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch {
    throw new UserError('not a run directory (no run.json)', { file: dir });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserError(`run is damaged: run.json is not valid JSON (${messageOf(error)})`, { file });
  }
  const version = (parsed as { formatVersion?: unknown } | null)?.formatVersion;
  if (typeof version !== 'number' || version < 1) {
    throw new UserError('run was written by an older Kernel Lens (no formatVersion); train the experiment again', { file });
  }
  if (version > RUN_FORMAT_VERSION) {
    throw new UserError(`run was written by a newer Kernel Lens (formatVersion ${version}); update Kernel Lens to read it`, { file });
  }
  const checked = runRecordSchema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p))).join('.');
    throw new UserError(`run is damaged: run.json: ${where || '(top level)'}: ${issue.message}`, { file });
  }
  return parsed as RunRecord;
}

/** Live trainings of this process, so a `.partial` run of ours reads as running, not interrupted. */
const activeRunDirs = new Set<string>();
export function markActive(dir: string, active: boolean): void {
  if (active) activeRunDirs.add(path.resolve(dir));
  else activeRunDirs.delete(path.resolve(dir));
}

/** The public view of a run; a `.partial` run whose writer is gone reads as failed ("interrupted"). */
export async function runInfoFromRecord(
  dir: string,
  record: RunRecord,
  checkStale = true,
  access: RunAccess = localAccess,
): Promise<RunInfo> {
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
  if (checkStale && status === 'complete') stale = await datasetChanged(path.dirname(experimentFile), record, access);
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
    ...(record.image ? { image: { ...record.image, channels: record.image.channels ?? 1 } } : {}),
    ...(isImageFolderRun(record) ? { imageFolder: true } : {}),
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
    pathLayout: pathLayoutOf(record),
    checkpoints: record.replay?.fingerprints.length,
    weightLayers: weightLayers(record),
    training: {
      optimizer: record.optimizer.name,
      learningRate: record.optimizer.learningRate,
      epochs: record.epochs,
      batchSize: record.batchSize,
      seed: record.seed,
    },
  };
}

/**
 * True when a dataset file's size or sha256 differs from the one recorded at training. Only regular files
 * that `access` allows are read (a path outside the workspace, a device or a pipe reads as changed).
 */
async function datasetChanged(experimentDir: string, record: RunRecord, access: RunAccess): Promise<boolean> {
  for (const file of record.files) {
    let full: string;
    let stat: fs.Stats;
    try {
      full = await access.dataFile(path.resolve(experimentDir, file.file));
      stat = await fs.promises.stat(full);
    } catch {
      return true;
    }
    if (!stat.isFile() || stat.size !== file.size) return true;
    if (stat.size > STALE_HASH_MAX_BYTES) continue;
    throwIfCancelled(access.signal);
    try {
      if ((await sha256File(full, access.signal)) !== file.sha256) return true;
    } catch (error) {
      throwIfCancelled(access.signal);
      return true;
    }
  }
  return false;
}

export async function readRunInfo(runDir: string, access: RunAccess = localAccess): Promise<RunInfo> {
  const dir = path.resolve(runDir);
  return runInfoFromRecord(dir, await readRunRecord(dir), true, access);
}

/**
 * Every run of an experiment, newest first. Unreadable run folders are skipped, never fatal; a linked entry
 * (or a linked run.json) is not a run of this experiment and is never followed.
 */
export async function listRuns(experimentFile: string, access: RunAccess = localAccess): Promise<RunInfo[]> {
  const folder = runsFolder(path.resolve(experimentFile));
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(folder, { withFileTypes: true });
  } catch {
    return [];
  }
  const runs: RunInfo[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    throwIfCancelled(access.signal);
    try {
      const dir = await access.runDir(path.join(folder, entry.name));
      if ((await fs.promises.lstat(path.join(dir, RUN_FILE))).isSymbolicLink()) continue;
      runs.push(await runInfoFromRecord(dir, await readRunRecord(dir), true, access));
    } catch (error) {
      throwIfCancelled(access.signal);
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
  const trainer = activeRunDirs.has(dir) ? process.pid : dir.endsWith(PARTIAL_SUFFIX) ? liveTrainer(dir) : null;
  if (trainer !== null) throw new UserError(`refusing to delete a run that is training (pid ${trainer}); cancel it first`, { file: dir });
  await fs.promises.rm(dir, { recursive: true, force: true });
}

export async function updateRun(params: RunUpdateParams, access: RunAccess = localAccess): Promise<RunInfo> {
  const dir = path.resolve(params.runDir);
  const record = await readRunRecord(dir);
  if (params.label !== undefined) record.label = params.label;
  if (params.annotation !== undefined) record.annotation = params.annotation;
  if (params.pinned !== undefined) {
    // Only one pinned run per experiment.
    if (params.pinned) {
      for (const other of await listRuns(path.resolve(dir, record.experimentFile), access)) {
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
  return runInfoFromRecord(dir, record, true, access);
}

/** The hidden layers with weights (runs before model.layers are dense: every kernel of the layout but the output's). */
function weightLayers(record: RunRecord): WeightLayer[] {
  const layers = record.model?.layers;
  if (!layers)
    return record.layout
      .filter((e) => e.name.endsWith('/kernel'))
      .slice(0, -1)
      .map((e, layer) => ({ layer, type: 'dense', units: e.shape[e.shape.length - 1] }));
  return layers.flatMap((l, layer): WeightLayer[] =>
    l.type === 'dense'
      ? [{ layer, type: 'dense', units: l.units }]
      : l.type === 'conv2d'
        ? [{ layer, type: 'conv2d', units: l.filters }]
        : [],
  );
}
