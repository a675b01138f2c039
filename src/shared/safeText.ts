/**
 * Dataset and error text made safe to show: in a notification (VS Code turns `[x](command:…)` into a
 * link there, and backslash escapes do not help), a hover, a message line or a log line.
 */

/** Control, line-separator, zero-width and bidirectional-override characters. */
// eslint-disable-next-line no-control-regex
export const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g;

/** At most `max` characters (code points), with an ellipsis when cut. */
function bounded(text: string, max: number): string {
  const points = [...text];
  return points.length > max ? `${points.slice(0, max - 1).join('')}…` : text;
}

/** One plain line: no control characters, no line breaks, bounded length. */
export function plainText(text: string, max = 120): string {
  return bounded(text.replace(UNSAFE_CHARACTERS, ' ').replace(/\s+/g, ' ').trim(), max);
}

/** Text for a notification: one line, bounded, and no `[label](target)` that could become a link. */
export function notificationText(text: string, max = 600): string {
  return plainText(text.replace(/\]\(/g, '] ('), max);
}

/** A cell value quoted for a message: trimmed, escaped as JSON does, cut with its length said. */
export function quoteCell(cell: string, max = 60): string {
  const points = [...cell.trim()];
  const shown = JSON.stringify(points.slice(0, max).join('')).slice(1, -1).replace(UNSAFE_CHARACTERS, '?').replace(/\]\(/g, '] (');
  return points.length > max ? `"${shown}…" (${points.length} characters)` : `"${shown}"`;
}

/** Column names for a message: each quoted, at most `max` of them, then how many there are. */
export function quoteNames(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((name) => quoteCell(name, 40));
  return names.length > max ? `${shown.join(', ')}, … (${names.length} in all)` : shown.join(', ');
}
