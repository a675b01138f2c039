/**
 * Compare Runs: every run of an experiment in one table (the settings that differ marked, final losses and
 * accuracy or RMSE, status), and the test curves of the runs ticked in it overlaid. A run's title opens its training
 * view. Run titles are user text: set as text only.
 */
import * as Plot from '@observablehq/plot';
import type { CompareRunsViewState, ComparedRun, EpochMetrics } from '../src/protocol';
import { append, clear, el } from './dom';
import { num, percent } from './format';
import { dataTable, plotCard, renderPlot } from './plotFrame';
import { post } from './vscodeApi';
import { rowComparisonSection } from './rowComparisonView';

/** Runs drawn at first (the newest complete ones); the theme has this many distinct series colours. */
export const SERIES = 6;

function finalMetrics(run: ComparedRun): EpochMetrics | undefined {
  return run.metrics[run.metrics.length - 1];
}

/** Whole epochs only: a few epochs' default ticks fall between them ("1 1 2 2 3"). */
function epochTicks(points: readonly { epoch: number }[]): number | number[] {
  const last = Math.max(0, ...points.map((p) => p.epoch));
  return last <= 10 ? Array.from({ length: last }, (_, k) => k + 1) : 10;
}

function curves(
  id: string,
  title: string,
  runs: { run: ComparedRun; series: number }[],
  pick: (m: EpochMetrics) => number | undefined,
  width: number,
  percentAxis: boolean,
): HTMLElement {
  const points = runs.flatMap(({ run, series }) =>
    run.metrics.flatMap((m) => {
      const value = pick(m);
      return value === undefined || !Number.isFinite(value) ? [] : [{ run: run.title, series, epoch: m.epoch, value }];
    }),
  );
  const chart =
    points.length === 0
      ? null
      : renderPlot(
          {
            width,
            height: 220,
            marginLeft: 56,
            x: { label: 'epoch →', labelAnchor: 'right', tickFormat: 'd', ticks: epochTicks(points) },
            y: {
              label: title.toLowerCase(),
              grid: true,
              tickFormat: percentAxis ? '.0%' : undefined,
              domain: percentAxis ? [0, 1] : undefined,
            },
            marks: runs.map(({ series }) =>
              Plot.lineY(
                points.filter((p) => p.series === series),
                { x: 'epoch', y: 'value', className: `run-series run-${series}` },
              ),
            ),
          },
          `${title} per epoch of the ticked runs`,
          runs.map(({ run }) => run.title).join('; '),
        );
  return plotCard(
    id,
    `${title} per epoch`,
    'One line per ticked run, on the test split.',
    chart,
    dataTable(
      `${title} per epoch`,
      ['Run', 'Epoch', title],
      points.map((p) => [p.run, p.epoch, percentAxis ? percent(p.value) : num(p.value)]),
      [1, 2],
    ),
  );
}

