/**
 * Training curves: per-epoch train/test loss and accuracy (or RMSE) as line charts, the last epoch's test
 * confusion matrix for classification, a progress bar and a Cancel button. Progress notifications update the charts in place (the frame, and with it keyboard
 * focus on Cancel, survives), at most once per animation frame.
 */
import * as Plot from '@observablehq/plot';
import type { EpochMetrics, TrainProgress, TrainingNextStep, TrainingViewState } from '../src/protocol';
import { confusionMatrix } from './confusionMatrix';
import { append, clear, custom, el } from './dom';
import { num, percent } from './format';
import { dataTable, plotCard, renderPlot } from './plotFrame';
import { post } from './vscodeApi';

export interface TrainingViewController {
  root: HTMLElement;
  update(state: TrainingViewState): void;
}

interface SeriesPoint {
  epoch: number;
  value: number;
}

/** Folds a progress notification into the state: the step counter, and the epoch's metrics when present. */
export function applyProgress(state: TrainingViewState, progress: TrainProgress): TrainingViewState {
  // A tick that arrives after the training ended changes nothing.
  if (state.status !== 'running') return state;
  let metrics = state.metrics;
  if (progress.metrics) {
    const m = progress.metrics;
    metrics = [...metrics.filter((x) => x.epoch !== m.epoch), m].sort((a, b) => a.epoch - b.epoch);
  }
  return { ...state, metrics, progress, status: state.status, classes: progress.classes ?? state.classes ?? null };
}

function lineChart(
  title: string,
  yLabel: string,
  train: SeriesPoint[],
  test: SeriesPoint[],
  width: number,
  percentAxis: boolean,
): Element | null {
  if (train.length + test.length === 0) return null;
  const dots = train.length + test.length < 80;
  return renderPlot(
    {
      width,
      height: 220,
      marginLeft: 56,
      x: {
        label: 'epoch →',
        labelAnchor: 'right',
        tickFormat: 'd',
        domain: [Math.min(...[...train, ...test].map((p) => p.epoch), 1), Math.max(1, ...[...train, ...test].map((p) => p.epoch))],
      },
      y: {
        label: yLabel,
        grid: true,
        zero: !percentAxis ? true : false,
        tickFormat: percentAxis ? '.0%' : undefined,
        domain: percentAxis ? [0, 1] : undefined,
      },
      marks: [
        Plot.lineY(train, { x: 'epoch', y: 'value', className: 'series-a' }),
        Plot.lineY(test, { x: 'epoch', y: 'value', className: 'series-b' }),
        dots ? Plot.dot(train, { x: 'epoch', y: 'value', className: 'series-a', r: 2.5 }) : null,
        dots ? Plot.dot(test, { x: 'epoch', y: 'value', className: 'series-b', r: 2.5, symbol: 'square' }) : null,
      ],
    },
    title,
    `Train and test ${yLabel} per epoch; last epoch ${Math.max(0, ...train.map((p) => p.epoch))}`,
  );
}

function series(metrics: EpochMetrics[], pick: (m: EpochMetrics) => number | undefined): SeriesPoint[] {
  return metrics.flatMap((m) => {
    const value = pick(m);
    return value === undefined || !Number.isFinite(value) ? [] : [{ epoch: m.epoch, value }];
  });
}

function legend(): HTMLElement {
  return el(
    'p',
    { class: 'legend', 'aria-hidden': 'true' },
    el('span', { class: 'swatch series-a' }),
    ' train ',
    el('span', { class: 'swatch series-b' }),
    ' test',
  );
}

function nextStepButton(step: TrainingNextStep, label: string): HTMLElement {
  const button = custom('vscode-button', { class: `next-step next-step-${step}` }, label);
  button.addEventListener('click', () => post({ type: 'nextStep', step }));
  return button;
}

