/**
 * The supporters (positive contributions) or opposers (negative) as a paged table: rank, source link,
 * label, contribution, path kernel, coefficient, feature values or a thumbnail, and row actions.
 * Only one page is in the DOM, so thousands of rows stay cheap.
 */
import type { Contribution, ExplanationViewState } from '../src/protocol';
import { actionLink, append, clear, custom, el } from './dom';
import { num, precise, signed, sourceText, unitShort } from './format';
import { imageGrid, pixelValues, thumbnailCellSize } from './imageGrid';
import { post } from './vscodeApi';
import { renderPager } from './pager';
import { GLOSSARY } from './glossary';

/** Hover help of the columns whose names are terms. */
const HEADER_HELP: Record<string, string> = {
  Contribution: GLOSSARY.contribution,
  'Path kernel': GLOSSARY.pathKernel,
  Coefficient: GLOSSARY.coefficient,
};

/** Rows per page: enough to read the top of the list without pushing the charts far down. */
export const PAGE_SIZE = 10;
/** Up to this many feature columns get one column each; wider rows are shown as one compact cell. */
const MAX_FEATURE_COLUMNS = 8;

export interface ContributionTableOptions {
  kind: 'supporters' | 'opposers';
  state: ExplanationViewState;
  rows: Contribution[];
  onTrace: (index: number) => void;
}

export function splitContributions(contributions: readonly Contribution[]): { supporters: Contribution[]; opposers: Contribution[] } {
  return {
    supporters: contributions.filter((c) => c.contribution > 0).sort((a, b) => b.contribution - a.contribution),
    opposers: contributions.filter((c) => c.contribution < 0).sort((a, b) => a.contribution - b.contribution),
  };
}

export function contributionTable(options: ContributionTableOptions): HTMLElement {
  const { kind, state, rows, onTrace } = options;
  const section = el('section', { class: `contribution-section ${kind}`, 'aria-labelledby': `${kind}-title` });
  const title = kind === 'supporters' ? 'Supporters' : 'Opposers';
  const what = kind === 'supporters' ? 'pushed the explained output up' : 'pushed the explained output down';
  append(
    section,
    el('h2', { id: `${kind}-title` }, `${title} `, el('span', { class: 'count' }, `(${rows.length})`)),
    el('p', { class: 'hint' }, `Training examples that ${what}, strongest first. Contributions in ${unitShort(state.explanation.output)}.`),
  );
  if (rows.length === 0) {
    append(section, el('p', { class: 'empty' }, `No ${kind} among the listed examples.`));
    return section;
  }
  const holder = el('div', { class: 'table-scroll' });
  const pager = el('div', { class: 'pager', role: 'navigation', 'aria-label': `${title} pages` });
  append(section, holder, pager);
  let page = 0;
  const pages = Math.ceil(rows.length / PAGE_SIZE);
  const render = (): void => {
    clear(holder);
    holder.appendChild(pageTable(state, rows, page, kind, onTrace));
    clear(pager);
    if (pages <= 1) return;
    const first = page * PAGE_SIZE + 1;
    const last = Math.min(rows.length, (page + 1) * PAGE_SIZE);
    renderPager(pager, {
      page,
      pages,
      what: kind,
      label: `${first}–${last} of ${rows.length}`,
      liveLabel: true,
      onPage: (to) => {
        page = to;
        render();
      },
    });
  };
  render();
  return section;
}

/**
 * The explained row itself, first in every page, so each supporter's values sit under the row's own: its label and
 * its values (or its image) in the same columns, the numbers that only training examples have left empty.
 */
function explainedRow(state: ExplanationViewState, columns: number, featureColumns: boolean): HTMLTableRowElement {
  const e = state.explanation;
  const own = explainedValues(state);
  const tr = el(
    'tr',
    { class: 'explained-row' },
    el('td', {}),
    el('th', { scope: 'row', class: 'source' }, 'This row'),
    el('td', {}, e.label ?? '—'),
    el('td', {}),
    el('td', {}),
    el('td', {}),
  );
  const { image, header } = state;
  if (image) {
    const pixels =
      e.pixels ??
      pixelValues(
        (e.values ?? []).map((v) => v.value),
        image.width,
        image.height,
      );
    tr.appendChild(
      el(
        'td',
        { class: 'thumb' },
        pixels
          ? imageGrid(
              pixels,
              image.width,
              image.height,
              thumbnailCellSize(image.width, image.height),
              'Image of the explained row',
              image.channels ?? 1,
            )
          : '—',
      ),
    );
  } else if (featureColumns) own.forEach((v) => tr.appendChild(el('td', { class: 'value' }, v ?? '—')));
  else {
    const text = header.map((h, j) => `${h}=${own[j] ?? '—'}`).join(', ');
    tr.appendChild(el('td', { class: 'values', title: text }, text));
  }
  while (tr.children.length < columns) tr.appendChild(el('td', { class: 'actions report-omit' }));
  return tr;
}

