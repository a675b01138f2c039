/** Every engine method in one table, for the client's calls and the server's dispatch. */
import { debugPrint, debugSleep, info, initialize, shutdown } from './engine';
import { inspectDataset, validateExperiment } from './dataset';
import { deleteRun, listRuns, loadRun, progress, train, updateRun } from './runs';
import { explainNeuron, explainProgress, explainRows, traceContribution } from './explain';
import { trustKernel, trustSuspects, trustVerify } from './trust';

export const EngineMethods = {
  info,
  initialize,
  shutdown,
  inspectDataset,
  validateExperiment,
  train,
  progress,
  listRuns,
  loadRun,
  updateRun,
  deleteRun,
  explainRows,
  explainProgress,
  traceContribution,
  explainNeuron,
  trustSuspects,
  trustVerify,
  trustKernel,
  /** Test hooks, served only when the engine runs with KERNEL_LENS_ENGINE_DEBUG=1. */
  debugPrint,
  debugSleep,
} as const;
