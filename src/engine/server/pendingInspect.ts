/** Placeholder until `src/engine/data/inspect.ts` (another engineer's) lands; then handlers import it directly. */
import type { DatasetSchema } from '../../protocol';

export async function inspectCsv(file: string): Promise<DatasetSchema> {
  void file;
  throw new Error('dataset inspection is not available in this build yet');
}
