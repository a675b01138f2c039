/**
 * Writes the digits sample (samples/digits.csv: 8×8 pixels, integers 0..16) as an image folder, one subfolder per
 * digit and one 8-bit grayscale PNG per row (gray = round(255 · value / 16)), named by the row's 1-based CSV line.
 * `npx tsx scripts/digitImages.ts OUT_DIR [PER_CLASS]` writes the first PER_CLASS rows of each digit (default all);
 * samples/digit-images/ is its output with PER_CLASS 40. The benchmark writes the whole set.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';

export function writeDigitImages(csvFile: string, outDir: string, perClass = Infinity): number {
  const lines = fs.readFileSync(csvFile, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const target = header.indexOf('digit');
  const counts = new Map<string, number>();
  let written = 0;
  for (let k = 1; k < lines.length; k++) {
    const cells = lines[k].split(',');
    const digit = cells[target];
    const seen = counts.get(digit) ?? 0;
    if (seen >= perClass) continue;
    counts.set(digit, seen + 1);
    const png = new PNG({ width: 8, height: 8, colorType: 0 });
    const pixels = cells.filter((_, i) => i !== target).map(Number);
    pixels.forEach((value, p) => {
      const gray = Math.round((255 * value) / 16);
      png.data.set([gray, gray, gray, 255], 4 * p);
    });
    const dir = path.join(outDir, digit);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, `line${String(k + 1).padStart(4, '0')}.png`), PNG.sync.write(png, { colorType: 0 }));
    written++;
  }
  return written;
}

if (require.main === module) {
  const [out, perClass] = process.argv.slice(2);
  if (!out) throw new Error('usage: tsx scripts/digitImages.ts OUT_DIR [PER_CLASS]');
  const n = writeDigitImages(path.join(__dirname, '..', 'samples', 'digits.csv'), out, perClass ? Number(perClass) : Infinity);
  console.log(`${n} images written to ${out}`);
}
