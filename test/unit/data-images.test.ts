import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { readExperiment } from '../../src/engine/data/experimentFile';
import { prepareData } from '../../src/engine/data/prepare';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { SAMPLES, tempWorkspace, trainSample, useWasm, writeExperiment } from '../helpers/experiments';
import { userError } from '../helpers/userError';
import { buildLayout } from '../../src/engine/model/parameterLayout';
import { pathLossesByForwardPasses } from '../helpers/pathLosses';
import { selfInfluenceByTensors, selfInfluenceScores } from '../../src/engine/trust/selfInfluence';
import { suspiciousRows } from '../../src/engine/trust/suspects';

/** A gray (or, with `color`, red-tinted) PNG of the given size whose pixels are `value`. */
function png(width: number, height: number, value: number, color = false): Buffer {
  const image = new PNG({ width, height });
  for (let p = 0; p < width * height; p++) image.data.set([value, color ? 0 : value, value, 255], 4 * p);
  return PNG.sync.write(image);
}

/** An image folder under `images/` with `per` images (width × height) per class, each class's gray from its value up. */
function imageWorkspace(
  per = 20,
  classes: readonly (readonly [string, number])[] = [
    ['boot', 40],
    ['sandal', 200],
  ],
  [width, height] = [4, 3],
): string {
  const dir = tempWorkspace();
  for (const [label, value] of classes) {
    fs.mkdirSync(path.join(dir, 'images', label), { recursive: true });
    for (let k = 0; k < per; k++) fs.writeFileSync(path.join(dir, 'images', label, `${k}.png`), png(width, height, value + k));
  }
  return dir;
}

async function prepareIn(dir: string) {
  const file = writeExperiment(dir, 'img', { dataset: { train: 'images', test: { fraction: 0.25 } }, training: { batchSize: 8 } });
  return prepareData(await readExperiment(file));
}

test('an image folder: classes from subfolders, pixels in [0, 1] channels last, files relative with line null', async () => {
  const dir = imageWorkspace();
  fs.writeFileSync(path.join(dir, 'images', 'boot', 'notes.txt'), 'not an image');
  const data = await prepareIn(dir);
  assert.deepEqual(data.preprocessing.classes, ['boot', 'sandal']);
  assert.equal(data.preprocessing.task, 'binary');
  assert.deepEqual(data.image, { width: 4, height: 3, channels: 1 });
  assert.equal(data.featureCount, 12);
  assert.equal(data.train.count + data.test.count, 40);
  assert.equal(data.test.count, 10);
  const k = data.train.rows.findIndex((r) => r.file === 'images/sandal/3.png');
  assert.ok(k >= 0);
  assert.equal(data.train.rows[k].line, null);
  assert.equal(data.train.labels[k], 'sandal');
  assert.ok(Math.abs(data.train.x[k * 12] - 203 / 255) < 1e-6);
  assert.equal(data.files.length, 40, 'every image is recorded with its digest');
  assert.deepEqual(data.warnings, ['1 file in the image folders skipped (not PNG or JPEG files, or links)']);
});

test('colour images give three channels; JPEG decodes too', async () => {
  const dir = imageWorkspace(10);
  fs.writeFileSync(path.join(dir, 'images', 'boot', 'red.png'), png(4, 3, 90, true));
  const rgba = new Uint8Array(4 * 3 * 4).fill(128);
  fs.writeFileSync(path.join(dir, 'images', 'sandal', 'photo.jpg'), jpeg.encode({ width: 4, height: 3, data: rgba }, 95).data);
  const data = await prepareIn(dir);
  assert.deepEqual(data.image, { width: 4, height: 3, channels: 3 });
  assert.equal(data.train.count + data.test.count, 22);
});

test('a wrong-size image, an unreadable file and an empty class folder are each one clear error naming the file', async () => {
  const wrongSize = imageWorkspace();
  fs.writeFileSync(path.join(wrongSize, 'images', 'sandal', '7.png'), png(5, 3, 10));
  assert.match(
    (await userError(prepareIn(wrongSize))).message,
    /images\/sandal\/7\.png: the image is 5×3 pixels, but .*images\/boot\/0\.png is 4×3; all images must share one size/,
  );

  const unreadable = imageWorkspace();
  fs.writeFileSync(path.join(unreadable, 'images', 'boot', '5.png'), 'this is not a PNG');
  assert.match((await userError(prepareIn(unreadable))).message, /images\/boot\/5\.png: cannot decode the image/);

  // A PNG whose header declares a huge size is refused before it is decoded.
  const huge = imageWorkspace();
  const header = png(4, 3, 10);
  header.writeUInt32BE(100_000, 16);
  header.writeUInt32BE(100_000, 20);
  fs.writeFileSync(path.join(huge, 'images', 'boot', '2.png'), header);
  assert.match((await userError(prepareIn(huge))).message, /images\/boot\/2\.png: the image is 100000×100000 pixels; at most 1048576/);

  const empty = imageWorkspace();
  fs.mkdirSync(path.join(empty, 'images', 'clog'));
  fs.writeFileSync(path.join(empty, 'images', 'clog', 'readme.md'), '# none');
  assert.match((await userError(prepareIn(empty))).message, /images\/clog: class folder "clog" holds no PNG or JPEG image/);
});