/** The explained row's value of each header column, in the header's order (undefined where it has none). */
export function explainedValues(state: ExplanationViewState): (string | undefined)[] {
  const byName = new Map((state.explanation.values ?? []).map((v) => [v.name, v.value]));
  return state.header.map((h) => byName.get(h));
}

function pageTable(
  state: ExplanationViewState,
  rows: Contribution[],
  page: number,
  kind: string,
  onTrace: (index: number) => void,
): HTMLTableElement {
  const { header, image } = state;
  const featureColumns = !image && header.length > 0 && header.length <= MAX_FEATURE_COLUMNS;
  const headers = ['Rank', 'Source', 'Label', 'Contribution', 'Path kernel', 'Coefficient'];
  if (image) headers.push('Image');
  else if (featureColumns) headers.push(...header);
  else headers.push('Values');
  headers.push('Actions');
  const numericFrom = 3;
  const table = el('table', { class: 'data-table contributions', 'aria-label': `${kind}, page ${page + 1}` });
  append(
    table,
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        ...headers.map((h, i) =>
          el(
            'th',
            {
              scope: 'col',
              class: h === 'Actions' ? 'actions report-omit' : i === 0 || (i >= numericFrom && i < 6) ? 'num' : null,
              title: HEADER_HELP[h] ?? null,
            },
            h,
          ),
        ),
      ),
    ),
  );
  const body = el('tbody');
  body.appendChild(explainedRow(state, headers.length, featureColumns));
  const start = page * PAGE_SIZE;
  rows.slice(start, start + PAGE_SIZE).forEach((c, i) => {
    const rank = start + i + 1;
    const source = sourceText(c.file, c.line);
    const sourceCell = state.stale
      ? el(
          'span',
          { class: 'stale-source', title: 'The dataset changed since training: this line may now hold a different row.' },
          source,
          ' (stale)',
        )
      : actionLink(source, `Open ${source}`, () => post({ type: 'openRow', file: c.file, line: c.line }));
    const values = state.trainingValues[c.index] ?? null;
    const tr = el(
      'tr',
      { 'data-index': c.index },
      el('td', { class: 'num' }, rank),
      el('td', { class: 'source' }, sourceCell),
      el('td', {}, c.label),
      el('td', { class: `num ${c.contribution >= 0 ? 'pos' : 'neg'}`, title: precise(c.contribution) }, signed(c.contribution)),
      el('td', { class: 'num', title: precise(c.kernel) }, num(c.kernel)),
      el('td', { class: 'num', title: precise(c.coefficient) }, num(c.coefficient)),
    );
    if (image) {
      const pixels = c.pixels ?? (values ? pixelValues(values, image.width, image.height) : null);
      const thumbnail = pixels
        ? imageGrid(
            pixels,
            image.width,
            image.height,
            thumbnailCellSize(image.width, image.height),
            `Image of training example ${source}`,
            image.channels ?? 1,
          )
        : '—';
      tr.appendChild(el('td', { class: 'thumb' }, thumbnail));
    } else if (featureColumns) {
      header.forEach((_, j) => tr.appendChild(el('td', { class: 'value' }, values?.[j] ?? '—')));
    } else {
      const text = values ? values.map((v, j) => `${header[j] ?? j}=${v}`).join(', ') : '—';
      tr.appendChild(el('td', { class: 'values', title: text }, text));
    }
    const explain = custom('vscode-button', { secondary: true, 'aria-label': `Explain training example ${source}` }, 'Explain');
    explain.addEventListener('click', () => post({ type: 'explainTraining', index: c.index }));
    const trace = custom('vscode-button', { secondary: true, 'aria-label': `Trace the contribution of ${source} over training` }, 'Trace');
    trace.addEventListener('click', () => onTrace(c.index));
    tr.appendChild(el('td', { class: 'actions report-omit' }, explain, trace));
    body.appendChild(tr);
  });
  table.appendChild(body);
  return table;
}
