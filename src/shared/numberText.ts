/**
 * How every surface (webviews, hovers, the tree, the CLI's tables) writes a number: 4 significant digits with their
 * trailing zeros (so "+1.000" lines up with "+1.121"), exponent notation only for tiny or huge magnitudes, and an
 * explicit "+" on signed quantities (contributions, changes). Full precision goes in tooltips and exports.
 * Imports nothing, so the webview bundle takes it too.
 */

export const DISPLAY_DIGITS = 4;

export function numberText(value: number | null | undefined, digits = DISPLAY_DIGITS): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  // Rounded first: 9999.6 at 4 digits is 1.000e4 in size, written as the integer 10000.
  const rounded = Number(value.toPrecision(digits));
  const abs = Math.abs(rounded);
  if (abs < 1e-4 || abs >= 1e6) return rounded.toExponential(digits - 1).replace('e+', 'e');
  // toPrecision would switch to exponent notation from 10^digits on: write the integer instead.
  if (abs >= 10 ** digits) return Math.round(value).toString();
  return rounded.toPrecision(digits);
}

/** A share as a percentage with one decimal ("93.3%"), the same in the tree, the webviews and the CLI. */
export function percentText(share: number): string {
  return Number.isFinite(share) ? `${(share * 100).toFixed(1)}%` : String(share);
}

/** A signed quantity: "+0.1234", "-0.07413", "0". */
export function signedText(value: number, digits = DISPLAY_DIGITS): string {
  return value > 0 ? `+${numberText(value, digits)}` : numberText(value, digits);
}

/** Every digit a float64 has (the shortest text that reads back as the same number), for tooltips. */
export function preciseText(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : String(value);
}
