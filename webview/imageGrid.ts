/**
 * Image rows (e.g. 8×8 digits) as a grid in SVG, drawn from numbers the engine sent (no image files, so the webview's
 * CSP needs nothing more). Gray: ink is `currentColor` with the pixel's intensity as opacity, so the picture follows
 * the theme's foreground colour in light, dark and high-contrast themes without hard-coded colours. RGB (three
 * channels, 0–255): the pixels' own colours.
 */
const SVG_NS = 'http://www.w3.org/2000/svg';

export { pixelValues } from '../src/shared/pixelValues';

/** Table thumbnails are about this many CSS pixels across (an 8×8 digit at 6 px a pixel); they zoom on hover. */
const THUMBNAIL_SIDE = 48;
const FRAME_STROKE = 0.06;

/** Pixels per image pixel for a table thumbnail of an image this size. */
export function thumbnailCellSize(width: number, height: number): number {
  return Math.max(1, Math.round(THUMBNAIL_SIDE / Math.max(width, height)));
}

export function imageGrid(
  pixels: readonly number[],
  width: number,
  height: number,
  cellSize: number,
  label: string,
  channels = 1,
): SVGSVGElement {
  const svg = gridFrame(width, height, cellSize, label, 'image-grid');
  if (channels === 3) {
    for (let i = 0; i < width * height; i++) {
      const rect = pixel(i, width);
      const [r, g, b] = [0, 1, 2].map((c) => Math.max(0, Math.min(255, Math.round(pixels[3 * i + c]))));
      rect.setAttribute('fill', `rgb(${r}, ${g}, ${b})`);
      svg.appendChild(rect);
    }
    return framed(svg, width, height);
  }
  const min = Math.min(0, ...pixels);
  const max = Math.max(...pixels);
  const span = max - min || 1;
  pixels.forEach((value, i) => {
    const intensity = (value - min) / span;
    if (intensity <= 0) return;
    const rect = pixel(i, width);
    rect.setAttribute('fill', 'currentColor');
    rect.setAttribute('fill-opacity', intensity.toFixed(3));
    svg.appendChild(rect);
  });
  return framed(svg, width, height);
}

/** An empty grid picture: one unit per cell, `cellSize` pixels each, labelled for screen readers. */
function gridFrame(width: number, height: number, cellSize: number, label: string, className: string): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('width', String(width * cellSize));
  svg.setAttribute('height', String(height * cellSize));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', className);
  return svg;
}

/**
 * The frame goes last, over the pixels, and inside the picture by half its stroke, so all four edges show (drawn
 * first on the edge, the pixels hid it and the picture's bounds clipped the rest).
 */
function framed(svg: SVGSVGElement, width: number, height: number): SVGSVGElement {
  const frame = document.createElementNS(SVG_NS, 'rect');
  frame.setAttribute('class', 'image-frame');
  frame.setAttribute('x', String(FRAME_STROKE / 2));
  frame.setAttribute('y', String(FRAME_STROKE / 2));
  frame.setAttribute('width', String(width - FRAME_STROKE));
  frame.setAttribute('height', String(height - FRAME_STROKE));
  frame.setAttribute('stroke-width', String(FRAME_STROKE));
  svg.appendChild(frame);
  return svg;
}

function pixel(i: number, width: number): SVGRectElement {
  const rect = document.createElementNS(SVG_NS, 'rect');
  rect.setAttribute('x', String(i % width));
  rect.setAttribute('y', String(Math.floor(i / width)));
  rect.setAttribute('width', '1');
  rect.setAttribute('height', '1');
  return rect;
}

/**
 * Signed values (a weight change) as a grid: positive in the theme's blue, negative in its red, opacity by magnitude
 * relative to the largest, so the picture reads in every theme.
 */
export function signedGrid(values: readonly number[], width: number, height: number, cellSize: number, label: string): SVGSVGElement {
  const svg = gridFrame(width, height, cellSize, label, 'image-grid signed-grid');
  const largest = Math.max(...values.map(Math.abs)) || 1;
  values.forEach((value, i) => {
    if (value === 0) return;
    const rect = pixel(i, width);
    rect.setAttribute('class', value > 0 ? 'positive' : 'negative');
    rect.setAttribute('fill-opacity', (Math.abs(value) / largest).toFixed(3));
    svg.appendChild(rect);
  });
  return framed(svg, width, height);
}
