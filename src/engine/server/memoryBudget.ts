/**
 * Refuses datasets and runs that would not fit the memory budget, estimated from file sizes
 * before anything is loaded (the setting that changes it is named in the message).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { EngineErrorCodes } from '../../protocol';
import { RequestError } from './requestError';
import type { Dirent } from 'node:fs';

const MB = 1024 * 1024;
/** Parsed cells (strings, then float64 arrays, then float32 tensors) take several times the CSV text. */
export const CSV_EXPANSION = 8;
/** Compressed images (PNG, JPEG) decoded to RGBA bytes and then float32 pixels take many times their file size. */
export const IMAGE_EXPANSION = 32;
/** Run files (parameter snapshots) are read into arrays and tensors, roughly twice over. */
export const RUN_EXPANSION = 3;

export class MemoryBudget {
  constructor(readonly limitMb: number) {}

  check(what: string, estimatedBytes: number): void {
    const neededMb = Math.ceil(estimatedBytes / MB);
    if (neededMb > this.limitMb) {
      throw new RequestError(
        EngineErrorCodes.memoryBudget,
        `${what} needs about ${neededMb} MB, more than the memory budget of ${this.limitMb} MB. ` +
          `Raise the setting kernelLens.memoryBudgetMb to allow it.`,
      );
    }
  }
}

export async function fileSize(file: string): Promise<number> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return 0;
  }
}

/** Total size of the files in a run directory (one level of subfolders is enough for run layouts). */
export async function directorySize(dir: string, depth = 2): Promise<number> {
  let total = 0;
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isFile()) total += await fileSize(full);
    else if (entry.isDirectory() && depth > 0) total += await directorySize(full, depth - 1);
  }
  return total;
}
