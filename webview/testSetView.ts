/**
 * The test set view (and the dataset view, which adds the training rows, their split and suspicion rank): every test row with label, prediction, correctness, explained output and residual,
 * as an accessible table sortable by any column (header buttons, `aria-sort`) and filterable by text and
 * by outcome. Rows are focusable; click or Enter asks the extension to explain that row. Thousands of rows are
 * virtualized: only those in view (and a margin) are in the page, between two spacer rows, and the arrow keys move
 * the one tab stop through all of them.
 */
import type { TestSetRow, TestSetViewState } from '../src/protocol';
import { append, clear, custom, el, onActivate } from './dom';
import { num, percent, precise, sourceText } from './format';
import { post, recall, remember } from './vscodeApi';
import { imageGrid, thumbnailCellSize } from './imageGrid';
import { probabilityText } from '../src/shared/probabilityText';

type SortKey = 'split' | 'source' | 'label' | 'prediction' | 'probability' | 'correct' | 'output' | 'residualRel' | 'suspicion';
const OUTCOMES = ['all', 'correct', 'incorrect', 'flagged'] as const;
type Outcome = (typeof OUTCOMES)[number];

interface Column {
  key: SortKey;
  title: string;
  numeric: boolean;
  value: (r: TestSetRow) => string | number;
}

