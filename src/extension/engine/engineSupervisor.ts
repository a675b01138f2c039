/**
 * Keeps one engine process running for the extension (no `vscode` import: tests drive it with a
 * real engine): starts and initializes it on demand, restarts it after a crash under the crash
 * policy, tracks state (starting / ready / busy / crashed) and fails requests clearly.
 */
import { EngineMethods, type EngineInfo, type InitializeParams, type ExplainProgress, type TrainProgress } from '../../protocol';
import { CrashRestartPolicy } from './crashPolicy';
import type { EngineState } from './engineConnection';
import { EngineDiedError, EngineRequestError } from './engineErrors';
import { EngineProcess, describeExit, type CancellationLike, type EngineLaunch, type ProcessExit } from './engineProcess';
import { messageOf } from '../../shared/messageOf';

export interface EngineStartConfig {
  launch: EngineLaunch;
  initialize: InitializeParams;
}

export interface SupervisorHooks {
  onState?: (state: EngineState) => void;
  onProgress?: (progress: TrainProgress) => void;
  onExplainProgress?: (progress: ExplainProgress) => void;
  onLog?: (line: string) => void;
  /** Restarting stopped after too many crashes; the message says so. */
  onGaveUp?: (message: string) => void;
  /** The engine died unexpectedly (it will be restarted unless onGaveUp follows). */
  onCrash?: (message: string) => void;
}

export interface SupervisorOptions {
  /** Read at every start, so changed settings apply on restart. */
  config: () => EngineStartConfig;
  hooks?: SupervisorHooks;
  policy?: CrashRestartPolicy;
  restartDelayMs?: number;
  stopTimeoutMs?: number;
}

export class EngineSupervisor {
  private process: EngineProcess | null = null;
  private starting: Promise<EngineProcess> | null = null;
  private currentState: EngineState = 'stopped';
  private currentInfo: EngineInfo | null = null;
  private gaveUp: string | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private readonly policy: CrashRestartPolicy;
  private readonly intentional = new WeakSet<EngineProcess>();
  /** Requests the user is waiting for (engine/info and friends count too: they are short). */
  private busyCount = 0;

  constructor(private readonly options: SupervisorOptions) {
    this.policy = options.policy ?? new CrashRestartPolicy();
  }

  get state(): EngineState {
    return this.currentState;
  }

  get info(): EngineInfo | null {
    return this.currentInfo;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Why the supervisor stopped restarting, if it did. */
  get gaveUpReason(): string | null {
    return this.gaveUp;
  }

  private setState(state: EngineState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.options.hooks?.onState?.(state);
  }

  private log(line: string): void {
    this.options.hooks?.onLog?.(line);
  }

  /** Starts the engine if it is not running; resolves once it is initialized. */
  start(): Promise<EngineProcess> {
    if (this.process?.alive && !this.starting) return Promise.resolve(this.process);
    if (this.starting) return this.starting;
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    this.starting = this.launch().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  private async launch(): Promise<EngineProcess> {
    // Settings are read first: a configuration problem must not leave the state at `starting`.
    const { launch, initialize } = this.options.config();
    this.setState('starting');
    this.log(`starting engine: ${launch.command} ${launch.args.join(' ')}`);
    const proc = new EngineProcess(launch, {
      onStderrLine: (line) => this.log(line),
      onProgress: (progress) => this.options.hooks?.onProgress?.(progress),
      onExplainProgress: (progress) => this.options.hooks?.onExplainProgress?.(progress),
      onExit: (exit) => this.onExit(proc, exit),
    });
    this.process = proc;
    try {
      this.currentInfo = await proc.request<EngineInfo>(EngineMethods.initialize.method, initialize);
    } catch (error) {
      // A process that fails to initialize is stopped; if it died, onExit already counted the crash.
      if (proc.alive) {
        this.intentional.add(proc);
        proc.kill();
        this.setState('crashed');
      }
      throw error instanceof EngineRequestError
        ? new EngineRequestError(`The Kernel Lens engine did not start: ${error.message}`, error.code, error.method)
        : error;
    }
    this.log(
      `engine ready: backend ${this.currentInfo.backend}${this.currentInfo.backendNote ? ` (${this.currentInfo.backendNote})` : ''}`,
    );
    this.refreshBusy();
    return proc;
  }

  private onExit(proc: EngineProcess, exit: ProcessExit): void {
    if (this.process === proc) this.process = null;
    if (this.intentional.has(proc)) {
      this.log(`engine stopped (${describeExit(exit)})`);
      if (!this.process && !this.starting) this.setState('stopped');
      return;
    }
    this.currentInfo = null;
    const message = `The Kernel Lens engine ${describeExit(exit)}.`;
    this.log(message);
    const decision = this.policy.recordCrash();
    this.setState('crashed');
    this.options.hooks?.onCrash?.(message);
    if (!decision.restart) {
      this.gaveUp = `The Kernel Lens engine crashed ${decision.recentCrashes} times in the last 3 minutes and will not be restarted automatically. ${message}`;
      this.options.hooks?.onGaveUp?.(this.gaveUp);
      return;
    }
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start().catch((error: unknown) => this.log(`restart failed: ${messageOf(error)}`));
    }, this.options.restartDelayMs ?? 500);
  }

  private refreshBusy(): void {
    if (this.process?.alive && this.currentInfo) this.setState(this.busyCount > 0 ? 'busy' : 'ready');
  }

  /** Sends a request, starting the engine first if needed. Always settles. */
  async request<R>(method: string, params: unknown, token?: CancellationLike): Promise<R> {
    if (this.gaveUp) throw new EngineDiedError(`${this.gaveUp} Use "Kernel Lens: Restart Engine".`, method);
    if (token?.isCancellationRequested) throw new EngineRequestError(`${method} was cancelled.`, -32800, method);
    const proc = await this.start();
    this.busyCount++;
    this.refreshBusy();
    try {
      return await proc.request<R>(method, params, token);
    } finally {
      this.busyCount--;
      this.refreshBusy();
    }
  }

  /** Stops the engine gracefully (engine/shutdown, then kill after the timeout). */
  async stop(): Promise<void> {
    if (this.restartTimer) {
      clearTimeout(this.restartTimer);
      this.restartTimer = null;
    }
    const starting = this.starting;
    if (starting) await starting.catch(() => undefined);
    const proc = this.process;
    if (proc) {
      this.intentional.add(proc);
      await proc.stop(this.options.stopTimeoutMs ?? 2000);
    }
    this.process = null;
    this.currentInfo = null;
    this.setState('stopped');
  }

  /** The user's Start command: also clears a previous give-up. */
  startByUser(): Promise<EngineProcess> {
    if (this.gaveUp) {
      this.gaveUp = null;
      this.policy.reset();
    }
    return this.start();
  }

  /** Explicit restart (user command or settings change): forgets past crashes. */
  async restart(): Promise<EngineProcess> {
    await this.stop();
    this.gaveUp = null;
    this.policy.reset();
    return this.start();
  }

  /** Kills the process without the graceful path (tests and deactivate fallbacks). */
  kill(): void {
    this.process?.kill();
  }
}