export function compareRunsView(state: CompareRunsViewState, width: number): HTMLElement {
  const root = el('div', { class: 'view compare-runs-view' });
  const differing = state.parameters.filter((p) => p.differs);
  append(
    root,
    el(
      'header',
      { class: 'view-header' },
      el('h1', {}, 'Runs of ', el('span', {}, `“${state.experimentName}”`)),
      el(
        'p',
        { class: 'subtitle' },
        `${state.runs.length} run${state.runs.length === 1 ? '' : 's'}`,
        differing.length > 0 ? ` · differing in ${differing.map((p) => p.name.toLowerCase()).join(', ')} (marked ≠)` : ' · same settings',
      ),
    ),
  );
  if (state.runs.length === 0) {
    append(root, el('p', { class: 'empty' }, 'No runs yet: train the experiment to compare its runs.'));
    return root;
  }
  // The newest complete runs are drawn at first, one colour each.
  const ticked = new Set(
    state.runs
      .filter((r) => r.status === 'complete')
      .slice(0, SERIES)
      .map((r) => r.runDir),
  );
  const metric = state.regression ? 'RMSE' : 'Accuracy';
  const headers = [
    'Curves',
    'Run',
    'Status',
    ...state.parameters.map((p) => (p.differs ? `${p.name} ≠` : p.name)),
    'Train loss',
    'Test loss',
    `Train ${metric.toLowerCase()}`,
    `Test ${metric.toLowerCase()}`,
    'Created',
  ];
  const charts = el('div', { class: 'plot-grid' });
  const status = el('p', { class: 'hint', role: 'status', 'aria-live': 'polite' });
  const drawCharts = (): void => {
    const shown = state.runs.filter((r) => ticked.has(r.runDir)).map((run, series) => ({ run, series }));
    clear(charts);
    append(
      charts,
      curves('plot-compare-loss', 'Test loss', shown, (m) => m.testLoss, width, false),
      state.regression
        ? curves('plot-compare-metric', 'Test RMSE', shown, (m) => m.testRmse, width, false)
        : curves('plot-compare-metric', 'Test accuracy', shown, (m) => m.testAccuracy, width, true),
    );
    // Each ticked run's colour beside its tick box.
    for (const cell of Array.from(root.querySelectorAll<HTMLElement>('td.swatch-cell'))) {
      const k = shown.findIndex(({ run }) => run.runDir === cell.dataset.run);
      cell.querySelector('.swatch')?.setAttribute('class', k >= 0 ? `swatch run-swatch run-${k}` : 'swatch run-swatch');
    }
  };
  const rows = state.runs.map((run) => {
    const m = finalMetrics(run);
    const box = el('input', {
      type: 'checkbox',
      checked: ticked.has(run.runDir),
      'aria-label': `Draw the curves of ${run.title}`,
      disabled: run.metrics.length === 0,
    });
    box.addEventListener('change', () => {
      if (box.checked && ticked.size >= SERIES) {
        box.checked = false;
        status.textContent = `At most ${SERIES} runs are drawn at once: untick one first.`;
        return;
      }
      status.textContent = '';
      if (box.checked) ticked.add(run.runDir);
      else ticked.delete(run.runDir);
      drawCharts();
    });
    const open = el('button', { type: 'button', class: 'link-button', title: 'Open its training view' }, run.title);
    open.addEventListener('click', () => post({ type: 'showRun', runDir: run.runDir }));
    const value = (v: number | undefined, share: boolean): string => (v === undefined ? '—' : share ? percent(v) : num(v));
    return el(
      'tr',
      { class: run.answering ? 'answering' : null },
      el('td', { class: 'swatch-cell', 'data-run': run.runDir }, box, el('span', { class: 'swatch run-swatch', 'aria-hidden': 'true' })),
      el(
        'th',
        { scope: 'row' },
        open,
        run.answering ? el('span', { class: 'badge', title: 'Answers hovers and Explain Prediction' }, ' ★') : null,
      ),
      el('td', {}, run.status),
      ...state.parameters.map((p) => el('td', { class: p.differs ? 'differs' : null }, run.parameters[p.key] || '—')),
      el('td', { class: 'num' }, value(m?.trainLoss, false)),
      el('td', { class: 'num' }, value(m?.testLoss, false)),
      el('td', { class: 'num' }, state.regression ? value(m?.trainRmse, false) : value(m?.trainAccuracy, true)),
      el('td', { class: 'num' }, state.regression ? value(m?.testRmse, false) : value(m?.testAccuracy, true)),
      el('td', {}, new Date(run.createdAt).toLocaleString()),
    );
  });
  const table = el(
    'table',
    { class: 'data-table compare-runs' },
    el('caption', {}, 'Every run of the experiment, newest first; tick a run to draw its curves'),
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...headers.map((h, i) =>
          el('th', { scope: 'col', class: i >= 3 + state.parameters.length && i < headers.length - 1 ? 'num' : null }, h),
        ),
      ),
    ),
    el('tbody', {}, ...rows),
  );
  append(root, el('div', { class: 'table-scroll' }, table), status, charts, rowComparisonSection(state));
  drawCharts();
  return root;
}
