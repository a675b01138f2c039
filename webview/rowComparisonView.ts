/**
 * Compare Runs: one row explained under two runs, side by side (their predictions and identities), then the
 * training rows whose contributions changed most between them. Dataset text and run titles are set as text only.
 */
import type { CompareRunsViewState, ComparedExplanation, RowComparison } from '../src/protocol';
import { append, custom, el } from './dom';
import { num, outputWords, precise, predictionText, signed } from './format';
import { post } from './vscodeApi';
import { COMPARED_PER_SIDE } from '../src/protocol/limits';

function runCard(run: ComparedExplanation, name: string): HTMLElement {
  return el(
    'div',
    { class: 'compared-run', role: 'group', 'aria-label': `${name}: ${run.title}` },
    el('h3', {}, `${name}: `, el('span', {}, run.title)),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'Row there'),
      el('dd', {}, `${run.split} row ${run.row}`),
      el('dt', {}, 'Prediction'),
      el('dd', {}, predictionText(run.prediction)),
      el('dt', {}, 'Network output'),
      el('dd', { title: precise(run.network) }, num(run.network)),
      el('dt', {}, 'Bias (untrained network)'),
      el('dd', { title: precise(run.bias) }, num(run.bias)),
      el('dt', {}, 'Relative residual'),
      el('dd', {}, num(run.residualRel, 2)),
    ),
  );
}

export function rowComparisonView(comparison: RowComparison): HTMLElement {
  const [a, b] = comparison.runs;
  const cell = (v: number | null): string => (v === null ? 'not trained on' : signed(v));
  const rank = (r: number | null): string => (r === null ? '—' : String(r));
  const rows = comparison.changes.map((c) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row', class: 'source' }, c.source),
      el('td', {}, c.label),
      el('td', { class: 'num', title: precise(c.a) }, cell(c.a)),
      el('td', { class: 'num' }, rank(c.rankA)),
      el('td', { class: 'num', title: precise(c.b) }, cell(c.b)),
      el('td', { class: 'num' }, rank(c.rankB)),
      el('td', { class: 'num' }, c.a === null || c.b === null ? '—' : signed(c.b - c.a)),
    ),
  );
  return el(
    'div',
    { class: 'row-comparison' },
    el(
      'p',
      { class: 'row-compared' },
      'Row ',
      el('strong', {}, comparison.row.source),
      comparison.row.label === null ? '' : ` (label ${comparison.row.label})`,
      ` · both explain the ${outputWords(comparison.output)}.`,
    ),
    el('div', { class: 'compared-runs' }, runCard(a, 'A'), runCard(b, 'B')),
    a.split === b.split
      ? null
      : el(
          'p',
          { class: 'hint' },
          `The row is a ${a.split === 'train' ? 'training' : 'test'} row of A and a ${b.split === 'train' ? 'training' : 'test'} row of B (their seeds split the data differently): where it is a training row it also contributes to its own prediction.`,
        ),
    el(
      'div',
      { class: 'table-scroll' },
      el(
        'table',
        { class: 'data-table contribution-changes' },
        el(
          'caption',
          {},
          `Training rows among either run's ${COMPARED_PER_SIDE} strongest supporters and opposers, the largest change first`,
        ),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Training row', 'Label', 'Contribution in A', 'Rank in A', 'Contribution in B', 'Rank in B', 'Change (B − A)'].map((h, i) =>
              el('th', { scope: 'col', class: i >= 2 ? 'num' : null }, h),
            ),
          ),
        ),
        el('tbody', {}, ...rows),
      ),
    ),
  );
}

/** The section of the compare-runs view: two run pickers, the action, and the last comparison. */
export function rowComparisonSection(state: CompareRunsViewState): HTMLElement {
  const section = el(
    'section',
    { class: 'row-comparison-section', 'aria-labelledby': 'row-comparison-title' },
    el('h2', { id: 'row-comparison-title' }, 'A row under two runs'),
    el(
      'p',
      { class: 'hint' },
      'Explain one row under two runs: the same output under both, side by side, and the training rows whose contributions changed most.',
    ),
  );
  const complete = state.runs.filter((r) => r.status === 'complete');
  if (complete.length < 2) {
    append(section, el('p', { class: 'empty' }, 'Needs two complete runs: train the experiment again with another setting or seed.'));
    return section;
  }
  const chosen = state.rowComparison?.runs.map((r) => r.runDir) ?? [complete[0].runDir, complete[1].runDir];
  const picker = (label: string, selected: string): HTMLElement => {
    const select = custom('vscode-single-select', { 'aria-label': label, class: 'run-select' });
    for (const run of complete)
      select.appendChild(custom('vscode-option', { value: run.runDir, selected: run.runDir === selected }, run.title));
    return select;
  };
  const first = picker('Run A', chosen[0]);
  const second = picker('Run B', chosen[1]);
  const go = custom('vscode-button', { class: 'compare-row' }, 'Explain a Row under Both…');
  const value = (select: HTMLElement): string => (select as HTMLElement & { value: string }).value;
  go.addEventListener('click', () => post({ type: 'compareRow', runDirs: [value(first), value(second)] }));
  append(
    section,
    el(
      'div',
      { class: 'actions-bar', role: 'toolbar', 'aria-label': 'Explain a row under two runs' },
      el('label', { class: 'select-label' }, 'A: '),
      first,
      el('label', { class: 'select-label' }, 'B: '),
      second,
      go,
    ),
  );
  if (state.rowComparison) append(section, rowComparisonView(state.rowComparison));
  return section;
}
