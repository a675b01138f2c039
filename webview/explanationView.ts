/**
 * The explanation view: what was explained (row, label, prediction, output and units), the identity
 * bias + Σ contributions = kernel machine next to the network's output and the residual, the
 * supporters and opposers, the charts, and the actions.
 */
import type { ContributionTrace, ExplanationViewState, VerifyResult } from '../src/protocol';
import { append, custom, el } from './dom';
import { contributionTable, splitContributions } from './contributionTable';
import { num, outputWords, precise, predictionText, selectorFromKey, selectorKey, signed, unitWords } from './format';
import { imageGrid, pixelValues } from './imageGrid';
import { byLabelCard, cumulativeShareCard, sortedContributionsCard, traceCard } from './plots';
import { verificationSection } from './verificationView';
import { GLOSSARY } from './glossary';
import { featureComparisonCard } from './featureComparison';
import { reportSnapshot } from './reportSnapshot';
import { post } from './vscodeApi';

export interface ExplanationViewOptions {
  state: ExplanationViewState;
  trace: ContributionTrace[] | null;
  width: number;
  onTrace: (index: number) => void;
  verification?: VerifyResult | null;
}

export function explanationView(options: ExplanationViewOptions): HTMLElement {
  const { state, trace, width } = options;
  const e = state.explanation;
  const root = el('div', { class: 'view explanation-view' });
  const where = e.split === 'input' ? 'input row' : `${e.split} row ${e.row}`;
  append(
    root,
    el(
      'header',
      { class: 'view-header' },
      el('h1', {}, 'Explanation of ', el('span', { class: 'source-title' }, `${e.file}:${e.line}`)),
      el(
        'p',
        { class: 'subtitle' },
        `Run “${state.runName}” · ${where} · backend ${e.backend}`,
        e.approximate ? ' · approximate (subsampled)' : '',
      ),
    ),
  );
  if (state.stale) {
    append(
      root,
      el(
        'div',
        { class: 'banner warning', role: 'status' },
        'The dataset changed since this run was trained: row numbers and links may point at different rows.',
      ),
    );
  }
  append(root, summarySection(state), actionsBar(state));
  const { supporters, opposers } = splitContributions(e.contributions);
  const tables = el(
    'div',
    { class: 'tables' },
    contributionTable({ kind: 'supporters', state, rows: supporters, onTrace: options.onTrace }),
    contributionTable({ kind: 'opposers', state, rows: opposers, onTrace: options.onTrace }),
  );
  if (e.rest) {
    append(
      tables,
      el('p', { class: 'hint rest' }, `Not listed: ${e.rest.count} more training examples contributing ${num(e.rest.sum)} in total.`),
    );
  }
  const selected = trace?.[0] ?? null;
  const plots = el(
    'section',
    { class: 'plots', 'aria-label': 'Charts' },
    el('h2', {}, 'Charts'),
    el(
      'div',
      { class: 'plot-grid' },
      sortedContributionsCard(e, width),
      cumulativeShareCard(e, width),
      byLabelCard(e, width),
      traceCard(e, selected, width),
      featureComparisonCard(state, width),
    ),
  );
  append(root, tables, plots, verificationSection(state, options.verification ?? null, width));
  return root;
}

function summarySection(state: ExplanationViewState): HTMLElement {
  const e = state.explanation;
  const section = el('section', { class: 'summary', 'aria-label': 'What was explained' });
  const facts = el(
    'dl',
    { class: 'facts' },
    el('dt', {}, 'True label'),
    el('dd', { class: 'true-label' }, e.label ?? '—'),
    el('dt', {}, 'Prediction'),
    el('dd', { class: 'prediction' }, predictionText(e.prediction)),
    el('dt', {}, 'Explained output'),
    el('dd', { class: 'explained-output' }, outputWords(e.output)),
    el('dt', {}, 'Units'),
    el('dd', { class: 'units' }, unitWords(e.output)),
  );
  append(section, el('div', { class: 'facts-and-row' }, facts, rowValues(state)), identity(state));
  return section;
}

