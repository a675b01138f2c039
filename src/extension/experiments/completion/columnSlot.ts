/**
 * Where, in an experiment file's text, a CSV column name is expected (pure, no VS Code): the value of
 * `dataset.target`, an item of `dataset.ignore`, or a key of `dataset.columns`.
 */
import { getLocation } from 'jsonc-parser';

export interface ColumnSlot {
  /** What the slot takes: a string value, or a property key of `dataset.columns`. */
  kind: 'value' | 'key';
  /** The text a completion replaces (the string being typed, quotes included), or an empty span at the cursor. */
  start: number;
  end: number;
}

function isColumnValue(path: readonly (string | number)[]): boolean {
  if (path[0] !== 'dataset') return false;
  if (path.length === 2) return path[1] === 'target';
  return path.length === 3 && path[1] === 'ignore' && typeof path[2] === 'number';
}

/** The column slot at `offset`, or null when the cursor is anywhere else. */
export function columnSlotAt(text: string, offset: number): ColumnSlot | null {
  const location = getLocation(text, offset);
  const { path, previousNode, isAtPropertyKey } = location;
  // A key being typed is a 'property' node, a value a 'string' node; both span their quotes.
  const typed =
    (previousNode?.type === 'string' || previousNode?.type === 'property') &&
    offset > previousNode.offset &&
    offset <= previousNode.offset + previousNode.length;
  const span = typed ? { start: previousNode.offset, end: previousNode.offset + previousNode.length } : { start: offset, end: offset };
  if (isAtPropertyKey) {
    return path.length === 3 && path[0] === 'dataset' && path[1] === 'columns' ? { kind: 'key', ...span } : null;
  }
  return isColumnValue(path) ? { kind: 'value', ...span } : null;
}