test('a CNN trained on the bundled digit images explains an image file by training images, exactly', async () => {
  await useWasm();
  const dir = tempWorkspace();
  fs.cpSync(path.join(SAMPLES, 'digit-images'), path.join(dir, 'digit-images'), { recursive: true });
  const file = writeExperiment(dir, 'digits', {
    dataset: { train: 'digit-images', test: { fraction: 0.2 } },
    model: {
      layers: [{ type: 'conv2d', filters: 4, kernel: 3, activation: 'relu' }, { type: 'maxPool2d', size: 2 }, { type: 'flatten' }],
    },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 2, batchSize: 32 },
  });
  const info = await trainExperiment(file);
  assert.equal(info.status, 'complete');
  const record = JSON.parse(fs.readFileSync(path.join(info.dir, 'run.json'), 'utf8'));
  assert.deepEqual(record.image, { width: 8, height: 8, channels: 1 });
  assert.equal(record.model.layers[0].type, 'conv2d');
  assert.deepEqual(record.layout[0], { name: 'conv2d_0/kernel', shape: [3, 3, 1, 4], offset: 0, activation: 'relu' });
  const indexed = await indexedRun(info.dir);
  const { explanations } = await explainWithIndex(indexed, [{ split: 'input', input: 'digit-images/7/line0009.png', row: 0 }], { top: 5 });
  const e = explanations[0];
  assert.equal(e.file, 'digit-images/7/line0009.png');
  assert.equal(e.line, null);
  assert.equal(e.residual.flagged, false, `residual ${e.residual.rel}`);
  assert.ok(e.residual.rel < 1e-4);
  // The thumbnails' data: the explained image and each listed example as 0–255 values (gray: one per pixel).
  assert.equal(e.pixels?.length, 64);
  assert.ok(e.pixels.every((v) => Number.isInteger(v) && v >= 0 && v <= 255) && e.pixels.some((v) => v > 0));
  for (const c of e.contributions) {
    assert.match(c.file, /^digit-images\/\d\/line\d{4}\.png$/);
    assert.equal(c.line, null);
    assert.equal(c.pixels?.length, 64);
  }
});

test('self-influence from tensor factors (the CNN route) equals the index route on a dense run, and ranks a CNN run', async () => {
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species' },
    model: { hidden: [{ units: 5, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.02, epochs: 3, batchSize: 16 },
  });
  const indexed = await indexedRun(info.dir);
  for (const scoring of ['tracin', 'adam'] as const) {
    const byIndex = await selfInfluenceScores(indexed, scoring);
    const byTensors = await selfInfluenceByTensors(indexed, scoring);
    const scale = Math.max(...byIndex);
    assert.ok(scale > 0);
    byIndex.forEach((v, i) => assert.ok(Math.abs(v - byTensors[i]) <= 1e-4 * scale, `${scoring} row ${i}: ${v} vs ${byTensors[i]}`));
  }
  const dir = tempWorkspace();
  fs.cpSync(path.join(SAMPLES, 'digit-images'), path.join(dir, 'digit-images'), { recursive: true });
  const cnn = await trainExperiment(
    writeExperiment(dir, 'cnn', {
      dataset: { train: 'digit-images' },
      model: { layers: [{ type: 'conv2d', filters: 2, kernel: 3 }, { type: 'maxPool2d', size: 2 }, { type: 'flatten' }] },
      training: { epochs: 2, batchSize: 32 },
    }),
  );
  const result = await suspiciousRows(cnn.dir, { scoring: 'adam', top: 5 });
  assert.equal(result.rows.length, 5);
  for (const row of result.rows) {
    assert.match(row.file, /^digit-images\/\d\/line\d{4}\.png$/);
    assert.equal(row.line, null);
  }
  // The mean path loss from the tensor factors' output δ, against forward passes at each step's weights.
  const cnnRun = await indexedRun(cnn.dir);
  const losses = await selfInfluenceScores(cnnRun, 'path-loss');
  const { sums, visits } = pathLossesByForwardPasses(cnnRun.run);
  losses.forEach((v, i) => {
    const expected = sums[i] / visits[i];
    assert.ok(Math.abs(v - expected) <= 1e-5 + 1e-4 * expected, `CNN row ${i}: ${v} vs ${expected}`);
  });
});

test('a dense network on image inputs reads the pixels as a vector; after a conv or pool it needs a flatten', () => {
  const image = { width: 8, height: 8, channels: 1 };
  const dense = buildLayout(64, image, [{ type: 'dense', units: 16, activation: 'tanh' }], 10);
  assert.deepEqual(
    dense.layers.map((l) => [l.kind, l.inputs, l.outputs]),
    [
      ['dense', 64, 16],
      ['dense', 16, 10],
    ],
  );
  assert.throws(
    () =>
      buildLayout(
        64,
        image,
        [
          { type: 'conv2d', filters: 2, kernel: 3, stride: 1, padding: 'same', activation: 'relu' },
          { type: 'dense', units: 4, activation: 'tanh' },
        ],
        10,
      ),
    /model\.layers\[1\]: a dense layer after a 8×8×2 feature map: add \{"type": "flatten"\} before it/,
  );
});

test('class folders named by numbers are classes, and an image is refused by a run trained on a CSV', async () => {
  const dir = imageWorkspace(
    12,
    [
      ['1.5', 30],
      ['2.5', 220],
    ],
    [4, 4],
  );
  const data = await prepareIn(dir);
  assert.equal(data.preprocessing.task, 'binary');
  assert.deepEqual(data.preprocessing.classes, ['1.5', '2.5']);
  const csvRun = await trainSample('digits.csv', {
    dataset: { train: 'digits.csv', target: 'digit', image: { width: 8, height: 8 } },
    model: { hidden: [{ units: 8, activation: 'tanh' }] },
    training: { epochs: 1, batchSize: 64 },
  });
  const image = path.join(SAMPLES, 'digit-images', '3', 'line0005.png');
  const error = await userError(explainWithIndex(await indexedRun(csvRun.dir), [{ split: 'input', input: image, row: 0 }]));
  assert.match(error.message, /this run was trained on a CSV file/);
});