/** From this many rows on, only the rows in view are rendered. */
export const VIRTUAL_FROM = 200;
/** Rows rendered above and below the ones in view. */
const OVERSCAN = 15;

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
  // Sort, filter, outcome and scroll come back when the panel is shown again (VS Code reloads a hidden webview).
  const memoryKey = `testSet:${dataset ? 'dataset' : 'test'}:${state.runName}`;
  const kept = keptControls(recall(memoryKey), columns);
  if (kept) Object.assign(controls, { sort: kept.sort, filter: kept.filter, outcome: kept.outcome });
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
    value: controls.filter,
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
  for (const [value, text] of outcomes) outcome.appendChild(custom('vscode-option', { value, selected: value === controls.outcome }, text));
  const status = el('p', { class: 'hint', 'aria-live': 'polite' });
  append(root, el('div', { class: 'actions-bar', role: 'search' }, filter, outcome), status);
  const holder = el('div', { class: 'table-scroll test-set-scroll' });
  append(root, holder);

  let rows: TestSetRow[] = [];
  let body: HTMLTableSectionElement | null = null;
  // The row holding the tab stop, as a position in `rows`; rows are `rowHeight` pixels tall once measured.
  let focusPos = 0;
  let rowHeight = 0;
  let restoreScroll = kept?.scrollTop ?? 0;
  const virtual = (): boolean => rows.length >= VIRTUAL_FROM;
  const ASSUMED_HEIGHT = 32;
  const renderRows = (): void => {
    if (!body) return;
    let from = 0;
    let to = rows.length;
    const nodes: HTMLTableRowElement[] = [];
    const height = rowHeight || ASSUMED_HEIGHT;
    if (virtual()) {
      const span = Math.ceil((holder.clientHeight || 600) / height) + 2 * OVERSCAN;
      from = Math.max(0, Math.min(rows.length - span, Math.floor(holder.scrollTop / height) - OVERSCAN));
      to = Math.min(rows.length, from + span);
      nodes.push(spacer(from * height, columns.length));
    }
    // The tab stop stays on a rendered row: the focused one while in the window, else the nearest edge of it.
    const tabPos = Math.max(from, Math.min(to - 1, focusPos));
    for (let pos = from; pos < to; pos++) nodes.push(rowElement(rows[pos], pos, columns, state.image ?? null, pos === tabPos));
    if (virtual()) nodes.push(spacer((rows.length - to) * height, columns.length));
    // In one step, so the scroll area never collapses (which would reset its scroll position) in between.
    body.replaceChildren(...nodes);
    // The row height is measured from a rendered row once the view is in the page, and the window drawn again.
    const measured = body.querySelector<HTMLTableRowElement>('tr[data-row]')?.getBoundingClientRect().height ?? 0;
    if (virtual() && rowHeight === 0 && measured > 0) {
      // A reloaded view goes back to where it was scrolled; otherwise the position is kept in rows.
      holder.scrollTop = restoreScroll > 0 ? restoreScroll : (holder.scrollTop / ASSUMED_HEIGHT) * measured;
      restoreScroll = 0;
      rowHeight = measured;
      renderRows();
    }
  };
  const keep = (): void => remember(memoryKey, { ...controls, scrollTop: holder.scrollTop });
  const render = (): void => {
    rows = visibleRows(state.rows, columns, controls);
    focusPos = Math.min(focusPos, Math.max(0, rows.length - 1));
    status.textContent = `${rows.length} of ${state.rows.length} rows shown. Click a row or press Enter on it to explain it.`;
    clear(holder);
    const shell = tableShell(columns, controls, dataset, rows.length, (key) => {
      controls.sort = { key, descending: controls.sort.key === key ? !controls.sort.descending : false };
      focusPos = 0;
      render();
      keep();
      holder.querySelector<HTMLButtonElement>(`th button[data-key="${key}"]`)?.focus();
    });
    body = shell.body;
    // A click or Tab into a row moves the one tab stop there.
    body.addEventListener('focusin', (event) => {
      const row = (event.target as HTMLElement).closest<HTMLTableRowElement>('tr[data-pos]');
      if (!row || !body) return;
      focusPos = Number(row.dataset.pos);
      for (const other of Array.from(body.querySelectorAll<HTMLTableRowElement>('tr[tabindex="0"]')))
        if (other !== row) other.tabIndex = -1;
      row.tabIndex = 0;
    });
    body.addEventListener('keydown', (event) => {
      const at = Number((document.activeElement as HTMLElement | null)?.dataset.pos ?? NaN);
      if (!Number.isInteger(at)) return;
      const page = Math.max(1, Math.floor((holder.clientHeight || 600) / (rowHeight || ASSUMED_HEIGHT)) - 1);
      const steps: Record<string, number> = {
        ArrowDown: at + 1,
        ArrowUp: at - 1,
        PageDown: at + page,
        PageUp: at - page,
        Home: 0,
        End: rows.length - 1,
      };
      if (!(event.key in steps)) return;
      event.preventDefault();
      focusPos = Math.max(0, Math.min(rows.length - 1, steps[event.key]));
      if (virtual()) scrollToRow(holder, focusPos, rowHeight || ASSUMED_HEIGHT);
      renderRows();
      body?.querySelector<HTMLElement>(`tr[data-pos="${focusPos}"]`)?.focus();
    });
    holder.appendChild(shell.table);
    renderRows();
    // Rendered before the view is in the page, the rows had no height yet: measure them once it is.
    if (virtual() && rowHeight === 0) requestAnimationFrame(renderRows);
  };
  let scheduled = false;
  holder.addEventListener('scroll', () => {
    if (!virtual() || scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      keep();
      // The focused row is rendered again if still in the window; scrolled out, the focus moves to the tab stop's row
      // (the keys keep working), and the view stays where the user scrolled.
      const hadFocus = body?.contains(document.activeElement) === true;
      const focused = (document.activeElement as HTMLElement | null)?.dataset.pos;
      renderRows();
      if (!hadFocus) return;
      const again = body?.querySelector<HTMLElement>(`tr[data-pos="${focused}"]`) ?? body?.querySelector<HTMLElement>('tr[tabindex="0"]');
      again?.focus({ preventScroll: true });
    });
  });
  filter.addEventListener('input', () => {
    controls.filter = (filter as HTMLElement & { value: string }).value;
    focusPos = 0;
    render();
    keep();
  });
  outcome.addEventListener('change', () => {
    controls.outcome = (outcome as HTMLElement & { value: string }).value as Outcome;
    focusPos = 0;
    render();
    keep();
  });
  render();
  // A short table goes back to where it was scrolled once it is in the page (a long one when its rows are measured).
  if (!virtual() && restoreScroll > 0) requestAnimationFrame(() => (holder.scrollTop = restoreScroll));
  return root;
}

