/** The engine's log: one line per event on stderr (the extension shows it in the "Kernel Lens Engine" channel). */

/** Makes client-supplied text safe for a one-line log entry. */
export function printable(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export function logLine(message: string): void {
  process.stderr.write(`[engine ${new Date().toISOString()}] ${message}\n`);
}
