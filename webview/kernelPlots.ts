/**
 * The kernel evolution charts: alignment along training, pairwise kernel values (initialization vs end, path vs
 * end), label-ordered heatmaps, and the distribution of same-class shares. Each card pairs the SVG with a table.
 * Same-label and different-label marks carry `pos`/`neg` classes so colours come from the theme's CSS.
 */
import * as Plot from '@observablehq/plot';
import type { KernelViewState } from '../src/protocol';
import { num, percent } from './format';
import { dataTable, plotCard, renderPlot } from './plotFrame';

export function alignmentCard(state: KernelViewState, width: number): HTMLElement {
  const curve = state.alignmentCurve;
  const reference = [{ y: state.alignment.path, text: `path kernel ${num(state.alignment.path, 3)}` }];
  const chart =
    curve.length === 0
      ? null
      : renderPlot(
          {
            width,
            height: 240,
            marginLeft: 56,
            x: { label: 'training step →', labelAnchor: 'right' },
            y: { label: 'kernel-target alignment', grid: true },
            marks: [
              Plot.ruleY(reference, { y: 'y', className: 'marker' }),
              Plot.text(reference, { y: 'y', x: curve[0].step, text: 'text', dy: -8, textAnchor: 'start', className: 'marker-label' }),
              Plot.lineY(curve, { x: 'step', y: 'alignment', className: 'series-a' }),
              Plot.dot(curve, {
                x: 'step',
                y: 'alignment',
                r: 3,
                className: 'series-a',
                title: (d: { step: number; alignment: number }) => `step ${d.step}: ${num(d.alignment, 3)}`,
              }),
            ],
          },
          'Kernel-target alignment of the tangent kernel along training',
          `From ${num(state.alignment.initial, 3)} at initialization to ${num(state.alignment.final, 3)} at the end; the path kernel's is ${num(state.alignment.path, 3)}`,
        );
  return plotCard(
    'plot-alignment',
    'Alignment with the labels along training',
    `How well the tangent kernel at each checkpoint matches the labels (centered alignment, 1 = perfectly). The dashed line is the path kernel's alignment.`,
    chart,
    dataTable(
      'Tangent kernel alignment at each checkpoint',
      ['Step', 'Epoch', 'Alignment'],
      curve.map((p) => [p.step, num(p.epoch, 3), num(p.alignment, 4)]),
      [0, 1, 2],
    ),
  );
}

type Pair = KernelViewState['pairs'][number];

function pairSummary(pairs: Pair[]): (string | number)[][] {
  const groups: [string, Pair[]][] = [
    ['same label', pairs.filter((p) => p.sameLabel)],
    ['different labels', pairs.filter((p) => !p.sameLabel)],
  ];
  const mean = (ps: Pair[], f: (p: Pair) => number): string => (ps.length === 0 ? '—' : num(ps.reduce((s, p) => s + f(p), 0) / ps.length));
  return groups.map(([name, ps]) => [name, ps.length, mean(ps, (p) => p.initial), mean(ps, (p) => p.final), mean(ps, (p) => p.path)]);
}

function scatter(state: KernelViewState, width: number, x: 'initial' | 'path', xLabel: string, ariaLabel: string): Element | null {
  if (state.pairs.length === 0) return null;
  const title = (p: Pair): string => `${p.sameLabel ? 'same label' : 'different labels'}: ${xLabel} ${num(p[x])}, end ${num(p.final)}`;
  return renderPlot(
    {
      width,
      height: Math.min(360, Math.max(240, width * 0.6)),
      marginLeft: 60,
      x: { label: `${xLabel} →`, grid: true },
      y: { label: '↑ tangent kernel at the end', grid: true },
      marks: [
        Plot.dot(
          state.pairs.filter((p) => !p.sameLabel),
          { x, y: 'final', r: 2, className: 'neg', title },
        ),
        Plot.dot(
          state.pairs.filter((p) => p.sameLabel),
          { x, y: 'final', r: 2, className: 'pos', title },
        ),
      ],
    },
    ariaLabel,
    `${state.pairs.length} pairs of sampled training rows; same-label pairs and different-label pairs are separate marks`,
  );
}

