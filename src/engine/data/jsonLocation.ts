/** Where things are in a JSON text, for messages that point at a line and column. */

export interface TextPosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** The line and column of a character offset. */
export function positionAt(text: string, offset: number): TextPosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: clamped - lineStart + 1 };
}

/**
 * The offset of the syntax error in a `JSON.parse` message. V8 says "at position N" for most errors (sometimes
 * with "(line L column C)"); an unexpected end has no position, so it points at the end of the text.
 */
export function jsonErrorOffset(text: string, message: string): number {
  const match = /position (\d+)/.exec(message);
  return match ? Number(match[1]) : text.length;
}

/**
 * The offset of the value (or, for an object key, the key) at `path` in a valid JSON text; the nearest existing
 * ancestor when the path does not exist (a missing required key points at its parent object).
 */
export function locateJsonPath(text: string, path: readonly PropertyKey[]): number {
  let found = 0;
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const skipString = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  // Walks one value; `depth` is how many path segments matched so far (-1 once off the path).
  const value = (depth: number): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      while (i < text.length && text[i] !== '}') {
        ws();
        const keyAt = i;
        const key = skipString();
        const onPath = depth >= 0 && depth < path.length && String(path[depth]) === key;
        if (onPath) found = keyAt;
        ws();
        i++; // ':'
        value(onPath ? depth + 1 : -1);
        ws();
        if (text[i] === ',') i++;
        ws();
      }
      i++;
    } else if (ch === '[') {
      i++;
      let index = 0;
      ws();
      while (i < text.length && text[i] !== ']') {
        ws();
        const onPath = depth >= 0 && depth < path.length && String(path[depth]) === String(index);
        if (onPath) found = i;
        value(onPath ? depth + 1 : -1);
        ws();
        if (text[i] === ',') i++;
        ws();
        index++;
      }
      i++;
    } else if (ch === '"') {
      skipString();
    } else {
      while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
    }
  };
  value(0);
  return found;
}
