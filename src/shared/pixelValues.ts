/** The first width·height numeric cells of a row: its pixels (a pixel CSV's row), or null when there are fewer. */
export function pixelValues(cells: readonly string[], width: number, height: number): number[] | null {
  const pixels: number[] = [];
  for (const cell of cells) {
    const value = Number(cell);
    if (cell.trim() !== '' && Number.isFinite(value)) pixels.push(value);
    if (pixels.length === width * height) return pixels;
  }
  return null;
}
