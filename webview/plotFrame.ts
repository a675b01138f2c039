/**
 * Shared plumbing for every chart: render with Observable Plot, strip Plot's inline `<style>` (the CSP
 * allows no inline styles; the same rules live in webview.css under `.kl-plot`), and pair the chart with a
 * table alternative in a `<details>` so the numbers are reachable without the picture.
 */
import * as Plot from '@observablehq/plot';
import { el, type Child } from './dom';

/** The class every chart gets; webview.css styles it with --vscode-* colours. */
export const PLOT_CLASS = 'kl-plot';

export function renderPlot(options: Plot.PlotOptions, ariaLabel: string, ariaDescription: string): Element {
  const node = Plot.plot({
    className: PLOT_CLASS,
    ariaLabel,
    ariaDescription,
    style: { background: 'transparent' },
    ...options,
  });
  // Removed before the node is connected, so the CSP never sees it.
  for (const style of Array.from(node.querySelectorAll('style'))) style.remove();
  if (node.tagName.toLowerCase() === 'style') throw new Error('unexpected Plot output');
  return node;
}

/** A plain accessible table: caption, header cells with scope, text-only cells. */
export function dataTable(caption: string, headers: string[], rows: Child[][], numericColumns: number[] = []): HTMLTableElement {
  const numeric = new Set(numericColumns);
  return el(
    'table',
    { class: 'data-table' },
    el('caption', {}, caption),
    el('thead', {}, el('tr', {}, ...headers.map((h, i) => el('th', { scope: 'col', class: numeric.has(i) ? 'num' : null }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((c, i) => el('td', { class: numeric.has(i) ? 'num' : null }, c))))),
  );
}

/** A chart card: heading, chart, one-line reading hint, and its table alternative. */
export function plotCard(id: string, title: string, hint: string, chart: Element | null, table: HTMLElement): HTMLElement {
  const headingId = `${id}-title`;
  return el(
    'section',
    { class: 'plot-card', id, 'aria-labelledby': headingId },
    el('h3', { id: headingId }, title),
    el('p', { class: 'hint' }, hint),
    chart ? el('div', { class: 'plot-holder' }, chart) : el('p', { class: 'empty' }, 'Nothing to plot.'),
    el('details', { class: 'table-alternative' }, el('summary', {}, `${title}: as a table`), el('div', { class: 'table-scroll' }, table)),
  );
}

/** Chart width in pixels for the space a card gets, clamped so charts stay legible. */
export function chartWidth(available: number): number {
  return Math.max(280, Math.min(960, Math.floor(available)));
}
