/** Wires the engine client, its status-bar item and its commands into the extension. */
import type * as vscode from 'vscode';
import { EngineClient } from './engineClient';
import { registerEngineCommands } from './engineCommands';
import { EngineLog } from './engineLog';
import { createEngineStatusBar } from './engineStatusBar';

export { EngineClient } from './engineClient';
export { EngineCommandIds } from './engineCommands';
export { TrainingQueue, LatestOnly, type Debounced } from './requestQueue';
export { EngineRequestError, EngineDiedError } from './engineErrors';

/** Creates the engine client (started lazily by the first request), status bar and commands. */
export function activateEngine(context: vscode.ExtensionContext): EngineClient {
  const log = new EngineLog();
  const client = new EngineClient(context, log);
  context.subscriptions.push(client, createEngineStatusBar(client), log);
  registerEngineCommands(context, client);
  return client;
}
