/**
 * Entry point of the webview bundle: posts `ready`, renders whatever view the first data message asks
 * for, keeps the last state with `setState` so a reload (or a serializer revival) restores it, and shows
 * busy and error states over the current view.
 */
import './elements';
import type { ContributionTrace, PersistedWebviewState, ToWebview, TrainingViewState } from '../src/protocol';
import { append, clear, custom, el } from './dom';
import { compareRunsView } from './compareRunsView';
import { explanationView } from './explanationView';
import { kernelView } from './kernelView';
import { neuronView } from './neuronView';
import { chartWidth } from './plotFrame';
import { testSetView } from './testSetView';
import { applyProgress, trainingView, type TrainingViewController } from './trainingView';
import { loadScroll, loadState, post, saveScroll, saveState } from './vscodeApi';

const app = document.getElementById('app') ?? document.body;
const statusBar = el('div', { class: 'status-area', 'aria-live': 'assertive' });
const content = el('div', { class: 'content' });

let current: PersistedWebviewState | null = null;
let training: TrainingViewController | null = null;

/** Charts sit two to a row on wide panels (see .plot-grid in webview.css), one otherwise. */
const width = (): number => {
  const available = content.clientWidth || window.innerWidth;
  const columns = available >= 1000 ? 2 : 1;
  return chartWidth((available - (columns - 1) * 16) / columns - 26);
};

function render(): void {
  training = null;
  clear(content);
  if (!current) return;
  switch (current.view) {
    case 'explanation':
      content.appendChild(
        explanationView({
          state: current.state,
          trace: current.trace,
          width: width(),
          onTrace: requestTrace,
          verification: current.verification ?? null,
        }),
      );
      break;
    case 'testSet':
      content.appendChild(testSetView(current.state));
      break;
    case 'kernel':
      content.appendChild(kernelView(current.state, width()));
      break;
    case 'training':
      training = trainingView(current.state, width);
      content.appendChild(training.root);
      break;
    case 'neuron':
      content.appendChild(neuronView(current.state));
      break;
    case 'compareRuns':
      content.appendChild(compareRunsView(current.state, width()));
      break;
  }
  app.setAttribute('aria-busy', 'false');
}

function requestTrace(index: number): void {
  showBusy('Tracing the contribution over training…');
  post({ type: 'requestTrace', indices: [index] });
}

function setCurrent(next: PersistedWebviewState, rerender = true): void {
  current = next;
  saveState(next);
  clearStatus();
  if (rerender) render();
}

function clearStatus(): void {
  clear(statusBar);
  content.classList.remove('dimmed');
}

function showBusy(message: string): void {
  clear(statusBar);
  append(
    statusBar,
    el(
      'div',
      { class: 'banner busy', role: 'status' },
      custom('vscode-progress-ring', { 'aria-label': 'Working' }),
      el('span', {}, message || 'Working…'),
    ),
  );
  content.classList.add('dimmed');
  app.setAttribute('aria-busy', 'true');
}

function showError(message: string): void {
  clear(statusBar);
  append(
    statusBar,
    el('div', { class: 'banner error', role: 'alert' }, el('strong', {}, 'Error: '), el('span', { class: 'error-message' }, message)),
  );
  content.classList.remove('dimmed');
  app.setAttribute('aria-busy', 'false');
}

function trainingState(): TrainingViewState | null {
  return current?.view === 'training' ? current.state : null;
}

function onMessage(message: ToWebview): void {
  switch (message.type) {
    case 'explanation':
      // The same explanation again (the host replays the view after a reload): keep the page as it is, scroll included.
      if (current?.view === 'explanation' && JSON.stringify(current.state) === JSON.stringify(message.state)) break;
      setCurrent({ view: 'explanation', state: message.state, trace: null });
      break;
    case 'trace': {
      if (current?.view !== 'explanation') return;
      const trace: ContributionTrace[] = message.trace;
      setCurrent({ ...current, trace });
      document.getElementById('plot-trace')?.scrollIntoView({ block: 'nearest' });
      break;
    }
    case 'verification': {
      if (current?.view !== 'explanation') return;
      setCurrent({ ...current, verification: message.result });
      document.getElementById('verification-title')?.scrollIntoView({ block: 'start' });
      break;
    }
    case 'kernel':
      setCurrent({ view: 'kernel', state: message.state });
      break;
    case 'neuron':
      setCurrent({ view: 'neuron', state: message.state });
      break;
    case 'compareRuns':
      setCurrent({ view: 'compareRuns', state: message.state });
      break;
    case 'testSet':
      setCurrent({
        view: 'testSet',
        state: { runName: message.runName, rows: message.rows, image: message.image ?? null, dataset: message.dataset === true },
      });
      break;
    case 'training': {
      const state: TrainingViewState = {
        runName: message.runName,
        metrics: message.metrics,
        status: message.status,
        message: message.message ?? null,
        classes: message.classes ?? trainingState()?.classes ?? null,
        // A finished training shows its epochs, not the last step tick (which may even arrive after it).
        progress: message.status === 'running' ? (trainingState()?.progress ?? null) : null,
      };
      if (training && current?.view === 'training') {
        setCurrent({ view: 'training', state }, false);
        training.update(state);
      } else setCurrent({ view: 'training', state });
      break;
    }
    case 'trainingProgress': {
      const base = trainingState() ?? {
        runName: message.progress.runDir.split(/[\\/]/).pop() ?? 'run',
        metrics: [],
        status: 'running',
        progress: null,
      };
      const state = applyProgress(base, message.progress);
      if (training && current?.view === 'training') {
        current = { view: 'training', state };
        saveState(current);
        training.update(state);
      } else setCurrent({ view: 'training', state });
      break;
    }
    case 'busy':
      showBusy(message.message);
      break;
    case 'error':
      showError(message.message);
      break;
  }
}

function isToWebview(data: unknown): data is ToWebview {
  return typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string';
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (isToWebview(event.data)) onMessage(event.data);
});

// Charts are sized to the panel: redraw after the panel is resized (debounced).
let resizeTimer: number | undefined;
let lastWidth = window.innerWidth;
window.addEventListener('resize', () => {
  if (Math.abs(window.innerWidth - lastWidth) < 40) return;
  lastWidth = window.innerWidth;
  window.clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    const state = trainingState();
    if (training && state) training.update(state);
    else render();
  }, 200);
});

// The scroll position is saved with the view (at most once a frame).
let scrollSaving = false;
window.addEventListener('scroll', () => {
  if (scrollSaving) return;
  scrollSaving = true;
  requestAnimationFrame(() => {
    scrollSaving = false;
    saveScroll(window.scrollY);
  });
});

clear(app);
append(app, statusBar, content);
const restored = loadState();
if (restored) {
  current = restored;
  render();
  // Back where the user was before the page was reloaded (VS Code reloads a hidden panel when it is shown again).
  window.scrollTo(0, loadScroll());
} else {
  append(content, el('p', { class: 'placeholder' }, 'Waiting for data…'));
}
post({ type: 'ready' });
