/**
 * The test confusion matrix of a classification run's last epoch: a table of counts, true class by row and
 * predicted class by column, each cell shaded by its share of the row (the diagonal in the positive colour, errors in the negative one: the
 * theme's blue and orange) and described in words for screen readers. Class names are dataset text: set as text only.
 */
import { el } from './dom';

/** Shade steps the stylesheet defines (the CSP allows no inline styles, so shading is by class). */
const SHADES = 5;

export interface ConfusionMatrixInput {
  classes: string[];
  /** counts[true class][predicted class]. */
  counts: number[][];
  epoch: number;
}

/** The shade class of a count that is `share` of its row: 0 for none, 1..SHADES by steps of the share. */
export function shadeOf(share: number): number {
  if (!(share > 0)) return 0;
  return Math.min(SHADES, Math.max(1, Math.ceil(share * SHADES)));
}

/** The most frequent confusions (true ≠ predicted), largest first, in words. */
export function topConfusions(input: ConfusionMatrixInput, count = 3): string[] {
  const cells: { from: number; to: number; n: number }[] = [];
  input.counts.forEach((row, from) => row.forEach((n, to) => (from !== to && n > 0 ? cells.push({ from, to, n }) : undefined)));
  cells.sort((a, b) => b.n - a.n || a.from - b.from || a.to - b.to);
  return cells.slice(0, count).map(({ from, to, n }) => `${n} ${input.classes[from]} taken for ${input.classes[to]}`);
}

export function confusionMatrix(input: ConfusionMatrixInput): HTMLElement {
  const { classes, counts } = input;
  const total = counts.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  const correct = counts.reduce((s, row, k) => s + (row[k] ?? 0), 0);
  const worst = topConfusions(input);
  const header = el(
    'tr',
    {},
    el('th', { scope: 'col', class: 'corner' }, el('span', { class: 'axis-name' }, 'true ↓ / predicted →')),
    ...classes.map((name) => el('th', { scope: 'col', class: 'num', title: name }, name)),
    el('th', { scope: 'col', class: 'num' }, 'recall'),
  );
  const body = counts.map((row, t) => {
    const rowTotal = row.reduce((a, b) => a + b, 0);
    return el(
      'tr',
      {},
      el('th', { scope: 'row', title: classes[t] }, classes[t]),
      ...row.map((n, p) => {
        const share = rowTotal > 0 ? n / rowTotal : 0;
        const kind = t === p ? 'hit' : 'miss';
        return el(
          'td',
          {
            class: `num cm-${kind} cm-shade-${shadeOf(share)}`,
            title: `${n} of ${rowTotal} test rows labelled ${classes[t]} predicted ${classes[p]}`,
          },
          n,
        );
      }),
      el('td', { class: 'num recall' }, rowTotal > 0 ? `${Math.round((100 * row[t]) / rowTotal)}%` : '—'),
    );
  });
  return el(
    'section',
    { class: 'plot-card confusion-card', id: 'confusion-matrix', 'aria-labelledby': 'confusion-title' },
    el('h3', { id: 'confusion-title' }, 'Test confusion matrix'),
    el(
      'p',
      { class: 'hint' },
      `After epoch ${input.epoch}: ${correct} of ${total} test rows on the diagonal.`,
      worst.length > 0 ? ` Most confused: ${worst.join('; ')}.` : ' No test row is misclassified.',
    ),
    el(
      'div',
      { class: 'table-scroll confusion-scroll' },
      el(
        'table',
        { class: 'data-table confusion' },
        el('caption', {}, 'Test rows by true class (rows) and predicted class (columns)'),
        el('thead', {}, header),
        el('tbody', {}, ...body),
      ),
    ),
  );
}