export function initialVsFinalCard(state: KernelViewState, width: number): HTMLElement {
  const shown = state.pairs.length < state.pairCount ? `${state.pairs.length} of ${state.pairCount} pairs` : `all ${state.pairCount} pairs`;
  return plotCard(
    'plot-initial-final',
    'Each pair of rows: kernel at initialization vs at the end',
    `One dot per pair of sampled rows (${shown}); blue: same label, orange: different labels. On a fixed kernel the dots would lie on a line; where blue dots rise above orange ones, training made rows of one label look more alike.`,
    scatter(
      state,
      width,
      'initial',
      'tangent kernel at initialization',
      'Tangent kernel at initialization against the tangent kernel at the end, per pair of rows',
    ),
    dataTable(
      'Mean kernel value by pair type',
      ['Pairs', 'Count', 'Initial tangent kernel', 'Final tangent kernel', 'Path kernel'],
      pairSummary(state.pairs),
      [1, 2, 3, 4],
    ),
  );
}

export function pathVsFinalCard(state: KernelViewState, width: number): HTMLElement {
  return plotCard(
    'plot-path-final',
    'Each pair of rows: path kernel vs the final tangent kernel',
    'The path kernel averages the tangent kernel over the whole training path (here symmetrised per pair): where it departs from the final kernel, early training still shapes the explanation.',
    scatter(state, width, 'path', 'path kernel', 'Path kernel against the tangent kernel at the end, per pair of rows'),
    dataTable(
      'Mean kernel value by pair type',
      ['Pairs', 'Count', 'Initial tangent kernel', 'Final tangent kernel', 'Path kernel'],
      pairSummary(state.pairs),
      [1, 2, 3, 4],
    ),
  );
}

function heatmap(matrix: number[][], labels: string[], size: number, name: string): Element {
  const max = Math.max(1e-12, ...matrix.flat().map((v) => Math.abs(v)));
  const cells = matrix.flatMap((row, i) => row.map((v, j) => ({ i, j, v, o: Math.abs(v) / max })));
  const title = (c: { i: number; j: number; v: number }): string => `${labels[c.i]} × ${labels[c.j]}: ${num(c.v)}`;
  return renderPlot(
    {
      width: size,
      height: size,
      margin: 4,
      marginTop: 22,
      x: { axis: null, domain: labels.map((_, i) => i) },
      y: { axis: null, domain: labels.map((_, i) => i) },
      opacity: { domain: [0, 1], range: [0, 1] },
      marks: [
        Plot.cell(
          cells.filter((c) => c.v >= 0),
          { x: 'j', y: 'i', fillOpacity: 'o', className: 'pos', title },
        ),
        Plot.cell(
          cells.filter((c) => c.v < 0),
          { x: 'j', y: 'i', fillOpacity: 'o', className: 'neg', title },
        ),
        Plot.text([name], { frameAnchor: 'top', dy: -16, className: 'heatmap-title' }),
      ],
    },
    `Heatmap of the ${name}, rows and columns ordered by label`,
    `${labels.length} sampled rows ordered by label; darker cells are larger values`,
  );
}

/** The heatmaps' colour scale: from 0 to each map's largest value, blue for positive values (orange for negative). */
function heatmapLegend(negative: boolean): Element {
  const steps = Array.from({ length: 10 }, (_, k) => ({ k, o: (k + 1) / 10 }));
  return renderPlot(
    {
      width: 260,
      height: negative ? 74 : 48,
      margin: 4,
      marginTop: 18,
      marginBottom: negative ? 4 : 4,
      x: { axis: null, domain: steps.map((s) => s.k) },
      y: { axis: null, domain: negative ? ['pos', 'neg'] : ['pos'] },
      opacity: { domain: [0, 1], range: [0, 1] },
      marks: [
        Plot.cell(steps, { x: 'k', y: () => 'pos', fillOpacity: 'o', className: 'pos' }),
        negative ? Plot.cell(steps, { x: 'k', y: () => 'neg', fillOpacity: 'o', className: 'neg' }) : null,
        Plot.text(['0 → the map’s largest |value|'], { frameAnchor: 'top-left', dy: -14, className: 'heatmap-title' }),
      ],
    },
    'Colour scale of the heatmaps',
    negative ? 'Darker is larger: blue cells are positive values, orange cells negative ones' : 'Darker is larger',
  );
}

