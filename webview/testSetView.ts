/**
 * The test set view (and the dataset view, which adds the training rows, their split and suspicion rank): every test row with label, prediction, correctness, explained output and residual,
 * as an accessible table sortable by any column (header buttons, `aria-sort`) and filterable by text and
 * by outcome. Rows are focusable; click or Enter asks the extension to explain that row.
 */
import type { TestSetRow, TestSetViewState } from '../src/protocol';
import { append, clear, custom, el, onActivate } from './dom';
import { num, percent, sourceText } from './format';
import { post } from './vscodeApi';
import { renderPager } from './pager';
import { imageGrid, thumbnailCellSize } from './imageGrid';
import { probabilityText } from '../src/shared/probabilityText';

type SortKey = 'split' | 'source' | 'label' | 'prediction' | 'probability' | 'correct' | 'output' | 'residualRel' | 'suspicion';
type Outcome = 'all' | 'correct' | 'incorrect' | 'flagged';

interface Column {
  key: SortKey;
  title: string;
  numeric: boolean;
  value: (r: TestSetRow) => string | number;
}

const PAGE_SIZE = 100;

export interface TestSetControls {
  sort: { key: SortKey; descending: boolean };
  filter: string;
  outcome: Outcome;
}

export function testSetView(state: TestSetViewState): HTMLElement {
  const regression = state.rows.every((r) => r.correct === null);
  const dataset = state.dataset === true;
  const columns: Column[] = [
    ...(dataset ? [{ key: 'split' as const, title: 'Split', numeric: false, value: (r: TestSetRow) => r.split ?? 'test' }] : []),
    { key: 'source', title: 'Source', numeric: false, value: (r) => r.line ?? r.file },
    { key: 'label', title: 'True label', numeric: regression, value: (r) => (regression ? Number(r.label) : r.label) },
    { key: 'prediction', title: 'Prediction', numeric: regression, value: (r) => (regression ? Number(r.prediction) : r.prediction) },
  ];
  if (!regression) {
    columns.push({ key: 'probability', title: 'Probability', numeric: true, value: (r) => r.probability ?? -1 });
    columns.push({ key: 'correct', title: 'Correct', numeric: false, value: (r) => (r.correct ? 1 : 0) });
  }
  columns.push({ key: 'output', title: regression ? 'Output (target units)' : 'Output (logits)', numeric: true, value: (r) => r.output });
  columns.push({ key: 'residualRel', title: 'Relative residual', numeric: true, value: (r) => r.residualRel });
  // Unranked rows (test rows, or a run not ranked yet) sort after every ranked one.
  if (dataset)
    columns.push({ key: 'suspicion', title: 'Suspicion rank', numeric: true, value: (r) => r.suspicion?.rank ?? Number.MAX_SAFE_INTEGER });

  const controls: TestSetControls = { sort: { key: 'source', descending: false }, filter: '', outcome: 'all' };
  let page = 0;
  const root = el('div', { class: 'view test-set-view' });
  const correct = state.rows.filter((r) => r.correct === true).length;
  const flagged = state.rows.filter((r) => r.flagged).length;
  append(
    root,
    el(
      'header',
      { class: 'view-header' },
      el('h1', {}, dataset ? 'Dataset of ' : 'Test set of ', el('span', {}, `“${state.runName}”`)),
      el(
        'p',
        { class: 'subtitle' },
        `${state.rows.length} rows`,
        regression ? '' : ` · accuracy ${percent(state.rows.length ? correct / state.rows.length : 0)}`,
        ` · ${flagged} with residual above tolerance`,
        dataset && !state.rows.some((r) => r.suspicion) ? ' · no suspicion ranks yet (Show Suspicious Rows ranks the training rows)' : '',
      ),
    ),
  );
  const filter = custom('vscode-textfield', {
    placeholder: 'Filter by file, line, label or prediction',
    'aria-label': dataset ? 'Filter rows' : 'Filter test rows',
    class: 'filter',
  });
  const outcome = custom('vscode-single-select', { 'aria-label': 'Show rows', class: 'outcome-select' });
  const outcomes: [Outcome, string][] = regression
    ? [
        ['all', 'All rows'],
        ['flagged', 'Residual flagged'],
      ]
    : [
        ['all', 'All rows'],
        ['correct', 'Correct'],
        ['incorrect', 'Incorrect'],
        ['flagged', 'Residual flagged'],
      ];
  for (const [value, text] of outcomes) outcome.appendChild(custom('vscode-option', { value, selected: value === 'all' }, text));
  const status = el('p', { class: 'hint', 'aria-live': 'polite' });
  append(root, el('div', { class: 'actions-bar', role: 'search' }, filter, outcome), status);
  const holder = el('div', { class: 'table-scroll' });
  const pager = el('div', { class: 'pager', role: 'navigation', 'aria-label': 'Test rows pages' });
  append(root, holder, pager);

  const render = (): void => {
    const rows = visibleRows(state.rows, columns, controls);
    const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
    page = Math.min(page, pages - 1);
    status.textContent = `${rows.length} of ${state.rows.length} rows shown. Click a row or press Enter on it to explain it.`;
    clear(holder);
    holder.appendChild(
      table(rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE), columns, controls, state.image ?? null, dataset, (key) => {
        controls.sort = { key, descending: controls.sort.key === key ? !controls.sort.descending : false };
        render();
        holder.querySelector<HTMLButtonElement>(`th button[data-key="${key}"]`)?.focus();
      }),
    );
    clear(pager);
    if (pages > 1) {
      renderPager(pager, {
        page,
        pages,
        label: `Page ${page + 1} of ${pages}`,
        onPage: (to) => {
          page = to;
          render();
        },
      });
    }
  };
  filter.addEventListener('input', () => {
    controls.filter = (filter as HTMLElement & { value: string }).value;
    page = 0;
    render();
  });
  outcome.addEventListener('change', () => {
    controls.outcome = (outcome as HTMLElement & { value: string }).value as Outcome;
    page = 0;
    render();
  });
  render();
  return root;
}

