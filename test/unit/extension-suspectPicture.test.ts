import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { RunInfo } from '../../src/protocol';
import { CsvFileCache } from '../../src/extension/hover/csvFileCache';
import { pictureTooltip, suspectPicture } from '../../src/extension/trust/suspectPicture';

const run = (image?: RunInfo['image']): RunInfo => ({ image }) as RunInfo;

function decode(uri: string): PNG {
  return PNG.sync.read(Buffer.from(uri.replace(/^data:image\/png;base64,/, ''), 'base64'));
}

test("an image-folder row's picture is its own file; a pixel CSV row's is drawn from its cells", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kl-pic-'));
  try {
    const png = new PNG({ width: 2, height: 2 });
    png.data.fill(200);
    const file = join(dir, 'boot.png');
    writeFileSync(file, PNG.sync.write(png));
    const own = await suspectPicture(file, null, run(), new CsvFileCache());
    assert.equal(own, `data:image/png;base64,${readFileSync(file).toString('base64')}`);

    const csv = join(dir, 'digits.csv');
    // A 2×2 image: the pixel at row 1, column 0 is the darkest.
    writeFileSync(csv, 'pixel_0_0,pixel_0_1,pixel_1_0,pixel_1_1,label\n0,0,16,0,3\n');
    const drawn = await suspectPicture(csv, 2, run({ width: 2, height: 2, channels: 1 }), new CsvFileCache());
    assert.ok(drawn);
    const picture = decode(drawn);
    const side = picture.width / 2;
    const grayAt = (x: number, y: number): number => picture.data[4 * (y * picture.width + x)];
    assert.equal(grayAt(0, side), 0, 'the largest value is black');
    assert.equal(grayAt(0, 0), 255, 'zero is white');

    assert.equal(await suspectPicture(csv, 2, run(), new CsvFileCache()), undefined, 'a run without images has no pictures');
    assert.equal(await suspectPicture(join(dir, 'gone.png'), null, run(), new CsvFileCache()), undefined, 'a missing file is no picture');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tooltip puts the picture above escaped text, and takes only a base64 image data URI', () => {
  const markdown = pictureTooltip('data:image/png;base64,AAAA', 'labelled ![x](https://evil) <img src=x>\n\nline 2');
  assert.ok(markdown);
  assert.ok(markdown.startsWith('![the row as an image](data:image/png;base64,AAAA)'));
  // Every punctuation character of the text is backslash-escaped: no second image, link or HTML.
  assert.ok(!markdown.includes('![x]') && markdown.includes('\\!\\[x\\]'));
  assert.ok(!/[^\\]<img/.test(markdown));
  assert.equal(pictureTooltip('https://example.com/a.png', 'text'), undefined);
  assert.equal(pictureTooltip('data:image/svg+xml;base64,AAAA', 'text'), undefined);
});
