/**
 * A pixel CSV row as a small PNG for its hover (pure, no VS Code): the row's pixel cells (named `pixel_r_c` /
 * `px_r_c`, or the first width·height numbers), ink dark on white scaled by the row's largest value, each pixel
 * drawn as a block so an 8×8 digit reads at hover size. A data URI: the hover loads nothing.
 */
import { PNG } from 'pngjs';
import type { ColumnSchema, ImageShape } from '../../protocol';
import { pixelValues } from '../../shared/pixelValues';
import { pixelGrid } from '../experiments/model/pixelGrid';

/** Hover images are about this many pixels across. */
const TARGET_SIDE = 72;

/** The row's pixels in row-major order (channels last), or null when the record does not hold the run's image. */
export function recordPixels(
  header: readonly string[],
  fields: readonly string[],
  image: Pick<ImageShape, 'width' | 'height'> & { channels?: number },
): number[] | null {
  if ((image.channels ?? 1) !== 1) return null;
  const columns: ColumnSchema[] = header.map((name, index) => ({ name, index, type: 'numeric', missing: 0, distinct: 0 }));
  const grid = pixelGrid(columns, '');
  if (grid && grid.width === image.width && grid.height === image.height) {
    const at = new Map(header.map((name, k) => [name, k]));
    return pixelValues(
      grid.columns.map((name) => fields[at.get(name) as number] ?? ''),
      image.width,
      image.height,
    );
  }
  return pixelValues(fields, image.width, image.height);
}

/** A gray PNG data URI of the pixels: 0 white, the row's largest value black. */
export function pixelsDataUri(pixels: readonly number[], width: number, height: number): string {
  const scale = Math.max(1, Math.round(TARGET_SIDE / Math.max(width, height)));
  const max = Math.max(1e-12, ...pixels.map((v) => Math.abs(v)));
  const png = new PNG({ width: width * scale, height: height * scale });
  for (let y = 0; y < height * scale; y++)
    for (let x = 0; x < width * scale; x++) {
      const v = pixels[Math.floor(y / scale) * width + Math.floor(x / scale)];
      const gray = Math.round(255 * (1 - Math.min(1, Math.max(0, v / max))));
      const at = 4 * (y * width * scale + x);
      png.data[at] = png.data[at + 1] = png.data[at + 2] = gray;
      png.data[at + 3] = 255;
    }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
