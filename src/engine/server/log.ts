import { UNSAFE_CHARACTERS } from '../../shared/safeText';
/** The engine's log: one line per event on stderr (the extension shows it in the "Kernel Lens Engine" channel). */

/** Makes client-supplied text safe for a one-line log entry. */
export function printable(text: string, max = 120): string {
  const clean = text.replace(UNSAFE_CHARACTERS, (run) => '?'.repeat(run.length));
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

export function logLine(message: string): void {
  process.stderr.write(`[engine ${new Date().toISOString()}] ${message}\n`);
}
