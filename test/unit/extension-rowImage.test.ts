/** A pixel CSV row's hover picture: its pixels by name, a PNG of them, and only that PNG in the hover's image link. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { pixelsDataUri, recordPixels } from '../../src/extension/hover/rowImage';
import { hoverMarkdown, type HoverFacts } from '../../src/extension/hover/hoverMarkdown';

const SAMPLES = path.resolve(__dirname, '..', '..', 'samples');

test('a digits row gives its 64 pixels in row-major order, from the names; other shapes or colour give none', () => {
  const [header, first] = fs
    .readFileSync(path.join(SAMPLES, 'digits.csv'), 'utf8')
    .split(/\r?\n/)
    .map((l) => l.split(','));
  const pixels = recordPixels(header, first, { width: 8, height: 8 });
  assert.deepEqual(pixels, first.slice(0, 64).map(Number));
  // Columns in another order are put back by their names.
  const order = header.map((_, k) => k).reverse();
  assert.deepEqual(
    recordPixels(
      order.map((k) => header[k]),
      order.map((k) => first[k]),
      { width: 8, height: 8 },
    ),
    pixels,
  );
  assert.equal(recordPixels(header, first, { width: 8, height: 8, channels: 3 }), null);
  assert.equal(recordPixels(['a', 'b'], ['1', '2'], { width: 8, height: 8 }), null);
});

test('the picture is a gray PNG, white for 0 and black for the row’s largest value, in blocks', () => {
  const pixels = Array.from({ length: 64 }, (_, k) => (k === 9 ? 16 : k === 10 ? 8 : 0));
  const uri = pixelsDataUri(pixels, 8, 8);
  assert.match(uri, /^data:image\/png;base64,[A-Za-z0-9+/=]+$/);
  const png = PNG.sync.read(Buffer.from(uri.split(',')[1], 'base64'));
  assert.equal(png.width, 72);
  const gray = (x: number, y: number) => png.data[4 * (y * png.width + x)];
  assert.equal(gray(0, 0), 255);
  assert.equal(gray(9 + 4, 9 + 4), 0, 'pixel (1, 1) is black');
  assert.equal(gray(2 * 9 + 4, 9 + 4), 128, 'pixel (1, 2) half');
});

test('the hover shows the row’s picture first, and takes nothing but a PNG data URI there', () => {
  const facts: HoverFacts = {
    file: 'digits.csv',
    line: 2,
    prediction: { label: '0', probability: 0.99 },
    label: '0',
    output: { kind: 'logit', class: '0', units: 'logit' },
    residual: { signed: 1e-7, rel: 1e-8, flagged: false, tolerance: 1e-3 },
    network: 9,
    supporters: [],
    opposer: null,
    considered: 0,
  } as unknown as HoverFacts;
  const ctx = { run: { name: 'd', dir: '/r', experimentFile: '/w/d.kernel.json' }, ref: { split: 'test' as const, row: 0 } };
  const image = pixelsDataUri(new Array<number>(64).fill(1), 8, 8);
  const lines = hoverMarkdown(facts, { ...ctx, image }).split('\n');
  assert.equal(lines[2], `![the row as an image](${image})`);
  assert.ok(!hoverMarkdown(facts, { ...ctx, image: 'data:image/png;base64,x) [run](command:workbench.action.quit' }).includes('!['));
  assert.ok(!hoverMarkdown(facts, ctx).includes('!['));
});
