/**
 * Editor lines from csv-parse's `raw` text. csv-parse's own `info.lines` counts a CRLF inside a quoted field
 * twice, so lines are counted here: each raw chunk is what lies between records (skipped empty lines first).
 */
export class LineTracker {
  /** The line where the next raw chunk begins. */
  next = 1;
  private pendingCr = false;

  /** Consumes one record's raw text: the lines (1-based) of its first and last character. */
  advance(raw: string): { start: number; end: number } {
    let start = -1;
    let end = -1;
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i];
      if (ch === '\n' && this.pendingCr) {
        // Second half of a CRLF, possibly split across records.
        this.pendingCr = false;
        continue;
      }
      this.pendingCr = ch === '\r';
      if (ch === '\r' || ch === '\n') {
        this.next++;
      } else {
        if (start < 0) start = this.next;
        end = this.next;
      }
    }
    return start < 0 ? { start: this.next, end: this.next } : { start, end };
  }
}
