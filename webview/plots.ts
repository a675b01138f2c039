/**
 * The explanation's charts: sorted contributions, cumulative share of |contribution|, contribution by
 * training label, and one training example's contribution over the training steps. Each returns a card
 * with the SVG chart and its table alternative. Positive and negative values are separate marks with
 * classes (`pos`/`neg`) so the theme's colours come from CSS, not from attributes.
 */
import * as Plot from '@observablehq/plot';
import type { Contribution, ContributionTrace, Explanation } from '../src/protocol';
import { dataTable, plotCard, renderPlot } from './plotFrame';
import { num, percent, signed, sourceText } from './format';

/** Rows beyond this are summarised in the table alternatives (the paged tables hold them all). */
const TABLE_LIMIT = 500;

interface Ranked {
  rank: number;
  c: Contribution;
}

function unitsLabel(explanation: Explanation): string {
  return explanation.output.units === 'logit' ? 'contribution (logits)' : 'contribution (target units)';
}

export function sortedContributionsCard(explanation: Explanation, width: number): HTMLElement {
  const ranked: Ranked[] = [...explanation.contributions]
    .sort((a, b) => b.contribution - a.contribution)
    .map((c, i) => ({ rank: i + 1, c }));
  const title = (d: Ranked): string => `#${d.rank} ${sourceText(d.c.file, d.c.line)} (${d.c.label}): ${signed(d.c.contribution)}`;
  const bar = (data: Ranked[], className: string): Plot.Markish =>
    Plot.rectY(data, {
      x1: (d: Ranked) => d.rank - 1,
      x2: (d: Ranked) => d.rank,
      y: (d: Ranked) => d.c.contribution,
      className,
      title,
      insetLeft: ranked.length > 200 ? 0 : 0.5,
    });
  const chart =
    ranked.length === 0
      ? null
      : renderPlot(
          {
            width,
            height: 220,
            marginLeft: 56,
            x: { label: 'training examples, sorted by contribution →', labelAnchor: 'right', domain: [0, ranked.length] },
            y: { label: unitsLabel(explanation), grid: true },
            marks: [
              bar(
                ranked.filter((d) => d.c.contribution >= 0),
                'pos',
              ),
              bar(
                ranked.filter((d) => d.c.contribution < 0),
                'neg',
              ),
              Plot.ruleY([0]),
            ],
          },
          'Sorted contributions',
          `${ranked.length} training examples sorted from the strongest supporter to the strongest opposer`,
        );
  const rows = ranked.slice(0, TABLE_LIMIT).map((d) => [d.rank, sourceText(d.c.file, d.c.line), d.c.label, signed(d.c.contribution)]);
  const caption =
    ranked.length > TABLE_LIMIT
      ? `First ${TABLE_LIMIT} of ${ranked.length} contributions, sorted`
      : `${ranked.length} contributions, sorted`;
  return plotCard(
    'plot-sorted',
    'Sorted contributions',
    'Each bar is one training example; above zero it pushed the explained output up, below zero down.',
    chart,
    dataTable(caption, ['Rank', 'Source', 'Label', 'Contribution'], rows, [0, 3]),
  );
}

interface SharePoint {
  k: number;
  share: number;
}

/** Cumulative share of Σ|c| after the k largest |contributions|; the denominator covers all training rows when known. */
export function cumulativeShare(explanation: Explanation): {
  points: SharePoint[];
  half: number | null;
  ninety: number | null;
  total: number;
} {
  const abs = explanation.contributions.map((c) => Math.abs(c.contribution)).sort((a, b) => b - a);
  const total = explanation.concentration?.totalAbs ?? abs.reduce((s, v) => s + v, 0);
  const points: SharePoint[] = [{ k: 0, share: 0 }];
  let running = 0;
  abs.forEach((v, i) => {
    running += v;
    points.push({ k: i + 1, share: total > 0 ? running / total : 0 });
  });
  const reach = (level: number): number | null => points.find((p) => p.k > 0 && p.share >= level - 1e-12)?.k ?? null;
  return {
    points,
    half: explanation.concentration?.half ?? reach(0.5),
    ninety: explanation.concentration?.ninety ?? reach(0.9),
    total,
  };
}

