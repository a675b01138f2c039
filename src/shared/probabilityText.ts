/**
 * A probability as every view writes it: three decimals, and never "1" or "0" for a value that is not (a wrong
 * prediction at p = 0.9996 reads "> 0.999"). Imports nothing, so the webview bundle takes it too.
 */
export function probabilityText(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  if (p >= 0.9995 && p < 1) return '> 0.999';
  if (p > 0 && p < 0.0005) return '< 0.001';
  return p.toFixed(3);
}

/** "p = 0.946", "p > 0.999", "p < 0.001". */
export function probabilityClause(p: number): string {
  const text = probabilityText(p);
  return text.startsWith('>') || text.startsWith('<') ? `p ${text}` : `p = ${text}`;
}
