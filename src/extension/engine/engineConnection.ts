/**
 * What the rest of the extension needs from the engine client (implemented by `engineClient.ts`).
 * Requests use the typed constants of `EngineMethods` in `src/protocol/`.
 */
import type * as vscode from 'vscode';
import type { RequestType, RequestType0 } from 'vscode-jsonrpc';
import type { EngineInfo, ExplainProgress, TrainProgress } from '../../protocol';

export type EngineState = 'stopped' | 'starting' | 'ready' | 'busy' | 'crashed';

export interface EngineConnection {
  readonly state: EngineState;
  readonly info: EngineInfo | null;
  readonly onDidChangeState: vscode.Event<EngineState>;
  /** Training progress notifications of every run. */
  readonly onProgress: vscode.Event<TrainProgress>;
  /** Replay progress of `explain/rows` requests on checkpointed runs (matched by their `progressToken`). */
  readonly onExplainProgress: vscode.Event<ExplainProgress>;
  /** Starts the engine if needed, sends the request; rejects with a readable Error if the engine dies or the token cancels. */
  request<P, R>(type: RequestType<P, R, void>, params: P, token?: vscode.CancellationToken): Promise<R>;
  request0<R>(type: RequestType0<R, void>, token?: vscode.CancellationToken): Promise<R>;
}
