/**
 * "Verify by retraining…" in the explanation view: the k input and button, then for the supporters removal
 * and each random draw the removed contribution sum next to the actual change of the explained output, a
 * plain-words reading, a chart and its table alternative.
 */
import * as Plot from '@observablehq/plot';
import type { ExplanationViewState, VerifyRemoval, VerifyResult } from '../src/protocol';
import { LIMITS } from '../src/protocol/limits';
import { append, custom, el } from './dom';
import { num, outputWords, signed, unitShort } from './format';
import { dataTable, plotCard, renderPlot } from './plotFrame';
import { post } from './vscodeApi';

export const DEFAULT_K = LIMITS.verifyK.default;
const MAX_K = LIMITS.verifyK.max;

interface Row {
  name: string;
  removal: VerifyRemoval;
}

function rowsOf(result: VerifyResult): Row[] {
  const n = result.supporters.rows.length;
  return [
    { name: `top ${n} supporters`, removal: result.supporters },
    ...result.random.map((r, i) => ({ name: `${r.rows.length} random rows #${i + 1}`, removal: r })),
  ];
}

export function verificationSection(state: ExplanationViewState, result: VerifyResult | null, width: number): HTMLElement {
  const section = el(
    'section',
    { class: 'verification', 'aria-labelledby': 'verification-title' },
    el('h2', { id: 'verification-title' }, 'Check by retraining'),
  );
  append(
    section,
    el(
      'p',
      { class: 'hint' },
      `Retrains the experiment (same seed, epochs, batch order and preprocessing) without the k strongest supporters, and without k random rows (${LIMITS.verifyRandomDraws.default} draws, different for every row), then compares how the explained output moved.`,
    ),
    el(
      'p',
      { class: 'hint' },
      'What to expect: the contributions are exact for the training that happened. Without some rows, training takes another path, and the contributions predict that retraining only in part: over retrainings on random halves of the data they rank the retrained outputs with a Spearman correlation of between about 0.3 and 0.6 in our measurements (the command kernel-lens lds measures it for a run), like TRAK and TracIn, and well below methods that replay each removal (MAGIC, about 0.98).',
    ),
  );
  if (state.query.split === 'input') {
    append(section, el('p', { class: 'empty' }, 'Rows from other files cannot be verified by retraining; explain a training or test row.'));
    return section;
  }
  const input = custom('vscode-textfield', {
    type: 'number',
    min: 1,
    max: MAX_K,
    value: String(result?.k ?? DEFAULT_K),
    'aria-label': 'Supporters to remove (k)',
    class: 'verify-k',
  });
  const problem = el('span', { class: 'verify-problem', 'aria-live': 'polite' });
  const button = custom('vscode-button', { class: 'verify-button' }, 'Verify by retraining…');
  button.addEventListener('click', () => {
    const k = Number((input as HTMLElement & { value: string }).value);
    if (!Number.isInteger(k) || k < 1 || k > MAX_K) {
      problem.textContent = `k must be a whole number from 1 to ${MAX_K}.`;
      return;
    }
    problem.textContent = '';
    post({ type: 'verify', k });
  });
  append(
    section,
    el(
      'div',
      { class: 'actions-bar verify-controls report-omit' },
      el('label', { class: 'select-label' }, 'Supporters to remove (k): '),
      input,
      button,
      problem,
    ),
  );
  if (result) append(section, verificationResult(result, width));
  return section;
}