export function trainingView(initial: TrainingViewState, widthOf: () => number): TrainingViewController {
  const root = el('div', { class: 'view training-view' });
  const title = el('h1', {});
  const statusLine = el('p', { class: 'subtitle', role: 'status', 'aria-live': 'polite' });
  const progressBar = el('progress', { class: 'progress', max: 1, value: 0, 'aria-label': 'Training progress' });
  const cancel = custom('vscode-button', { 'aria-label': 'Cancel training', class: 'cancel' }, 'Cancel');
  cancel.addEventListener('click', () => {
    if (!cancel.hasAttribute('disabled')) post({ type: 'cancelTraining' });
  });
  // After a complete training the Cancel button gives way to the next steps.
  const nextSteps = el(
    'div',
    { class: 'actions-bar next-steps', hidden: '' },
    nextStepButton('explainTestRow', 'Explain a Test Row'),
    nextStepButton('showTestSet', 'Show Test Set'),
  );
  // A cancelled or failed training offers to train again instead.
  const retry = el('div', { class: 'actions-bar retry', hidden: '' }, nextStepButton('trainAgain', 'Train Again'));
  const problem = el('p', { class: 'training-problem', role: 'alert', hidden: '' });
  const running = el('div', { class: 'actions-bar' }, progressBar, cancel);
  const charts = el('div', { class: 'plot-grid' });
  append(root, el('header', { class: 'view-header' }, title, statusLine), running, nextSteps, retry, problem, legend(), charts);

  let state = initial;
  let scheduled = false;
  const draw = (): void => {
    scheduled = false;
    const width = widthOf();
    clear(title);
    append(title, 'Training ', el('span', {}, `“${state.runName}”`));
    const p = state.progress ?? null;
    const last = state.metrics[state.metrics.length - 1];
    const parts: string[] = [`Status: ${state.status}`];
    if (p) parts.push(`epoch ${p.epoch} of ${p.epochs}`, `step ${p.step} of ${p.totalSteps}`, `batch loss ${num(p.loss)}`);
    else if (last) parts.push(`${state.metrics.length} epochs`);
    statusLine.textContent = parts.join(' · ');
    progressBar.value = p && p.totalSteps > 0 ? p.step / p.totalSteps : state.status === 'complete' ? 1 : 0;
    if (state.status === 'running') cancel.removeAttribute('disabled');
    else cancel.setAttribute('disabled', '');
    running.hidden = state.status !== 'running';
    nextSteps.hidden = state.status !== 'complete';
    retry.hidden = state.status !== 'cancelled' && state.status !== 'failed';
    // Data text in the message is set as text, never as markup.
    problem.textContent = state.status === 'failed' && state.message ? state.message : '';
    problem.hidden = problem.textContent === '';

    const m = state.metrics;
    const regression =
      m.some((x) => x.trainRmse !== undefined || x.testRmse !== undefined) && !m.some((x) => x.trainAccuracy !== undefined);
    const loss = lineChart(
      'Loss',
      'loss',
      series(m, (x) => x.trainLoss),
      series(m, (x) => x.testLoss),
      width,
      false,
    );
    const metric = regression
      ? lineChart(
          'RMSE',
          'RMSE (target units)',
          series(m, (x) => x.trainRmse),
          series(m, (x) => x.testRmse),
          width,
          false,
        )
      : lineChart(
          'Accuracy',
          'accuracy',
          series(m, (x) => x.trainAccuracy),
          series(m, (x) => x.testAccuracy),
          width,
          true,
        );
    const metricCell = (v: number | undefined): string => (v === undefined ? '—' : regression ? num(v) : percent(v));
    const rows = m.map((x) => [
      x.epoch,
      x.step,
      num(x.trainLoss),
      num(x.testLoss),
      metricCell(regression ? x.trainRmse : x.trainAccuracy),
      metricCell(regression ? x.testRmse : x.testAccuracy),
    ]);
    const metricName = regression ? 'RMSE' : 'accuracy';
    const headers = ['Epoch', 'Step', 'Train loss', 'Test loss', `Train ${metricName}`, `Test ${metricName}`];
    const openStates = Array.from(charts.querySelectorAll('details')).map((d) => d.open);
    clear(charts);
    append(
      charts,
      plotCard(
        'plot-loss',
        'Loss per epoch',
        'Mean loss over the training set and the test set after each epoch.',
        loss,
        dataTable('Loss and metrics per epoch', headers, rows, [0, 1, 2, 3, 4, 5]),
      ),
      plotCard(
        'plot-metric',
        regression ? 'RMSE per epoch' : 'Accuracy per epoch',
        regression ? 'Root mean squared error in target units.' : 'Share of rows classified correctly.',
        metric,
        dataTable(`${metricName} per epoch`, headers, rows, [0, 1, 2, 3, 4, 5]),
      ),
    );
    const confused = [...m].reverse().find((x) => x.testConfusion);
    if (confused?.testConfusion && state.classes && state.classes.length === confused.testConfusion.length)
      charts.appendChild(confusionMatrix({ classes: state.classes, counts: confused.testConfusion, epoch: confused.epoch }));
    Array.from(charts.querySelectorAll('details')).forEach((d, i) => (d.open = openStates[i] ?? false));
  };
  draw();
  return {
    root,
    update(next: TrainingViewState): void {
      state = next;
      if (!scheduled) {
        scheduled = true;
        requestAnimationFrame(draw);
      }
    },
  };
}
