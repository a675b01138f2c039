/** The engine's own requests: info, initialize, shutdown, its error codes, and the debug hooks. */
import { z } from 'zod';
import { BACKEND_CHOICES, LIMITS } from '../limits';
import type { BackendName } from '../vocabulary';
import { EngineRequest, EngineRequest0 } from './engineRequest';
import { filePath, integerIn } from './schemaParts';

export interface EngineInfo {
  version: string;
  backend: BackendName;
  backendsAvailable: BackendName[];
  /** Why a preferred backend is not in use, if it is not. */
  backendNote: string | null;
  node: string;
  pid: number;
  initialized: boolean;
  /** The memory budget in force (MB). */
  memoryBudgetMb?: number;
}

export const info = new EngineRequest0<EngineInfo>('engine/info');

export const initializeParams = z.strictObject({
  workspaceFolders: z
    .array(filePath)
    .min(LIMITS.workspaceFolders.min, 'must list at least one folder')
    .max(LIMITS.workspaceFolders.max, `lists more than ${LIMITS.workspaceFolders.max} folders`),
  backend: z.enum(BACKEND_CHOICES).optional(),
  /** Memory budget in MB for datasets and runs. */
  memoryBudgetMb: integerIn(LIMITS.memoryBudgetMb).optional(),
  /** Where the optional native backend may be installed. */
  nativeModulesDir: filePath.optional(),
});
export type InitializeParams = z.infer<typeof initializeParams>;
export const initialize = new EngineRequest<typeof initializeParams, EngineInfo>('engine/initialize', initializeParams);

export const shutdown = new EngineRequest0<null>('engine/shutdown');

/** Test hook (KERNEL_LENS_ENGINE_DEBUG=1): prints `text` through every stdout writer to prove the protocol stream stays clean. */
export const debugPrintParams = z.strictObject({ text: z.string().max(10_000) });
export type DebugPrintParams = z.infer<typeof debugPrintParams>;
export interface DebugPrintResult {
  printed: number;
}
export const debugPrint = new EngineRequest<typeof debugPrintParams, DebugPrintResult>('engine/debugPrint', debugPrintParams);

/** Test hook: sleeps in small async steps, honouring cancellation, to exercise concurrency and `$/cancelRequest`. */
export const debugSleepParams = z.strictObject({ ms: z.number().int().min(0).max(60_000) });
export type DebugSleepParams = z.infer<typeof debugSleepParams>;
export interface DebugSleepResult {
  sleptMs: number;
}
export const debugSleep = new EngineRequest<typeof debugSleepParams, DebugSleepResult>('engine/debugSleep', debugSleepParams);

/**
 * Where a `badInput` error is, sent as the JSON-RPC error's `data` when the engine knows: the file (absolute), its
 * 1-based line, the CSV column's name, the experiment file's field and, for a name that was not
 * found, the names it could have been. The extension turns it into a diagnostic with quick fixes.
 */
export interface ErrorLocation {
  file: string;
  line?: number;
  column?: string;
  /** The experiment file's field as a JSON path, e.g. ["dataset", "target"]. */
  field?: (string | number)[];
  choices?: string[];
}

/** JSON-RPC error codes the engine uses besides the standard ones. */
export const EngineErrorCodes = {
  notInitialized: -32002,
  invalidParams: -32602,
  outsideWorkspace: -32010,
  badInput: -32011,
  memoryBudget: -32012,
  cancelled: -32800,
} as const;
