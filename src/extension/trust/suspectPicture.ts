/**
 * A suspicious row of an image run as a picture for its tooltip: an image-folder row's own file, or a pixel CSV
 * row drawn from its cells (hover/rowImage.ts). Data URIs, so the tooltip loads nothing (code-server included).
 * Pure but for reading files: no VS Code.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { RunInfo } from '../../protocol';
import type { CsvFileCache } from '../hover/csvFileCache';
import { escapeMarkdown } from '../hover/markdownText';
import { pixelsDataUri, recordPixels } from '../hover/rowImage';

const IMAGE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };
// A tooltip is no place for a photograph: larger files are left out rather than inlined.
const MAX_INLINE_BYTES = 256 * 1024;
/** Only our own base64 data URIs go into an image link, never dataset text. */
const DATA_URI = /^data:image\/(png|jpeg);base64,[A-Za-z0-9+/=]+$/;

/** The row's picture as a data URI, or undefined when the run has no images or the row cannot be read. */
export async function suspectPicture(file: string, line: number | null, run: RunInfo, csv: CsvFileCache): Promise<string | undefined> {
  try {
    if (line === null) {
      const type = IMAGE_TYPES[path.extname(file).toLowerCase()];
      if (!type || (await fs.stat(file)).size > MAX_INLINE_BYTES) return undefined;
      return `data:${type};base64,${(await fs.readFile(file)).toString('base64')}`;
    }
    if (!run.image) return undefined;
    const table = await csv.read(file);
    const header = table.records[0];
    const record = table.byLine.get(line);
    if (!header || !record || record === header) return undefined;
    const pixels = recordPixels(header.fields, record.fields, run.image);
    return pixels ? pixelsDataUri(pixels, run.image.width, run.image.height) : undefined;
  } catch {
    return undefined;
  }
}

/** Markdown of the picture above the tooltip's text; every line of the text escaped, so data cannot render as Markdown. */
export function pictureTooltip(picture: string, text: string): string | undefined {
  if (!DATA_URI.test(picture)) return undefined;
  const lines = text.split(/\n+/).map(escapeMarkdown);
  return [`![the row as an image](${picture})`, ...lines].join('\n\n');
}
