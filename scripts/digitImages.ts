/**
 * Writes the digits sample (samples/digits.csv: 8×8 pixels, integers 0..16) as an image folder (imageFolderFromCsv.ts).
 * `npx tsx scripts/digitImages.ts OUT_DIR [PER_CLASS]` writes the first PER_CLASS rows of each digit (default all);
 * samples/digit-images/ is its output with PER_CLASS 40.
 */
import * as path from 'node:path';
import { imageFolderFromCsv } from './imageFolderFromCsv';

const [out, perClass] = process.argv.slice(2);
if (!out) throw new Error('usage: tsx scripts/digitImages.ts OUT_DIR [PER_CLASS]');
const n = imageFolderFromCsv(path.join(__dirname, '..', 'samples', 'digits.csv'), out, {
  width: 8,
  height: 8,
  label: 'digit',
  maxValue: 16,
  perLabel: perClass ? Number(perClass) : undefined,
});
console.log(`${n} images written to ${out}`);
