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
    const { scrollY: _scroll, ...view } = state as PersistedWebviewState & { scrollY?: number };
    saved = view as PersistedWebviewState;
    return saved;
  }
  return null;
}

/** The view last saved, and how far it was scrolled (kept beside it, so a reloaded page returns to the same place). */
let saved: PersistedWebviewState | null = null;

/** Saves a view; a new view starts at the top unless `scrollY` says otherwise. */
export function saveState(state: PersistedWebviewState, scrollY = 0): void {
  saved = state;
  instance().setState({ ...state, scrollY });
}

/** Records the scroll position of the saved view. */
export function saveScroll(scrollY: number): void {
  if (saved) instance().setState({ ...saved, scrollY });
}

/** The scroll position saved with the view, 0 if none. */
export function loadScroll(): number {
  const state = instance().getState() as { scrollY?: unknown } | null;
  return typeof state?.scrollY === 'number' && Number.isFinite(state.scrollY) ? state.scrollY : 0;
}
