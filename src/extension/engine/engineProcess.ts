/**
 * One running engine process and its JSON-RPC connection (no `vscode` import: tests drive it).
 * Every request it sends settles: with the engine's answer, when the token cancels (after a grace
 * period for the engine to confirm), or when the process ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import { ResponseError } from 'vscode-jsonrpc';
import { StreamMessageReader, StreamMessageWriter, createMessageConnection, type MessageConnection } from 'vscode-jsonrpc/node';
import { EngineErrorCodes, EngineMethods, type ExplainProgress, type TrainProgress } from '../../protocol';
import { EngineDiedError, EngineRequestError, errorLocationOf } from './engineErrors';
import { messageOf } from '../../shared/messageOf';

/** The part of a CancellationToken (vscode's or vscode-jsonrpc's) the client needs. */
export interface CancellationLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface EngineLaunch {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. a wrong Node.js path). */
  spawnError: string | null;
}

export interface EngineProcessEvents {
  onStderrLine?: (line: string) => void;
  onProgress?: (progress: TrainProgress) => void;
  onExplainProgress?: (progress: ExplainProgress) => void;
  /** The process ended (whether asked to or not); pending requests have been rejected already. */
  onExit?: (exit: ProcessExit) => void;
}

/** How long a cancelled request waits for the engine to confirm before it rejects locally. */
export const CANCEL_GRACE_MS = 5000;

interface Pending {
  method: string;
  reject: (error: Error) => void;
}

export function describeExit(exit: ProcessExit): string {
  if (exit.spawnError) return `could not be started (${exit.spawnError})`;
  if (exit.signal) return `was killed (${exit.signal})`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}

export class EngineProcess {
  private readonly child: ChildProcess;
  private readonly connection: MessageConnection;
  private readonly pending = new Set<Pending>();
  private exitInfo: ProcessExit | null = null;
  private readonly exited: Promise<ProcessExit>;

  constructor(launch: EngineLaunch, events: EngineProcessEvents = {}) {
    this.child = spawn(launch.command, launch.args, {
      env: launch.env,
      cwd: launch.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      windowsHide: true,
    });
    const stdout = this.child.stdout;
    const stdin = this.child.stdin;
    if (!stdout || !stdin || !this.child.stderr) throw new Error('engine process has no stdio pipes');
    // Writes after the engine died must not raise unhandled EPIPE errors.
    stdin.on('error', () => undefined);
    this.connection = createMessageConnection(new StreamMessageReader(stdout), new StreamMessageWriter(stdin));
    this.connection.onNotification(EngineMethods.progress, (progress) => events.onProgress?.(progress));
    this.connection.onNotification(EngineMethods.explainProgress, (progress) => events.onExplainProgress?.(progress));
    this.connection.onError(() => undefined);
    this.connection.listen();
    readline.createInterface({ input: this.child.stderr }).on('line', (line) => events.onStderrLine?.(line));

    let spawnError: string | null = null;
    this.exited = new Promise((resolve) => {
      this.child.on('error', (error) => {
        spawnError = error.message;
        // A spawn failure emits no 'close' when no stream ever opened.
        if (this.child.pid === undefined) finish(null, null);
      });
      // 'close' (not 'exit'): all of stdout has been read, so the last responses were delivered.
      this.child.on('close', (code, signal) => finish(code, signal));
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (this.exitInfo) return;
        this.exitInfo = { code, signal, spawnError };
        const reason = describeExit(this.exitInfo);
        for (const p of [...this.pending]) {
          p.reject(new EngineDiedError(`The Kernel Lens engine ${reason} while handling ${p.method}.`, p.method));
        }
        this.pending.clear();
        this.connection.dispose();
        events.onExit?.(this.exitInfo);
        resolve(this.exitInfo);
      };
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  whenExited(): Promise<ProcessExit> {
    return this.exited;
  }

  /** Sends a request with raw params; settles on answer, cancellation (after a grace period) or process end. */
  request<R>(method: string, params: unknown, token?: CancellationLike): Promise<R> {
    if (this.exitInfo) {
      return Promise.reject(new EngineDiedError(`The Kernel Lens engine ${describeExit(this.exitInfo)}; ${method} was not sent.`, method));
    }
    return new Promise<R>((resolve, reject) => {
      let graceTimer: NodeJS.Timeout | undefined;
      let cancelListener: { dispose(): void } | undefined;
      const entry: Pending = { method, reject: (error) => settle(() => reject(error)) };
      const settle = (action: () => void): void => {
        if (!this.pending.has(entry)) return;
        this.pending.delete(entry);
        if (graceTimer) clearTimeout(graceTimer);
        cancelListener?.dispose();
        action();
      };
      this.pending.add(entry);
      if (token) {
        cancelListener = token.onCancellationRequested(() => {
          graceTimer ??= setTimeout(
            () => entry.reject(new EngineRequestError(`${method} was cancelled.`, EngineErrorCodes.cancelled, method)),
            CANCEL_GRACE_MS,
          );
        });
      }
      // vscode-jsonrpc sends `$/cancelRequest` itself when the token fires.
      // No params means none on the wire (an explicit undefined would be sent as `[null]`).
      const args: unknown[] = params === undefined ? [] : [params];
      if (token) args.push(token);
      const send = this.connection.sendRequest.bind(this.connection) as (m: string, ...rest: unknown[]) => Promise<R>;
      const sent = send(method, ...args);
      sent.then(
        (result) => settle(() => resolve(result)),
        (error: unknown) => {
          const wrapped =
            error instanceof ResponseError
              ? new EngineRequestError(error.message, error.code, method, errorLocationOf(error.data))
              : new EngineRequestError(messageOf(error), null, method);
          settle(() => reject(wrapped));
        },
      );
    });
  }

  /** Asks the engine to shut down; kills it if it has not exited within `timeoutMs`. */
  async stop(timeoutMs = 2000): Promise<ProcessExit> {
    if (this.exitInfo) return this.exitInfo;
    const timer = setTimeout(() => this.kill(), timeoutMs);
    try {
      await Promise.race([this.request(EngineMethods.shutdown.method, undefined).catch(() => undefined), this.exited]);
      this.child.stdin?.end();
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.exitInfo) return;
    this.child.kill(signal);
  }
}
