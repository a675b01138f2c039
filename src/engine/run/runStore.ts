import type { RunInfo, RunUpdateParams } from '../../protocol';

/** STUB: being written (engine core). Every run of an experiment, newest first, `stale` set when its CSV changed. */
export async function listRuns(experimentFile: string): Promise<RunInfo[]> {
  void experimentFile;
  throw new Error('not implemented yet');
}
export async function readRunInfo(runDir: string): Promise<RunInfo> {
  void runDir;
  throw new Error('not implemented yet');
}
export async function deleteRun(runDir: string): Promise<void> {
  void runDir;
  throw new Error('not implemented yet');
}
export async function updateRun(params: RunUpdateParams): Promise<RunInfo> {
  void params;
  throw new Error('not implemented yet');
}
