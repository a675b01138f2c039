/**
 * The typed bridge to the extension: `acquireVsCodeApi` may be called only once per page, so this module
 * owns the single instance and exposes typed `post` and persisted state.
 */
import type { FromWebview, PersistedWebviewState } from '../src/protocol';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | null = null;

function instance(): VsCodeApi {
  api ??= acquireVsCodeApi();
  return api;
}

export function post(message: FromWebview): void {
  instance().postMessage(message);
}

export function loadState(): PersistedWebviewState | null {
  const state = instance().getState();
  if (state && typeof state === 'object' && 'view' in state && 'state' in state) {
    return state as PersistedWebviewState;
  }
  return null;
}

export function saveState(state: PersistedWebviewState): void {
  instance().setState(state);
}
