/**
 * How a column would be learnt as the target, in the words New Experiment shows (pure, no VS Code): the engine
 * classifies text and whole numbers with few distinct values (MAX_INTEGER_CLASSES) and regresses the rest.
 */
import { MAX_INTEGER_CLASSES, type ColumnSchema } from '../../../protocol';

export function targetDescription(column: ColumnSchema): string {
  if (column.type === 'categorical') return `categorical, ${column.distinct} classes`;
  const range = column.min !== undefined ? `, ${column.min} to ${column.max}` : '';
  if (column.integer && column.distinct <= MAX_INTEGER_CLASSES)
    return `whole numbers${range}: ${column.distinct} values, learnt as ${column.distinct} classes`;
  return `numeric${range}: learnt as a number (regression)`;
}
