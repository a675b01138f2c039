/**
 * A pixel CSV (row-major gray pixels, a label column) written as an image folder: one subfolder per label, one 8-bit
 * grayscale PNG per row, gray = round(255 · value / maxValue), named by the row's 1-based CSV line. Used for the
 * bundled samples/digit-images and by the image benchmark.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

export interface PixelCsv {
  width: number;
  height: number;
  /** The label column's name. */
  label: string;
  /** The pixel value drawn white (16 for the digits, 255 for Fashion-MNIST). */
  maxValue: number;
  /** At most this many rows of each label (default all). */
  perLabel?: number;
}

export function imageFolderFromCsv(csvFile: string, outDir: string, spec: PixelCsv): number {
  const lines = fs.readFileSync(csvFile, 'utf8').trim().split(/\r?\n/);
  const target = lines[0].split(',').indexOf(spec.label);
  if (target < 0) throw new Error(`${csvFile} has no column ${spec.label}`);
  const counts = new Map<string, number>();
  let written = 0;
  for (let k = 1; k < lines.length; k++) {
    const cells = lines[k].split(',');
    const label = cells[target];
    const seen = counts.get(label) ?? 0;
    if (seen >= (spec.perLabel ?? Infinity)) continue;
    counts.set(label, seen + 1);
    const png = new PNG({ width: spec.width, height: spec.height, colorType: 0 });
    cells
      .filter((_, i) => i !== target)
      .forEach((cell, p) => {
        const gray = Math.round((255 * Number(cell)) / spec.maxValue);
        png.data.set([gray, gray, gray, 255], 4 * p);
      });
    const dir = path.join(outDir, label);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `line${String(k + 1).padStart(4, '0')}.png`), PNG.sync.write(png, { colorType: 0 }));
    written++;
  }
  return written;
}