/** Controls a reloaded view remembered, if they have the right shape and name a column this view has. */
function keptControls(value: unknown, columns: readonly Column[]): (TestSetControls & { scrollTop: number }) | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Partial<TestSetControls & { scrollTop: unknown }>;
  const sort = v.sort;
  if (!sort || !columns.some((c) => c.key === sort.key) || typeof sort.descending !== 'boolean') return null;
  if (typeof v.filter !== 'string' || !(OUTCOMES as readonly string[]).includes(String(v.outcome))) return null;
  const scrollTop = typeof v.scrollTop === 'number' && Number.isFinite(v.scrollTop) ? v.scrollTop : 0;
  return { sort: { key: sort.key, descending: sort.descending }, filter: v.filter, outcome: v.outcome as Outcome, scrollTop };
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

/** Keeps row `pos` in view, scrolled as little as needed (the sticky header covers one row's height). */
function scrollToRow(holder: HTMLElement, pos: number, rowHeight: number): void {
  const top = pos * rowHeight;
  const header = rowHeight;
  if (top < holder.scrollTop) holder.scrollTop = top;
  else if (top + rowHeight + header > holder.scrollTop + holder.clientHeight)
    holder.scrollTop = top + rowHeight + header - holder.clientHeight;
}

/** An empty row standing for rows not rendered, so the scroll bar reflects every row. */
function spacer(height: number, span: number): HTMLTableRowElement {
  const row = el('tr', { class: 'spacer', 'aria-hidden': 'true' }, el('td', { colspan: span }));
  // Through the CSSOM: the webview's CSP refuses style attributes.
  row.style.height = `${height}px`;
  return row;
}

function tableShell(
  columns: Column[],
  controls: TestSetControls,
  dataset: boolean,
  rowCount: number,
  onSort: (key: SortKey) => void,
): { table: HTMLTableElement; body: HTMLTableSectionElement } {
  const head = el(
    'tr',
    { 'aria-rowindex': 1 },
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
  const table = el(
    'table',
    // aria-rowcount: screen readers count every row, rendered or not.
    { class: 'data-table test-set', 'aria-label': dataset ? 'Training and test rows' : 'Test rows', 'aria-rowcount': rowCount + 1 },
    el('thead', {}, head),
    body,
  );
  return { table, body };
}

/** One row, `pos` in the shown order; `tabbable`: it holds the table's one tab stop. */
function rowElement(
  r: TestSetRow,
  pos: number,
  columns: Column[],
  image: TestSetViewState['image'],
  tabbable: boolean,
): HTMLTableRowElement {
  const source = sourceText(r.file, r.line);
  const tr = el('tr', {
    tabindex: tabbable ? 0 : -1,
    class: `clickable${r.flagged ? ' flagged' : ''}${r.correct === false ? ' incorrect' : ''}`,
    'data-row': r.row,
    'data-split': r.split ?? 'test',
    'data-pos': pos,
    'aria-rowindex': pos + 2,
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
            `Image of row ${source}`,
            image.channels ?? 1,
          )
        : null;
    tr.appendChild(
      el(
        'td',
        {
          class: c.numeric ? 'num' : thumbnail ? 'source thumb' : c.key === 'correct' ? 'outcome' : null,
          // Full precision on hover; the cell shows 4 significant digits.
          title: preciseOf(r, c.key),
        },
        ...(thumbnail ? [thumbnail, ' '] : []),
        cellText(r, c.key),
      ),
    );
  }
  onActivate(tr, () => post({ type: 'explainRow', split: r.split ?? 'test', row: r.row }));
  return tr;
}

function preciseOf(r: TestSetRow, key: SortKey): string | null {
  if (key === 'output') return precise(r.output);
  if (key === 'residualRel') return precise(r.residualRel);
  if (key === 'probability' && r.probability !== null) return precise(r.probability);
  return null;
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