function rowValues(state: ExplanationViewState): HTMLElement {
  const values = state.explanation.values ?? [];
  const box = el('div', { class: 'row-values' });
  if (state.image) {
    const pixels =
      state.explanation.pixels ??
      pixelValues(
        values.map((v) => v.value),
        state.image.width,
        state.image.height,
      );
    if (pixels) {
      append(
        box,
        el('h2', {}, 'The row'),
        el(
          'div',
          { class: 'row-image' },
          imageGrid(
            pixels,
            state.image.width,
            state.image.height,
            14,
            `Image of the explained row, ${state.image.width} by ${state.image.height} pixels`,
            state.image.channels ?? 1,
          ),
        ),
      );
      return box;
    }
  }
  if (values.length === 0) return box;
  append(
    box,
    el(
      'table',
      { class: 'data-table row-table' },
      el('caption', {}, 'The row'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Column'), el('th', { scope: 'col' }, 'Value'))),
      el('tbody', {}, ...values.map((v) => el('tr', {}, el('th', { scope: 'row' }, v.name), el('td', {}, v.value)))),
    ),
  );
  return box;
}

/** The identity, each number labelled, then the residual against the tolerance. */
function identity(state: ExplanationViewState): HTMLElement {
  const e = state.explanation;
  const shownSum = e.contributions.reduce((s, c) => s + c.contribution, 0);
  const sum = shownSum + (e.rest?.sum ?? 0);
  const count = e.contributions.length + (e.rest?.count ?? 0);
  // 4 significant digits shown, full precision on hover.
  const term = (cls: string, label: string, value: number, help: string | null = null): HTMLElement =>
    el(
      'div',
      { class: `term ${cls}`, title: help ? `${help} (${precise(value)})` : precise(value) },
      el('span', { class: 'term-value' }, num(value)),
      el('span', { class: 'term-label' }, label),
    );
  const op = (text: string): HTMLElement => el('span', { class: 'op', 'aria-hidden': 'true' }, text);
  const r = e.residual;
  const flagged = r.flagged;
  const residualText = `Residual ${signed(r.signed)} (relative ${num(r.rel, 3)}, tolerance ${num(r.tolerance, 3)})`;
  return el(
    'section',
    { class: 'identity', 'aria-label': 'Decomposition identity' },
    el('h2', {}, 'The decomposition'),
    el(
      'div',
      {
        class: 'equation',
        role: 'group',
        'aria-label': `bias ${num(e.bias)} plus sum of ${count} contributions ${num(sum)} equals kernel machine ${num(e.kernelMachine)}; network output ${num(e.network)}`,
      },
      term('bias', 'bias (untrained network)', e.bias),
      op('+'),
      term('sum', `Σ contributions (${count} training examples)`, sum, GLOSSARY.contribution),
      op('='),
      term('kernel-machine', 'kernel machine', e.kernelMachine, GLOSSARY.kernelMachine),
      op('vs'),
      term('network', 'network output', e.network),
    ),
    el(
      'p',
      { class: `residual ${flagged ? 'flagged' : 'ok'}`, role: flagged ? 'alert' : null, title: `Residual ${precise(r.signed)}` },
      flagged ? el('span', { class: 'badge' }, 'Residual above tolerance') : el('span', { class: 'badge ok' }, 'Exact within tolerance'),
      ' ',
      residualText,
      flagged ? '. The decomposition does not fully explain this output; try more quadrature nodes.' : '.',
    ),
    el(
      'details',
      { class: 'glossary' },
      el('summary', {}, 'What these words mean'),
      ...[GLOSSARY.kernelMachine, GLOSSARY.pathKernel, GLOSSARY.coefficient, GLOSSARY.contribution, GLOSSARY.otherClass].map((text) =>
        el('p', {}, text),
      ),
    ),
  );
}

function actionsBar(state: ExplanationViewState): HTMLElement {
  const bar = el('div', { class: 'actions-bar report-omit', role: 'toolbar', 'aria-label': 'Explanation actions' });
  const classes = state.classes ?? [];
  if (classes.length > 0) {
    const select = custom('vscode-single-select', { 'aria-label': 'Explained output', class: 'output-select' });
    const options: { key: string; text: string }[] = [{ key: 'default', text: 'Predicted class' }];
    for (const c of classes)
      options.push({ key: selectorKey({ kind: 'class', class: c }), text: classes.length === 2 ? `Log-odds of ${c}` : `Logit of ${c}` });
    if (classes.length > 2) options.push({ key: 'margin', text: 'Margin (predicted − runner-up)' });
    const current = selectorKey(state.output);
    for (const o of options) {
      select.appendChild(custom('vscode-option', { value: o.key, selected: o.key === current }, o.text));
    }
    select.addEventListener('change', () => {
      const value = (select as HTMLElement & { value: string }).value;
      if (value && value !== current) post({ type: 'switchOutput', output: selectorFromKey(value) });
    });
    append(bar, el('label', { class: 'select-label' }, 'Explain: '), select);
  }
  const copy = custom('vscode-button', { 'aria-label': 'Copy the explanation as JSON' }, 'Copy as JSON');
  copy.addEventListener('click', () => post({ type: 'copyJson' }));
  const csv = custom('vscode-button', { secondary: true, 'aria-label': 'Export the contributions as CSV' }, 'Export CSV');
  csv.addEventListener('click', () => post({ type: 'exportCsv' }));
  const report = custom(
    'vscode-button',
    { secondary: true, class: 'export-report', 'aria-label': 'Export this explanation as a standalone HTML report' },
    'Export HTML Report',
  );
  report.addEventListener('click', () => {
    const view = report.closest('.explanation-view');
    if (view) post({ type: 'exportReport', ...reportSnapshot(view) });
  });
  const pin = custom(
    'vscode-button',
    {
      secondary: true,
      class: 'pin',
      disabled: state.pinned === true,
      'aria-label': state.pinned ? 'This explanation is pinned' : 'Pin this explanation: the next one opens beside it',
    },
    state.pinned ? 'Pinned' : 'Pin',
  );
  pin.addEventListener('click', () => {
    if (!state.pinned) post({ type: 'pin' });
  });
  append(bar, copy, csv, report, pin);
  return bar;
}
