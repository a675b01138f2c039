/**
 * How to launch the engine, from settings (pure: tests and the client share it).
 * Default runtime: the editor's own (`process.execPath` with ELECTRON_RUN_AS_NODE), so users need no
 * Node.js; with `kernelLens.engine.nodePath` set, that Node.js runs it (and may load the native backend).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendChoice } from '../../protocol';
import { BACKEND_CHOICES, LIMITS } from '../../protocol/limits';
import type { EngineStartConfig } from './engineSupervisor';

const BACKENDS: readonly string[] = BACKEND_CHOICES;
const BUDGET = LIMITS.memoryBudgetMb;

export interface EngineSettings {
  backend: unknown;
  nodePath: unknown;
  memoryBudgetMb: unknown;
}

export interface LaunchContext {
  enginePath: string;
  workspaceFolders: string[];
  nativeModulesDir: string;
  /** The editor's runtime. */
  execPath: string;
  env: NodeJS.ProcessEnv;
}

export function normalizeSettings(settings: EngineSettings): { backend: BackendChoice; nodePath: string; memoryBudgetMb: number } {
  const backend =
    typeof settings.backend === 'string' && BACKENDS.includes(settings.backend) ? (settings.backend as BackendChoice) : 'auto';
  const nodePath = typeof settings.nodePath === 'string' ? settings.nodePath.trim() : '';
  const raw =
    typeof settings.memoryBudgetMb === 'number' && Number.isFinite(settings.memoryBudgetMb)
      ? Math.round(settings.memoryBudgetMb)
      : BUDGET.default;
  return { backend, nodePath, memoryBudgetMb: Math.min(BUDGET.max, Math.max(BUDGET.min, raw)) };
}

/** True when the native backend was installed into `dir`. */
export function nativeBackendInstalled(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json'));
}

export function buildStartConfig(settings: EngineSettings, ctx: LaunchContext): EngineStartConfig {
  const { backend, nodePath, memoryBudgetMb } = normalizeSettings(settings);
  // The native addon is built for a Node.js ABI; only a configured Node.js can load it, never the editor's runtime.
  const nativeModulesDir = nodePath && nativeBackendInstalled(ctx.nativeModulesDir) ? ctx.nativeModulesDir : undefined;
  const args = [ctx.enginePath, '--stdio', '--backend', backend, '--memory-budget-mb', String(memoryBudgetMb)];
  if (nativeModulesDir) args.push('--native-modules', nativeModulesDir);
  const launch = nodePath
    ? { command: nodePath, args, env: { ...ctx.env } }
    : { command: ctx.execPath, args, env: { ...ctx.env, ELECTRON_RUN_AS_NODE: '1' } };
  return { launch, initialize: { workspaceFolders: ctx.workspaceFolders, backend, memoryBudgetMb, nativeModulesDir } };
}
