/**
 * The extension's engine client: a supervised engine process configured from settings, exposed
 * to the rest of the extension as an `EngineConnection` with vscode events and cancellation tokens.
 */
import * as vscode from 'vscode';
import type { RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { EngineInfo, ExplainProgress, TrainProgress } from '../../protocol';
import type { EngineConnection, EngineState } from './engineConnection';
import { EngineRequestError } from './engineErrors';
import { buildStartConfig } from './engineLaunchConfig';
import type { EngineLog } from './engineLog';
import { EngineSupervisor, type EngineStartConfig } from './engineSupervisor';
import { messageOf } from '../../shared/messageOf';
import { showError } from '../notify';

const RESTART_SETTINGS = ['kernelLens.engine.backend', 'kernelLens.engine.nodePath', 'kernelLens.memoryBudgetMb'];

export class EngineClient implements EngineConnection, vscode.Disposable {
  private readonly stateEmitter = new vscode.EventEmitter<EngineState>();
  private readonly progressEmitter = new vscode.EventEmitter<TrainProgress>();
  private readonly explainProgressEmitter = new vscode.EventEmitter<ExplainProgress>();
  private readonly supervisor: EngineSupervisor;
  private readonly disposables: vscode.Disposable[] = [];
  readonly onDidChangeState = this.stateEmitter.event;
  readonly onProgress = this.progressEmitter.event;
  /** A checkpointed run's replay while `explain/rows` works (by the request's `progressToken`). */
  readonly onExplainProgress = this.explainProgressEmitter.event;
  /** Where "Install Native Backend" puts `@tensorflow/tfjs-node`. */
  readonly nativeModulesDir: string;

  constructor(
    private readonly context: vscode.ExtensionContext,
    readonly log: EngineLog,
  ) {
    this.nativeModulesDir = vscode.Uri.joinPath(context.globalStorageUri, 'native').fsPath;
    this.supervisor = new EngineSupervisor({
      config: () => this.startConfig(),
      hooks: {
        onState: (state) => this.stateEmitter.fire(state),
        onProgress: (progress) => this.progressEmitter.fire(progress),
        onExplainProgress: (progress) => this.explainProgressEmitter.fire(progress),
        onLog: (line) => log.append(line),
        onGaveUp: (message) => void this.offerRestart(message),
      },
    });
    this.disposables.push(
      this.stateEmitter,
      this.progressEmitter,
      this.explainProgressEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (RESTART_SETTINGS.some((s) => event.affectsConfiguration(s))) void this.restartIfRunning('settings changed');
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.restartIfRunning('workspace folders changed')),
    );
  }

  get state(): EngineState {
    return this.supervisor.state;
  }

  get info(): EngineInfo | null {
    return this.supervisor.info;
  }

  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  private startConfig(): EngineStartConfig {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    if (folders.length === 0) {
      throw new EngineRequestError(
        'Kernel Lens needs an open folder: the engine only reads and writes files inside the workspace folders.',
        null,
        'engine/initialize',
      );
    }
    const config = vscode.workspace.getConfiguration('kernelLens');
    return buildStartConfig(
      { backend: config.get('engine.backend'), nodePath: config.get('engine.nodePath'), memoryBudgetMb: config.get('memoryBudgetMb') },
      {
        enginePath: vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'engine.js').fsPath,
        workspaceFolders: folders,
        nativeModulesDir: this.nativeModulesDir,
        execPath: process.execPath,
        env: process.env,
      },
    );
  }

  private async offerRestart(message: string): Promise<void> {
    const choice = await showError(message, 'Restart Engine', 'Show Log');
    if (choice === 'Restart Engine') await vscode.commands.executeCommand('kernelLens.restartEngine');
    else if (choice === 'Show Log') this.log.show();
  }

  private async restartIfRunning(why: string): Promise<void> {
    if (this.state === 'stopped') return;
    this.log.append(`restarting the engine: ${why}`);
    await this.restart().catch((error: unknown) => this.log.append(`restart failed: ${messageOf(error)}`));
  }

  request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R> {
    return this.supervisor.request<R>(type.method, params, token);
  }

  request0<R>(type: RequestType0<R, void>, token?: vscode.CancellationToken): Promise<R> {
    return this.supervisor.request<R>(type.method, undefined, token);
  }

  async start(): Promise<void> {
    await this.supervisor.startByUser();
  }

  stop(): Promise<void> {
    return this.supervisor.stop();
  }

  async restart(): Promise<void> {
    await this.supervisor.restart();
  }

  dispose(): void {
    // Deactivation may not await: ask politely, the supervisor kills after its timeout.
    void this.supervisor.stop();
    vscode.Disposable.from(...this.disposables).dispose();
  }
}