export function cumulativeShareCard(explanation: Explanation, width: number): HTMLElement {
  const { points, half, ninety, total } = cumulativeShare(explanation);
  const markers = [
    { level: 0.5, k: half, name: '50%' },
    { level: 0.9, k: ninety, name: '90%' },
  ].filter((m): m is { level: number; k: number; name: string } => m.k !== null);
  const visible = markers.filter((m) => m.k <= points.length - 1);
  const chart =
    points.length <= 1
      ? null
      : renderPlot(
          {
            width,
            height: 220,
            marginLeft: 56,
            x: { label: 'number of training examples (largest |contribution| first) →', labelAnchor: 'right' },
            y: { label: 'share of Σ|contribution|', domain: [0, 1], tickFormat: '.0%', grid: true },
            marks: [
              Plot.ruleY(visible, { y: 'level', className: 'marker' }),
              Plot.ruleX(visible, { x: 'k', className: 'marker' }),
              Plot.text(visible, {
                x: 'k',
                y: 'level',
                text: (m: { name: string; k: number }) => `${m.name} by ${m.k}`,
                dx: 6,
                dy: -8,
                textAnchor: 'start',
                className: 'marker-label',
              }),
              Plot.lineY(points, { x: 'k', y: 'share', className: 'series-a', curve: 'step-after' }),
            ],
          },
          'Cumulative share of absolute contribution',
          markers.map((m) => `${m.name} of the total is reached by ${m.k} examples`).join('; '),
        );
  const summary = markers.map((m) => `${m.name} of Σ|contribution| comes from the ${m.k} largest`).join('; ');
  const checkpoints = points.filter(
    (p) => p.k > 0 && (p.k <= 10 || [20, 50, 100, 200, 500, 1000, 2000, 5000].includes(p.k) || p.k === points.length - 1),
  );
  const table = dataTable(
    `Cumulative share (Σ|contribution| = ${num(total)})${summary ? `. ${summary}.` : ''}`,
    ['Examples', 'Cumulative share'],
    checkpoints.map((p) => [p.k, percent(p.share)]),
    [0, 1],
  );
  return plotCard(
    'plot-cumulative',
    'How concentrated is the explanation?',
    summary ? `${summary} (of all training examples).` : 'Share of the total absolute contribution explained by the largest contributors.',
    chart,
    table,
  );
}

export function byLabelCard(explanation: Explanation, width: number): HTMLElement {
  const groups = [...(explanation.byLabel ?? [])].sort((a, b) => b.sum - a.sum);
  const title = (g: { label: string; sum: number; count: number }): string => `${g.label}: ${signed(g.sum)} from ${g.count} examples`;
  const chart =
    groups.length === 0
      ? null
      : renderPlot(
          {
            width,
            height: Math.max(90, 34 * groups.length + 50),
            marginLeft: Math.min(160, 12 + 7 * Math.max(...groups.map((g) => g.label.length))),
            x: { label: `summed ${unitsLabel(explanation)} →`, grid: true },
            y: { label: null, domain: groups.map((g) => g.label) },
            marks: [
              Plot.barX(
                groups.filter((g) => g.sum >= 0),
                { y: 'label', x: 'sum', className: 'pos', title },
              ),
              Plot.barX(
                groups.filter((g) => g.sum < 0),
                { y: 'label', x: 'sum', className: 'neg', title },
              ),
              Plot.ruleX([0]),
            ],
          },
          'Contribution summed by training label',
          groups.map(title).join('; '),
        );
  return plotCard(
    'plot-by-label',
    'Contribution by training label',
    'The total push from all training examples of each label.',
    chart,
    dataTable(
      'Contribution summed by training label',
      ['Training label', 'Examples', 'Summed contribution'],
      groups.map((g) => [g.label, g.count, signed(g.sum)]),
      [1, 2],
    ),
  );
}

export function traceCard(explanation: Explanation, trace: ContributionTrace | null, width: number): HTMLElement {
  const contribution = trace ? (explanation.contributions.find((c) => c.index === trace.index) ?? null) : null;
  const name = contribution
    ? `${sourceText(contribution.file, contribution.line)} (${contribution.label})`
    : trace
      ? `training row ${trace.index}`
      : '';
  if (!trace) {
    return plotCard(
      'plot-trace',
      'Contribution over training',
      'Choose “Trace” on a supporter or opposer to see when during training it moved this output.',
      null,
      dataTable('No example selected', ['Step', 'At this step', 'Cumulative'], []),
    );
  }
  let running = 0;
  const points = trace.steps.map((step, i) => {
    const value = trace.contributions[i] ?? 0;
    running += value;
    return { step, value, cumulative: running };
  });
  const chart =
    points.length === 0
      ? null
      : renderPlot(
          {
            width,
            height: 220,
            marginLeft: 56,
            x: { label: 'training step →', labelAnchor: 'right' },
            y: { label: unitsLabel(explanation), grid: true },
            marks: [
              Plot.ruleY([0]),
              Plot.ruleX(points, { x: 'step', y: 'value', className: 'per-step' }),
              Plot.lineY(points, { x: 'step', y: 'cumulative', className: 'series-a' }),
            ],
          },
          `Contribution of ${name} over training`,
          `Per-step contribution (thin rules) and running total (line); final total ${signed(running)}`,
        );
  return plotCard(
    'plot-trace',
    `Contribution over training: ${name}`,
    `Thin rules: contribution at each step it was in the batch. Line: the running total, ending at ${signed(running)}.`,
    chart,
    dataTable(
      `Contribution of ${name} per training step`,
      ['Step', 'At this step', 'Cumulative'],
      points.slice(0, TABLE_LIMIT).map((p) => [p.step, signed(p.value), signed(p.cumulative)]),
      [0, 1, 2],
    ),
  );
}
