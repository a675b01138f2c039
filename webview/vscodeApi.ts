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
    const { scrollY, memory: kept, ...view } = state as PersistedWebviewState & { scrollY?: unknown; memory?: unknown };
    saved = view as PersistedWebviewState;
    scroll = typeof scrollY === 'number' && Number.isFinite(scrollY) ? scrollY : 0;
    memory = kept && typeof kept === 'object' ? (kept as Record<string, unknown>) : {};
    return saved;
  }
  return null;
}

/**
 * The view last saved, how far the page was scrolled, and what views remember of themselves (a table's sort, filter
 * and inner scroll), all kept together, so a reloaded page returns to the same place.
 */
let saved: PersistedWebviewState | null = null;
let scroll = 0;
let memory: Record<string, unknown> = {};

function write(): void {
  if (saved) instance().setState({ ...saved, scrollY: scroll, memory });
}

/** Saves a view; a new view starts at the top unless `scrollY` says otherwise. */
export function saveState(state: PersistedWebviewState, scrollY = 0): void {
  saved = state;
  scroll = scrollY;
  write();
}

/** Records the scroll position of the saved view. */
export function saveScroll(scrollY: number): void {
  scroll = scrollY;
  write();
}

/** The scroll position saved with the view, 0 if none. */
export function loadScroll(): number {
  return scroll;
}

/** Keeps a value a view wants back after a reload, under a key naming the view and its data. */
export function remember(key: string, value: unknown): void {
  memory = { ...memory, [key]: value };
  write();
}

/** What `remember` kept under `key`, or undefined. Callers check its shape: the page's state is not trusted blindly. */
export function recall(key: string): unknown {
  return memory[key];
}
