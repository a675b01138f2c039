/** What one engine process knows about its client: workspace folders, memory budget, backend, work in flight. */
import type { EngineInfo } from '../../protocol';
import { initBackend, type BackendStatus } from '../backend';
import type { EngineFlags } from './engineFlags';
import { logLine } from './log';
import { MemoryBudget } from './memoryBudget';
import type { WorkspaceGuard } from './workspaceGuard';

// Injected by the bundler would be nicer; package.json is small and bundled as JSON.
import packageJson from '../../../package.json';
import { messageOf } from '../../shared/messageOf';

export class EngineSession {
  guard: WorkspaceGuard | null = null;
  budget: MemoryBudget;
  /** Aborts of every request in flight, so shutdown can cancel trainings cleanly. */
  readonly inFlight = new Set<AbortController>();
  shuttingDown = false;
  private backend: Promise<BackendStatus>;

  constructor(readonly flags: EngineFlags) {
    this.budget = new MemoryBudget(flags.memoryBudgetMb);
    // Started at once so engine/info answers quickly; engine/initialize may switch it.
    this.backend = this.startBackend(flags.backend, flags.nativeModulesDir);
  }

  get initialized(): boolean {
    return this.guard !== null;
  }

  private startBackend(choice: EngineFlags['backend'], nativeModulesDir: string | undefined): Promise<BackendStatus> {
    const started = initBackend(choice, { nativeModulesDir });
    started.then(
      (status) => logLine(`backend ${status.backend}${status.note ? ` (${status.note})` : ''}`),
      (error: unknown) => logLine(`backend failed: ${messageOf(error)}`),
    );
    return started;
  }

  switchBackend(choice: EngineFlags['backend'], nativeModulesDir: string | undefined): Promise<BackendStatus> {
    this.backend = this.backend.catch(() => undefined).then(() => this.startBackend(choice, nativeModulesDir));
    return this.backend;
  }

  async info(): Promise<EngineInfo> {
    const status = await this.backend;
    return {
      version: String((packageJson as { version?: unknown }).version ?? '0.0.0'),
      backend: status.backend,
      backendsAvailable: status.available,
      backendNote: status.note,
      node: process.version,
      pid: process.pid,
      initialized: this.initialized,
      memoryBudgetMb: this.budget.limitMb,
    };
  }
}
