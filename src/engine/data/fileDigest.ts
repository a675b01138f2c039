import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** SHA-256 of a file as lowercase hex, streamed so large datasets are not held in memory; `signal` stops it. */
export function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    // Large chunks: run files and datasets are tens of MB, and 64 KB reads made hashing twice as slow.
    createReadStream(file, { signal, highWaterMark: 4 * 1024 * 1024 })
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}