export function visibleRows(rows: readonly TestSetRow[], columns: readonly Column[], controls: TestSetControls): TestSetRow[] {
  const needle = controls.filter.trim().toLowerCase();
  const column = columns.find((c) => c.key === controls.sort.key) ?? columns[0];
  const out = rows.filter((r) => {
    if (controls.outcome === 'correct' && r.correct !== true) return false;
    if (controls.outcome === 'incorrect' && r.correct !== false) return false;
    if (controls.outcome === 'flagged' && !r.flagged) return false;
    if (!needle) return true;
    return [sourceText(r.file, r.line), r.label, r.prediction].some((t) => t.toLowerCase().includes(needle));
  });
  const sign = controls.sort.descending ? -1 : 1;
  out.sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true });
    return sign * order || a.row - b.row;
  });
  return out;
}

function table(
  rows: TestSetRow[],
  columns: Column[],
  controls: TestSetControls,
  image: TestSetViewState['image'],
  dataset: boolean,
  onSort: (key: SortKey) => void,
): HTMLTableElement {
  const head = el(
    'tr',
    {},
    ...columns.map((c) => {
      const active = controls.sort.key === c.key;
      const button = el(
        'button',
        { type: 'button', class: 'sort-button', 'data-key': c.key, 'aria-label': `Sort by ${c.title}` },
        c.title,
        el('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (controls.sort.descending ? ' ▼' : ' ▲') : ''),
      );
      button.addEventListener('click', () => onSort(c.key));
      return el(
        'th',
        {
          scope: 'col',
          class: c.numeric ? 'num' : null,
          'aria-sort': active ? (controls.sort.descending ? 'descending' : 'ascending') : 'none',
        },
        button,
      );
    }),
  );
  const body = el('tbody');
  for (const r of rows) {
    const source = sourceText(r.file, r.line);
    // One tab stop for the whole table (roving focus): the arrow keys move between rows.
    const tr = el('tr', {
      tabindex: body.childElementCount === 0 ? 0 : -1,
      class: `clickable${r.flagged ? ' flagged' : ''}${r.correct === false ? ' incorrect' : ''}`,
      'data-row': r.row,
      'data-split': r.split ?? 'test',
      'aria-label': `Explain ${r.split ?? 'test'} row ${source}`,
    });
    for (const c of columns) {
      // An image row's source cell leads with its thumbnail.
      const thumbnail =
        c.key === 'source' && image && r.pixels
          ? imageGrid(
              r.pixels,
              image.width,
              image.height,
              thumbnailCellSize(image.width, image.height),
              `Image of test row ${source}`,
              image.channels ?? 1,
            )
          : null;
      tr.appendChild(
        el(
          'td',
          { class: c.numeric ? 'num' : thumbnail ? 'source thumb' : c.key === 'correct' ? 'outcome' : null },
          ...(thumbnail ? [thumbnail, ' '] : []),
          cellText(r, c.key),
        ),
      );
    }
    onActivate(tr, () => post({ type: 'explainRow', split: r.split ?? 'test', row: r.row }));
    body.appendChild(tr);
  }
  body.addEventListener('keydown', (event) => {
    const rowsShown = [...body.querySelectorAll<HTMLTableRowElement>('tr')];
    const at = rowsShown.indexOf(document.activeElement as HTMLTableRowElement);
    if (at < 0) return;
    const to =
      event.key === 'ArrowDown'
        ? at + 1
        : event.key === 'ArrowUp'
          ? at - 1
          : event.key === 'Home'
            ? 0
            : event.key === 'End'
              ? rowsShown.length - 1
              : null;
    if (to === null || to < 0 || to >= rowsShown.length) return;
    event.preventDefault();
    rowsShown[at].tabIndex = -1;
    rowsShown[to].tabIndex = 0;
    rowsShown[to].focus();
  });
  return el(
    'table',
    { class: 'data-table test-set', 'aria-label': dataset ? 'Training and test rows' : 'Test rows' },
    el('thead', {}, head),
    body,
  );
}

function cellText(r: TestSetRow, key: SortKey): string {
  switch (key) {
    case 'source':
      return sourceText(r.file, r.line);
    case 'label':
      return r.label;
    case 'prediction':
      return r.prediction;
    case 'probability':
      return r.probability === null ? '—' : probabilityText(r.probability);
    case 'correct':
      return r.correct === null ? '—' : r.correct ? '✓ yes' : '✗ wrong';
    case 'output':
      return num(r.output);
    case 'residualRel':
      return r.flagged ? `${num(r.residualRel, 3)} ⚠ flagged` : num(r.residualRel, 3);
    case 'split':
      return r.split ?? 'test';
    case 'suspicion':
      return r.suspicion ? `${r.suspicion.rank}${r.suspicion.suggested ? ` · the rest says ${r.suspicion.suggested}` : ''}` : '—';
  }
}