function mean(values: number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

/** The reading in words: how the supporters' removal compares with random removals and with the first-order estimate. */
export function verificationReading(result: VerifyResult): string[] {
  const s = result.supporters;
  const randomChanges = result.random.map((r) => r.change);
  const units = unitShort(result.output);
  const lines = [
    `Removing the top ${s.rows.length} supporters (their contributions summed to ${signed(s.removedSum)} ${units}) moved the ${outputWords(result.output)} by ${signed(s.change)}, from ${num(result.original)} to ${num(s.output)}.`,
  ];
  if (randomChanges.length > 0) {
    lines.push(
      `Removing ${result.k} random rows moved it by ${signed(mean(randomChanges))} on average (from ${signed(Math.min(...randomChanges))} to ${signed(Math.max(...randomChanges))} over ${randomChanges.length} draws).`,
    );
    const lowerThanAll = randomChanges.every((c) => s.change < c);
    const lowerThanMean = s.change < mean(randomChanges);
    lines.push(
      lowerThanAll
        ? 'The supporters lowered the output more than every random removal did: retraining confirms that they hold this prediction up.'
        : lowerThanMean
          ? 'The supporters lowered the output more than random rows on average, but not more than every draw: a partial confirmation.'
          : 'The supporters did not lower the output more than random rows did: retraining does not confirm them (other training rows can take over their role).',
    );
  }
  if (s.removedSum !== 0) {
    const ratio = s.change / -s.removedSum;
    const moved =
      s.change === 0
        ? 'did not move the output'
        : ratio > 0
          ? `moved the output ${num(ratio, 2)} times as far, in that direction`
          : 'moved the output the other way';
    lines.push(
      `Minus their contributions gives a first-order estimate of ${signed(-s.removedSum)}; retraining ${moved}. The estimate describes the path training took with these rows, not the one it takes without them, so read it as a direction, not a forecast.`,
    );
  }
  if (result.lds) {
    const { row, mean, subsets, fraction } = result.lds;
    const rho = (v: number | null) => (v === null ? 'not measured (its output did not vary)' : num(v, 2));
    const runMean = mean.pathKernel === null ? 'no row of the run was scored' : `run mean ${num(mean.pathKernel, 2)}`;
    const scored = result.output.kind === 'logit' ? ' (scored on the margin, predicted class minus runner-up)' : '';
    lines.push(
      `In this run's LDS evaluation (${subsets} retrainings on random subsets keeping ${Math.round(fraction * 100)}% of the rows)${scored}, the contributions ranked this row's retrained outputs with a Spearman correlation of ${rho(row.pathKernel)} (${runMean}; TracIn ${rho(row.tracin)}, gradient similarity ${rho(row.gradientSimilarity)}).`,
    );
  }
  if (result.retrained !== null) {
    const same = result.retrained === result.original;
    lines.push(
      `Retrained with nothing removed, the output is ${num(result.retrained)} (${same ? 'identical to the original' : `differs from the original by ${num(result.retrained - result.original)}`}).`,
    );
  }
  return lines;
}

function verificationResult(result: VerifyResult, width: number): HTMLElement {
  const rows = rowsOf(result);
  const units = unitShort(result.output);
  const data = rows.map((r) => ({ name: r.name, expected: -r.removal.removedSum, actual: r.removal.change }));
  const title = (d: { name: string; expected: number; actual: number }): string =>
    `${d.name}: actual change ${signed(d.actual)}, first-order estimate ${signed(d.expected)}`;
  const chart = renderPlot(
    {
      width,
      height: Math.max(120, 36 * rows.length + 60),
      marginLeft: 150,
      x: { label: `change of the explained output (${units}) →`, grid: true },
      y: { label: null, domain: rows.map((r) => r.name) },
      marks: [
        Plot.ruleX([0]),
        Plot.link(data, { x1: 'expected', x2: 'actual', y1: 'name', y2: 'name', className: 'verify-link' }),
        Plot.dot(data, { x: 'expected', y: 'name', r: 5, className: 'series-b', title }),
        Plot.dot(data, { x: 'actual', y: 'name', r: 5, className: 'series-a', title }),
      ],
    },
    'Actual change of the explained output next to the removed contribution sum',
    data.map(title).join('; '),
  );
  const table = dataTable(
    `Retraining without rows (${result.backend}, ${(result.ms / 1000).toFixed(1)} s); original output ${num(result.original)} ${units}`,
    ['Removed', 'Rows', 'Removed contribution sum', 'First-order estimate (−sum)', 'Actual change', 'Output after'],
    rows.map((r) => [
      r.name,
      r.removal.rows.length,
      signed(r.removal.removedSum),
      signed(-r.removal.removedSum),
      signed(r.removal.change),
      num(r.removal.output),
    ]),
    [1, 2, 3, 4, 5],
  );
  const reading = el('div', { class: 'verify-reading' }, ...verificationReading(result).map((line) => el('p', {}, line)));
  const legend = el(
    'p',
    { class: 'legend' },
    el('span', { class: 'swatch series-a' }),
    ' actual change after retraining ',
    el('span', { class: 'swatch series-b' }),
    ' first-order estimate (minus the removed contribution sum)',
  );
  const card = plotCard(
    'plot-verify',
    'Removed contributions vs the actual change',
    'Each row is one retraining. Dots far apart mean training found another way to this output.',
    chart,
    table,
  );
  card.insertBefore(legend, card.querySelector('.plot-holder'));
  // The table is the result itself: open by default.
  card.querySelector('details')?.setAttribute('open', '');
  return el('div', { class: 'verify-result' }, reading, card);
}
