import { promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { DatasetFileRecord, ImageShape, Preprocessing } from '../../protocol';
import { UserError } from '../errors';
import { displayPath, relativePosix } from './displayPath';
import { holdoutSplit } from './holdout';
import { decodeImage, imagePixels, isImageFile, type DecodedImage } from './imageDecoding';
import type { DataMatrix, PreparedData, ResolvedExperiment } from './preparedData';
import { fitTarget } from './targetEncoding';
import { quoteCell } from '../../shared/safeText';

/**
 * Image folders (torchvision's ImageFolder layout): one subfolder per class, `images/boot/0001.png`. The class is the
 * subfolder's name; images are PNG or JPEG of one size, gray or RGB, scaled to [0, 1] channels last. Other files are
 * skipped and counted.
 */

/** One image of a folder: its path relative to the experiment folder (forward slashes) and its class. */
interface ImageEntry {
  abs: string;
  relative: string;
  label: string;
}

/** The header shown for an image row's raw values. */
const IMAGE_HEADER = ['file', 'class'];

export async function isDirectory(file: string): Promise<boolean> {
  return (await fsp.stat(file).catch(() => null))?.isDirectory() ?? false;
}

/** The images of a class-per-subfolder folder, classes and files in name order; `skipped` counts the other files. */
async function listImageFolder(dir: string, experimentDir: string): Promise<{ images: ImageEntry[]; skipped: number }> {
  const display = displayPath(dir);
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const classes = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  let skipped = entries.filter((e) => !e.isDirectory()).length;
  if (classes.length === 0)
    throw new UserError('the image folder has no class subfolders (expected <class>/<image>.png)', { file: display });
  classes.sort();
  const images: ImageEntry[] = [];
  for (const label of classes) {
    const classDir = path.join(dir, label);
    const files = (await fsp.readdir(classDir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const kept = files.filter((f) => f.isFile() && isImageFile(f.name));
    skipped += files.length - kept.length;
    if (kept.length === 0)
      throw new UserError(`class folder ${quoteCell(label)} holds no PNG or JPEG image`, { file: displayPath(classDir) });
    for (const f of kept) {
      const abs = path.join(classDir, f.name);
      images.push({ abs, relative: relativePosix(experimentDir, abs), label });
    }
  }
  return { images, skipped };
}

/** Decodes every image (all must share the first one's size) and records its digest from the same read. */
async function decodeAll(
  images: ImageEntry[],
  expected: { width: number; height: number; file: string } | null,
  records: DatasetFileRecord[],
): Promise<DecodedImage[]> {
  const decoded: DecodedImage[] = [];
  let first = expected;
  for (const image of images) {
    const bytes = await fsp.readFile(image.abs);
    records.push({ file: image.relative, sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });
    const d = decodeImage(bytes, displayPath(image.abs));
    if (first && (d.width !== first.width || d.height !== first.height)) {
      throw new UserError(
        `the image is ${d.width}×${d.height} pixels, but ${first.file} is ${first.width}×${first.height}; all images must share one size`,
        {
          file: displayPath(image.abs),
        },
      );
    }
    first ??= { width: d.width, height: d.height, file: displayPath(image.abs) };
    decoded.push(d);
  }
  return decoded;
}

function matrixOf(images: ImageEntry[], decoded: DecodedImage[], shape: ImageShape, classes: string[]): DataMatrix {
  const F = shape.width * shape.height * shape.channels;
  const x = new Float32Array(images.length * F);
  decoded.forEach((d, k) => imagePixels(d, shape.channels, x, k * F));
  const index = new Map(classes.map((c, i) => [c, i]));
  return {
    x,
    y: Int32Array.from(images, (image) => index.get(image.label) ?? -1),
    rows: images.map((image) => ({ file: image.relative, line: null })),
    raw: images.map((image) => [image.relative, image.label]),
    labels: images.map((image) => image.label),
    count: images.length,
  };
}

/** One name per input value: px_<row>_<column>, with _<channel> for RGB. */
function pixelNames(shape: ImageShape): string[] {
  const names: string[] = [];
  for (let y = 0; y < shape.height; y++)
    for (let x = 0; x < shape.width; x++)
      for (let c = 0; c < shape.channels; c++) names.push(shape.channels === 1 ? `px_${y}_${x}` : `px_${y}_${x}_${'rgb'[c]}`);
  return names;
}

/** Reads an experiment whose `dataset.train` is an image folder (and `test` a second folder or a holdout fraction). */
export async function prepareImageData(experiment: ResolvedExperiment): Promise<PreparedData & { warnings: string[] }> {
  const { dataset } = experiment;
  const trainDir = path.resolve(experiment.dir, dataset.train);
  const train = await listImageFolder(trainDir, experiment.dir);
  const testDir = 'file' in dataset.test ? path.resolve(experiment.dir, dataset.test.file) : null;
  if (testDir && !(await isDirectory(testDir)))
    throw new UserError('dataset.test.file must be an image folder too when dataset.train is one', { file: displayPath(testDir) });
  const test = testDir ? await listImageFolder(testDir, experiment.dir) : null;
  const targetName = dataset.target ?? 'class';
  if (dataset.task === 'regression')
    throw new UserError('an image folder is classified by its subfolders: dataset.task cannot be regression', {
      file: displayPath(experiment.file),
    });
  // The subfolders are classes whatever their names (numbers too): two make a binary task, more a multiclass one.
  const distinct = new Set(train.images.map((i) => i.label)).size;
  const target = fitTarget(
    train.images.map((i) => i.label),
    train.images.map((i) => ({ file: displayPath(i.abs), line: 0 })),
    targetName,
    dataset.task ?? (distinct === 2 ? 'binary' : 'multiclass'),
  );
  const classes = target.classes as string[];
  if (test) {
    const unknown = test.images.find((i) => !classes.includes(i.label));
    if (unknown)
      throw new UserError(`class ${quoteCell(unknown.label)} is not a class of the training folder`, {
        file: displayPath(path.dirname(unknown.abs)),
      });
  }
  const files: DatasetFileRecord[] = [];
  const trainDecoded = await decodeAll(train.images, null, files);
  const first = { width: trainDecoded[0].width, height: trainDecoded[0].height, file: displayPath(train.images[0].abs) };
  const testDecoded = test ? await decodeAll(test.images, first, files) : [];
  const channels = [...trainDecoded, ...testDecoded].every((d) => d.grayscale) ? 1 : 3;
  const shape: ImageShape = { width: first.width, height: first.height, channels };
  if (
    dataset.image &&
    (dataset.image.width !== shape.width || dataset.image.height !== shape.height || dataset.image.channels !== channels)
  )
    throw new UserError(
      `dataset.image says ${dataset.image.width}×${dataset.image.height}×${dataset.image.channels}, but the images are ${shape.width}×${shape.height}×${channels}`,
      {
        file: displayPath(experiment.file),
      },
    );
  let trainImages = train.images;
  let trainPixels = trainDecoded;
  let testImages = test?.images ?? [];
  let testPixels = testDecoded;
  if (!test) {
    const fraction = 'fraction' in dataset.test ? dataset.test.fraction : 0.2;
    const strata = train.images.map((i) => classes.indexOf(i.label));
    const split = holdoutSplit(train.images.length, fraction, experiment.training.seed, strata);
    trainImages = split.train.map((k) => train.images[k]);
    trainPixels = split.train.map((k) => trainDecoded[k]);
    testImages = split.test.map((k) => train.images[k]);
    testPixels = split.test.map((k) => trainDecoded[k]);
  }
  if (trainImages.length < experiment.training.batchSize)
    throw new UserError(`only ${trainImages.length} training images, fewer than training.batchSize (${experiment.training.batchSize})`, {
      file: displayPath(experiment.file),
    });
  const featureNames = pixelNames(shape);
  const preprocessing: Preprocessing = {
    target: targetName,
    task: target.task,
    classes,
    positiveClass: target.positiveClass,
    targetScale: null,
    missing: dataset.missing,
    columns: [],
    featureNames,
    header: [...IMAGE_HEADER],
  };
  const skipped = train.skipped + (test?.skipped ?? 0);
  return {
    preprocessing,
    featureCount: featureNames.length,
    image: shape,
    outputCount: target.task === 'multiclass' ? classes.length : 1,
    train: matrixOf(trainImages, trainPixels, shape, classes),
    test: matrixOf(testImages, testPixels, shape, classes),
    files,
    warnings:
      skipped > 0 ? [`${skipped} file${skipped === 1 ? '' : 's'} in the image folders skipped (not PNG or JPEG files, or links)`] : [],
  };
}

/** One image file as a query row of a run trained on images (same size and channels, scaled the same way). */
export async function encodeImageFile(
  file: string,
  shape: ImageShape,
  experimentDir: string,
): Promise<{ x: Float32Array; relative: string }> {
  const display = displayPath(file);
  const bytes = await fsp.readFile(file).catch(() => {
    throw new UserError('cannot read the image', { file: display });
  });
  const image = decodeImage(bytes, display);
  if (image.width !== shape.width || image.height !== shape.height)
    throw new UserError(`the image is ${image.width}×${image.height} pixels, but the run was trained on ${shape.width}×${shape.height}`, {
      file: display,
    });
  if (shape.channels === 1 && !image.grayscale)
    throw new UserError('the image has colour, but the run was trained on grayscale images', { file: display });
  const x = new Float32Array(shape.width * shape.height * shape.channels);
  imagePixels(image, shape.channels, x, 0);
  return { x, relative: relativePosix(experimentDir, file) };
}

/** The shape of an image folder's first image (gray or RGB by that image alone): a quick look for validation. */
export async function firstImageShape(dir: string): Promise<ImageShape> {
  const { images } = await listImageFolder(dir, dir);
  const first = decodeImage(await fsp.readFile(images[0].abs), displayPath(images[0].abs));
  return { width: first.width, height: first.height, channels: first.grayscale ? 1 : 3 };
}
