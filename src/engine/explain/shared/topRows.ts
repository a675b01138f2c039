/** Training rows ordered by |contribution|, largest first; ties by row index so the order is stable. */
export function rowsByMagnitude(values: Float64Array): number[] {
  return Array.from(values.keys()).sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]) || a - b);
}

/** The `top` rows of `rowsByMagnitude`. */
export function topIndices(values: Float64Array, top: number): number[] {
  return rowsByMagnitude(values).slice(0, top);
}
