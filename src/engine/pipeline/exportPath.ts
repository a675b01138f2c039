import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadRun } from '../explain/shared/loadedRun';
import { pathSegments } from '../explain/replay/pathSegments';
import { Float32NpyWriter, writeNpy } from '../run/npy';
import { PARTIAL_SUFFIX, RUN_FILE, type RunRecord } from '../run/runRecord';
import { writeRunRecord } from '../run/runStore';
import { digestRunFiles, recordSha256 } from '../run/runDigests';
import { UserError } from '../errors';

const MIB = 1024 * 1024;

export interface ExportPathOptions {
  /** Refuse when the full path would take more than this many MiB (CLI `--max-mb`, default 2048). */
  maxMb: number;
  signal?: AbortSignal;
  onSegment?: (done: number) => void;
}

/**
 * Writes a run's full path in the stored layout (README, "Run directory": `path/weights.npy`, `batches.npy`,
 * `lr.npy`, `adam_v.npy`, `data/`, `run.json`), replaying a checkpointed run segment by segment and streaming
 * each segment's rows to disk, so memory stays one segment. The copy is a complete run of its own (layout `full`,
 * its index rebuilt in memory when explained), for NumPy users and for checking the engine from outside.
 * Written into `<out>.partial` and renamed: a killed export never leaves a folder that looks complete.
 */
export async function exportPath(runDir: string, outDir: string, options: ExportPathOptions): Promise<{ dir: string; bytes: number }> {
  const run = await loadRun(runDir);
  if (run.approximate)
    throw new UserError('an approximate run kept every k-th weight row only: it has no full path to export', { file: run.dir });
  const out = path.resolve(outDir);
  if (fs.existsSync(out)) throw new UserError('the export folder already exists; choose another --out', { file: out });
  if (!fs.existsSync(path.dirname(out)))
    throw new UserError('the folder that should hold the export does not exist', { file: path.dirname(out) });
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const W = run.path.batchWidth;
  const adam = run.optimizer.name === 'adam';
  const bytes = 4 * ((T + 1) * P + (adam ? T * P : 0) + T * W + T);
  if (bytes > options.maxMb * MIB) {
    throw new UserError(
      `the full path would take ${Math.ceil(bytes / MIB)} MiB (${T} steps × ${P} parameters), more than --max-mb ${options.maxMb}; raise --max-mb to export it`,
      { file: run.dir },
    );
  }
  const partial = out + PARTIAL_SUFFIX;
  await fs.promises.rm(partial, { recursive: true, force: true });
  await fs.promises.mkdir(path.join(partial, 'path'), { recursive: true });
  try {
    await fs.promises.cp(path.join(run.dir, 'data'), path.join(partial, 'data'), { recursive: true });
    const weights = await Float32NpyWriter.open(path.join(partial, 'path', 'weights.npy'), [T + 1, P]);
    const adamV = adam ? await Float32NpyWriter.open(path.join(partial, 'path', 'adam_v.npy'), [T, P]) : null;
    let done = 0;
    for await (const segment of pathSegments(run, { signal: options.signal })) {
      // Each segment's first row is the previous one's last, written already (but for the very first).
      const first = segment.path.firstStep === 0 ? 0 : 1;
      await weights.append(segment.path.weights.subarray(first * P, (segment.path.steps + 1) * P));
      if (adamV) await adamV.append((segment.path.adamV as Float32Array).subarray(0, segment.path.steps * P));
      options.onSegment?.(++done);
    }
    await weights.close();
    await adamV?.close();
    await writeNpy(path.join(partial, 'path', 'batches.npy'), { dtype: 'int32', shape: [T, W], data: run.path.batches });
    await writeNpy(path.join(partial, 'path', 'lr.npy'), { dtype: 'float32', shape: [T], data: run.path.learningRates });
    const record: RunRecord = {
      ...run.record,
      id: path.basename(out),
      experimentFile: path.relative(out, path.resolve(run.dir, run.record.experimentFile)),
    };
    record.pathLayout = 'full';
    delete record.replay;
    delete record.pathIndex;
    record.digests = await digestRunFiles(partial);
    record.recordSha256 = recordSha256(record);
    await writeRunRecord(partial, record);
    await fs.promises.rename(partial, out);
  } catch (error) {
    await fs.promises.rm(partial, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  return { dir: out, bytes: bytes + (await fs.promises.stat(path.join(out, RUN_FILE))).size };
}
