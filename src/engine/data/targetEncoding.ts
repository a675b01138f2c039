import { MAX_INTEGER_CLASSES, type TaskKind } from '../../protocol';
import { UserError } from '../errors';
import { parseNumber } from './columnTypes';
import { quoteCell } from '../../shared/safeText';

/** How the target is encoded: class indices (classification) or standardized values (regression). */
export interface TargetEncoding {
  task: TaskKind;
  classes: string[] | null;
  positiveClass: string | null;
  targetScale: { mean: number; std: number } | null;
}

/** Where a target label came from, for messages. */
export interface LabelSource {
  file: string;
  line: number;
}

/**
 * Infers (or checks the override of) the task and fits the target encoding on the training labels (trimmed,
 * none missing). Classes are sorted numerically when every label is a number, else by code unit.
 */
export function fitTarget(
  labels: readonly string[],
  sources: readonly LabelSource[],
  target: string,
  override: TaskKind | null,
): TargetEncoding {
  const firstText = labels.findIndex((label) => parseNumber(label) === null);
  const distinct = [...new Set(labels)];
  let task: TaskKind;
  if (override === 'regression') {
    if (firstText >= 0) {
      throw new UserError(`the target of a regression must be numeric, found ${quoteCell(labels[firstText])}`, {
        ...sources[firstText],
        column: target,
      });
    }
    task = 'regression';
  } else {
    const integerValued = distinct.every((label) => Number.isInteger(parseNumber(label)));
    const classification = override !== null || firstText >= 0 || (integerValued && distinct.length <= MAX_INTEGER_CLASSES);
    task = !classification ? 'regression' : (override ?? (distinct.length === 2 ? 'binary' : 'multiclass'));
  }
  if (task === 'regression')
    return {
      task,
      classes: null,
      positiveClass: null,
      targetScale: standardScale(labels.map(Number), { column: target, where: (k) => sources[k] }),
    };

  const classes = sortClasses(distinct);
  if (classes.length < 2) {
    throw new UserError(`the target has one class (${quoteCell(classes[0] ?? '')}); classification needs at least two`, {
      file: sources[0]?.file,
      column: target,
    });
  }
  if (task === 'binary' && classes.length !== 2) {
    throw new UserError(`task "binary" needs exactly two classes, the target has ${classes.length}`, {
      file: sources[0]?.file,
      column: target,
    });
  }
  return { task, classes, positiveClass: task === 'binary' ? classes[1] : null, targetScale: null };
}

export function sortClasses(labels: readonly string[]): string[] {
  const numeric = labels.every((label) => parseNumber(label) !== null);
  return [...labels].sort((a, b) => {
    if (numeric) {
      const d = (parseNumber(a) ?? 0) - (parseNumber(b) ?? 0);
      if (d !== 0) return d;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** Where value k came from, for a message that names the file, line and column. */
export interface ValueOrigin {
  column: string;
  where: (k: number) => { file: string; line: number };
}

/**
 * Mean and population standard deviation; a constant (or empty) column gets std 1. Values so large that
 * the mean or spread overflows are refused, naming the largest one, instead of training on Infinity.
 */
export function standardScale(values: readonly number[], origin?: ValueOrigin): { mean: number; std: number } {
  if (values.length === 0) return { mean: 0, std: 1 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) squares += (v - mean) * (v - mean);
  const std = Math.sqrt(squares / values.length);
  if (!Number.isFinite(mean) || !Number.isFinite(std)) {
    let k = 0;
    for (let i = 1; i < values.length; i++) if (Math.abs(values[i]) > Math.abs(values[k])) k = i;
    throw new UserError(
      `values too large to standardize (their mean or spread overflows); the largest is ${values[k]}: rescale the column or leave it out`,
      origin ? { ...origin.where(k), column: origin.column } : {},
    );
  }
  return { mean, std: std > 0 ? std : 1 };
}
