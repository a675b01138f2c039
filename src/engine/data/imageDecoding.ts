import * as path from 'node:path';
import { PNG } from 'pngjs';
import * as jpeg from 'jpeg-js';
import { UserError, messageOf } from '../errors';

/**
 * PNG and JPEG decoding with pure-JS libraries (pngjs, jpeg-js): no native module, so the `.vsix` stays
 * platform-neutral, and both are small, long-maintained and decode to RGBA bytes alike.
 */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/** An image as RGBA bytes (alpha ignored), and whether every pixel is gray (R = G = B). */
export interface DecodedImage {
  width: number;
  height: number;
  rgba: Uint8Array;
  grayscale: boolean;
}

/** Largest image accepted (pixels): beyond it the network and its path would not fit anyway. */
const MAX_PIXELS = 1024 * 1024;

/** Decodes one PNG or JPEG; an unreadable file is a UserError naming `display`. */
export function decodeImage(bytes: Uint8Array, display: string): DecodedImage {
  let width: number;
  let height: number;
  let rgba: Uint8Array;
  try {
    if (path.extname(display).toLowerCase() === '.png') {
      // The size first, from the header (IHDR: width and height at bytes 16–23): a huge declared size is refused before
      // the decoder allocates for it.
      if (bytes.length >= 24) {
        const header = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        const [w, h] = [header.readUInt32BE(16), header.readUInt32BE(20)];
        if (w * h > MAX_PIXELS)
          throw new UserError(`the image is ${w}×${h} pixels; at most ${MAX_PIXELS} pixels are supported`, { file: display });
      }
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = png.data;
    } else {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: MAX_PIXELS / 1e6,
        maxMemoryUsageInMB: 256,
      });
      ({ width, height } = image);
      rgba = image.data;
    }
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot decode the image (${messageOf(error)})`, { file: display });
  }
  if (!(width > 0 && height > 0) || width * height > MAX_PIXELS)
    throw new UserError(`the image is ${width}×${height} pixels; at most ${MAX_PIXELS} pixels are supported`, { file: display });
  let grayscale = true;
  for (let k = 0; k < width * height && grayscale; k++) grayscale = rgba[4 * k] === rgba[4 * k + 1] && rgba[4 * k] === rgba[4 * k + 2];
  return { width, height, rgba, grayscale };
}

/** Pixel values in [0, 1], channels last: the gray value (1 channel) or R, G, B (3). */
export function imagePixels(image: DecodedImage, channels: number, into: Float32Array, offset: number): void {
  const n = image.width * image.height;
  for (let k = 0; k < n; k++) for (let c = 0; c < channels; c++) into[offset + k * channels + c] = image.rgba[4 * k + c] / 255;
}