/** Mean kernel value per (row label, column label) block: the heatmaps as numbers. */
function blockMeans(matrix: number[][], labels: string[]): Map<string, number> {
  const sums = new Map<string, { s: number; n: number }>();
  matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      const key = `${labels[i]}\u0000${labels[j]}`;
      const acc = sums.get(key) ?? { s: 0, n: 0 };
      acc.s += v;
      acc.n += 1;
      sums.set(key, acc);
    }),
  );
  return new Map([...sums].map(([k, { s, n }]) => [k, s / n]));
}

export function heatmapCard(state: KernelViewState, width: number): HTMLElement {
  const h = state.heatmap;
  if (!h) return plotCard('plot-heatmaps', 'The kernels as heatmaps', 'No matrices were computed.', null, dataTable('No matrices', [], []));
  // Large enough to read blocks in (they wrap onto a second line on narrow panels).
  const size = Math.max(260, Math.floor((width - 24) / 3));
  const maps = [
    heatmap(h.initial, h.labels, size, 'initial tangent kernel'),
    heatmap(h.final, h.labels, size, 'final tangent kernel'),
    heatmap(h.path, h.labels, size, 'path kernel'),
  ];
  const holder = document.createElement('div');
  holder.className = 'heatmap-row';
  for (const m of maps) holder.appendChild(m);
  const negative = [h.initial, h.final, h.path].some((m) => m.some((row) => row.some((v) => v < 0)));
  holder.appendChild(heatmapLegend(negative));
  const distinct = [...new Set(h.labels)];
  const blocks = [blockMeans(h.initial, h.labels), blockMeans(h.final, h.labels), blockMeans(h.path, h.labels)];
  const rows = distinct.flatMap((a) => distinct.map((b) => [a, b, ...blocks.map((m) => num(m.get(`${a}\u0000${b}`) ?? 0))]));
  return plotCard(
    'plot-heatmaps',
    'The kernels as heatmaps',
    `${h.labels.length} sampled rows ordered by label (${distinct.join(', ')}); each map is scaled to its own largest value. Blocks along the diagonal mean rows of one label look alike to the kernel.`,
    holder,
    dataTable(
      'Mean kernel value per pair of labels',
      ['Row label', 'Column label', 'Initial tangent kernel', 'Final tangent kernel', 'Path kernel'],
      rows,
      [2, 3, 4],
    ),
  );
}

export function sameClassCard(state: KernelViewState, width: number): HTMLElement {
  const shares = state.sameClass;
  if (state.meanSameClassShare === null || shares.length === 0) {
    return plotCard(
      'plot-same-class',
      'Share explained by the same class',
      'Not applicable: a regression target has no classes.',
      null,
      dataTable('No classes', [], []),
    );
  }
  const mean = state.meanSameClassShare;
  const chart = renderPlot(
    {
      width,
      height: 220,
      marginLeft: 50,
      x: { label: 'share of Σ|contribution| from training rows of the predicted class →', domain: [0, 1], tickFormat: '.0%' },
      y: { label: '↑ explained rows', grid: true },
      marks: [
        Plot.rectY(
          shares,
          Plot.binX({ y: 'count' }, {
            x: 'shareAbs',
            thresholds: 20,
            domain: [0, 1],
            className: 'pos',
          } as Plot.BinXInputs<Plot.RectYOptions>),
        ),
        Plot.ruleX([mean], { className: 'marker' }),
        Plot.text([mean], {
          x: (d: number) => d,
          frameAnchor: 'top',
          text: () => `mean ${percent(mean)}`,
          dx: 6,
          textAnchor: 'start',
          className: 'marker-label',
        }),
        Plot.ruleY([0]),
      ],
    },
    'Distribution of the share of each explanation that comes from training rows of the predicted class',
    `${shares.length} explained rows, mean share ${percent(mean)}`,
  );
  return plotCard(
    'plot-same-class',
    'Share explained by the same class',
    `For ${shares.length} sampled rows: how much of the explanation (Σ|contribution|) comes from training rows of the class it predicts. Mean ${percent(mean)}.`,
    chart,
    dataTable(
      'Same-class share per explained row',
      ['Training row', 'Predicted', 'Same-class share', 'Same-class sum', 'Other-class sum'],
      shares.map((s) => [s.index, s.predicted, percent(s.shareAbs), num(s.sameSum), num(s.otherSum)]),
      [0, 2, 3, 4],
    ),
  );
}
