/**
 * "Explain Neuron…": a unit's incoming weights at the end minus at initialization, Δw, as an exact sum of one vector
 * per training example (the seed paper's superposition), said in words, drawn when the weights have an image's shape
 * (a first layer on images, a conv filter), and the examples that moved it most as a table with their own pictures.
 */
import type { NeuronContribution, NeuronViewState } from '../src/protocol';
import { append, el } from './dom';
import { num, percent, sourceText } from './format';
import { signedGrid } from './imageGrid';
import { dataTable } from './plotFrame';
import { post } from './vscodeApi';

/** [height, width, channels] the weights can be drawn as, or null (a dense unit on table columns). */
function pictureShape(state: NeuronViewState): [number, number, number] | null {
  const { shape, imageShape } = state.neuron;
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  if (imageShape && imageShape.length === 3) return [imageShape[0], imageShape[1], imageShape[2]];
  return null;
}

/** One grid per channel of channels-last values. */
function pictures(values: readonly number[], shape: [number, number, number], cellSize: number, label: string): HTMLElement {
  const [h, w, c] = shape;
  const box = el('div', { class: 'neuron-pictures' });
  for (let ch = 0; ch < c; ch++) {
    const channel = Array.from({ length: h * w }, (_, i) => values[i * c + ch] ?? 0);
    const caption = c > 1 ? `${label}, channel ${ch + 1}` : label;
    append(box, el('figure', {}, signedGrid(channel, w, h, cellSize, caption), c > 1 ? el('figcaption', {}, `channel ${ch + 1}`) : null));
  }
  return box;
}

export function neuronReading(state: NeuronViewState): string[] {
  const n = state.neuron;
  const delta = n.final.map((v, i) => v - n.initial[i]);
  const norm = Math.sqrt(delta.reduce((s, v) => s + v * v, 0));
  const top = n.contributions.slice(0, 3);
  const topShare = top.reduce((s, c) => s + c.share, 0);
  return [
    `Training moved this ${n.shape.length === 3 ? 'filter' : 'unit'}'s ${delta.length} incoming weights by ‖Δw‖ = ${num(norm, 3)}. That change is exactly the sum of one vector per training example, each what the example's gradient steps added through the optimizer (residual ${num(n.residual.rel, 2)} of ‖Δw‖).`,
    top.length > 0
      ? `The ${top.length} examples that moved it most along its change account for ${percent(topShare)} of it; a negative share means the example pulled against the change others made.`
      : 'No example moved it.',
  ];
}

function exampleRow(c: NeuronContribution, rank: number, shape: [number, number, number] | null): (Node | string)[] {
  const link = el('a', { href: '#', class: 'action-link' }, sourceText(c.file, c.line));
  link.addEventListener('click', (event) => {
    event.preventDefault();
    post({ type: 'openRow', file: c.file, line: c.line });
  });
  const picture = shape && c.vector ? pictures(c.vector, shape, 6, `what example ${rank} added to the weights`) : '';
  return [String(rank), link, c.label, percent(c.share), num(c.projection), picture];
}

export function neuronView(state: NeuronViewState): HTMLElement {
  const n = state.neuron;
  const root = el('div', { class: 'view neuron-view' });
  const what = n.shape.length === 3 ? `filter ${n.unit}` : `unit ${n.unit}`;
  append(
    root,
    el(
      'header',
      { class: 'view-header' },
      el('h1', {}, `Neuron: layer ${n.layer}, ${what} `, el('span', { class: 'source-title' }, `“${state.runName}”`)),
      el('p', { class: 'subtitle' }, `backend ${n.backend}`),
    ),
    el('section', { class: 'neuron-reading' }, ...neuronReading(state).map((line) => el('p', {}, line))),
  );
  const shape = pictureShape(state);
  if (shape) {
    const delta = n.final.map((v, i) => v - n.initial[i]);
    append(
      root,
      el(
        'section',
        { 'aria-labelledby': 'neuron-delta-title' },
        el('h2', { id: 'neuron-delta-title' }, 'The weight change Δw'),
        el('p', { class: 'hint' }, 'Blue: weights that grew, red: weights that shrank; stronger colour, larger change.'),
        pictures(delta, shape, 24, 'the weight change'),
      ),
    );
  }
  append(
    root,
    el(
      'section',
      { 'aria-labelledby': 'neuron-examples-title' },
      el('h2', { id: 'neuron-examples-title' }, 'The examples that built it'),
      dataTable(
        'Training examples by their projection on Δw (share: of the whole change)',
        ['Rank', 'Example', 'Label', 'Share', 'Projection', ...(shape ? ['What it added'] : [])],
        n.contributions.map((c, k) => {
          const row = exampleRow(c, k + 1, shape);
          return shape ? row : row.slice(0, 5);
        }),
        [3, 4],
      ),
    ),
  );
  return root;
}
