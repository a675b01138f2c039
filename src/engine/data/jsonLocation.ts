/**
 * Where things are in a JSON text, for messages that point at a line and column. Offsets come from
 * jsonc-parser (the parser VS Code's own JSON support uses), read in strict JSON mode.
 */
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';

export interface TextPosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** Strict JSON: no comments, no trailing commas (what `JSON.parse` accepts). */
const STRICT = { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false };

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

/** The first syntax error of a text that is not valid JSON: where it is and what it is, in words. */
export function jsonSyntaxError(text: string): { offset: number; reason: string } | null {
  const errors: ParseError[] = [];
  parse(text, errors, STRICT);
  const [first] = errors;
  if (first === undefined) return null;
  // 'PropertyNameExpected' → 'property name expected'
  const reason = printParseErrorCode(first.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return { offset: first.offset, reason };
}

/**
 * The offset of the value (or, for an object key, the key) at `path` in a valid JSON text; the nearest existing
 * ancestor when the path does not exist (a missing required key points at its parent object).
 */
export function locateJsonPath(text: string, path: readonly PropertyKey[]): number {
  const root = parseTree(text, [], STRICT);
  if (root === undefined) return 0;
  const segments = path.map((key) => (typeof key === 'number' ? key : String(key)));
  for (let length = segments.length; length > 0; length--) {
    const node = findNodeAtLocation(root, segments.slice(0, length));
    if (node !== undefined) return keyOrValueOffset(node);
  }
  return root.offset;
}

/** A property's value node points at its key, so a message names the line where the key is written. */
function keyOrValueOffset(node: Node): number {
  const parent = node.parent;
  if (parent?.type === 'property' && parent.children?.[0] !== undefined) return parent.children[0].offset;
  return node.offset;
}
