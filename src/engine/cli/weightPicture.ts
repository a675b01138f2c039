/**
 * A unit's weight change drawn in the terminal: a grid per channel (a conv filter [k, k, C_in], or a first dense
 * layer's weights on an image [H, W, C]), each cell a shade of |Δw| with its sign, so the pattern the training images
 * built is visible beside the table of the images that built it.
 */
const SHADES = ' .:-=+*#%@';

export function weightPicture(change: readonly number[], shape: readonly number[]): string[] {
  const [height, width, channels] = shape.length === 3 ? shape : [1, change.length, 1];
  const largest = Math.max(...change.map(Math.abs)) || 1;
  const lines: string[] = [];
  for (let c = 0; c < channels; c++) {
    if (channels > 1) lines.push(`  channel ${c}:`);
    for (let y = 0; y < height; y++) {
      const cells: string[] = [];
      for (let x = 0; x < width; x++) {
        const v = change[(y * width + x) * channels + c];
        const shade = SHADES[Math.min(SHADES.length - 1, Math.round((Math.abs(v) / largest) * (SHADES.length - 1)))];
        cells.push(shade === ' ' ? '  ' : (v < 0 ? '-' : '+') + shade);
      }
      lines.push(`  ${cells.join(' ')}`);
    }
  }
  return lines;
}
