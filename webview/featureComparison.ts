/**
 * The explained row's features beside its strongest supporters' and opposers' (tables only; an image's pixels are
 * compared by the thumbnails): one line per row across the numeric features, each feature scaled to the range of
 * the rows shown so features of any unit share the axis, the explained row bold on top. The table alternative
 * holds the raw values.
 */
import * as Plot from '@observablehq/plot';
import type { ExplanationViewState } from '../src/protocol';
import { explainedValues, splitContributions } from './contributionTable';
import { dataTable, plotCard, renderPlot } from './plotFrame';
import { sourceText } from './format';

/** Supporters and opposers drawn beside the row (each). */
export const COMPARED_ROWS = 5;
/** Beyond this many features the chart would be unreadable: the first ones are drawn, the table has them all. */
const MAX_FEATURES = 40;

export interface ComparedRow {
  name: string;
  kind: 'row' | 'supporter' | 'opposer';
  values: string[];
}

/** The explained row, then the strongest supporters and opposers whose values the view has, in the header's order. */
export function comparedRows(state: ExplanationViewState): ComparedRow[] {
  const e = state.explanation;
  const rows: ComparedRow[] = [{ name: 'this row', kind: 'row', values: explainedValues(state).map((v) => v ?? '') }];
  const { supporters, opposers } = splitContributions(e.contributions);
  const add = (kind: 'supporter' | 'opposer', list: typeof supporters): void => {
    for (const c of list.filter((x) => state.trainingValues[x.index]).slice(0, COMPARED_ROWS))
      rows.push({ name: `${sourceText(c.file, c.line)} (${c.label})`, kind, values: state.trainingValues[c.index] });
  };
  add('supporter', supporters);
  add('opposer', opposers);
  return rows;
}

/**
 * Per numeric feature (every shown row's value a number; the target left out): each row's value scaled to [0, 1]
 * over the shown rows.
 */
export function scaledPoints(
  header: string[],
  rows: ComparedRow[],
  target: string | null,
): { feature: string; row: string; kind: string; value: number; raw: string }[] {
  const points: { feature: string; row: string; kind: string; value: number; raw: string }[] = [];
  header.forEach((feature, j) => {
    if (feature === target) return;
    const numbers = rows.map((r) => (r.values[j] !== undefined && r.values[j].trim() !== '' ? Number(r.values[j]) : NaN));
    if (!numbers.every(Number.isFinite)) return;
    const lo = Math.min(...numbers);
    const span = Math.max(...numbers) - lo;
    rows.forEach((r, k) =>
      points.push({ feature, row: r.name, kind: r.kind, value: span > 0 ? (numbers[k] - lo) / span : 0.5, raw: r.values[j] }),
    );
  });
  return points;
}

export function featureComparisonCard(state: ExplanationViewState, width: number): HTMLElement | null {
  if (state.image || state.header.length === 0) return null;
  const rows = comparedRows(state);
  if (rows.length < 2) return null;
  const target = state.target ?? null;
  const header = state.header;
  const all = scaledPoints(header, rows, target);
  const features = [...new Set(all.map((p) => p.feature))].slice(0, MAX_FEATURES);
  const points = all.filter((p) => features.includes(p.feature));
  const title = (p: (typeof points)[number]): string => `${p.row}: ${p.feature} = ${p.raw}`;
  const line = (kind: string, className: string) =>
    Plot.line(
      points.filter((p) => p.kind === kind),
      { x: 'feature', y: 'value', z: 'row', className },
    );
  const chart =
    features.length < 2
      ? null
      : renderPlot(
          {
            width,
            height: 240,
            marginBottom: Math.min(110, 16 + 6 * Math.max(...features.map((f) => f.length))),
            x: { domain: features, label: null, tickRotate: -40 },
            y: { domain: [0, 1], label: 'scaled to the rows shown', grid: true, tickFormat: () => '' },
            marks: [
              line('opposer', 'compare-opposer'),
              line('supporter', 'compare-supporter'),
              line('row', 'compare-row'),
              Plot.dot(
                points.filter((p) => p.kind === 'row'),
                { x: 'feature', y: 'value', className: 'compare-row', r: 3, title },
              ),
            ],
          },
          'The explained row’s features beside its strongest supporters and opposers',
          `${features.length} numeric features; the explained row and ${rows.length - 1} training rows`,
        );
  const tableHeader = ['Feature', ...rows.map((r) => (r.kind === 'row' ? 'This row' : r.name))];
  const tableRows = header.flatMap((feature, j) => (feature === target ? [] : [[feature, ...rows.map((r) => r.values[j] ?? '—')]]));
  return plotCard(
    'plot-compare',
    'The row beside its supporters and opposers',
    `Each line is a row across the features, each feature scaled to the rows shown: the explained row bold, its ${COMPARED_ROWS} strongest supporters in blue, opposers in orange.`,
    chart,
    dataTable('Feature values of the explained row and its strongest supporters and opposers', tableHeader, tableRows),
  );
}
