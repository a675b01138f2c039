import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { OutputSelector, Split } from '../../protocol';
import { UserError } from '../errors';
import { firstLineOf } from '../../shared/messageOf';
import type { IntegerRange } from '../../protocol/limits';

export type CliValues = Record<string, string | boolean | undefined>;

/** Parses one sub-command's flags; unknown flags and missing values are one clear line. */
export function parseCommand(
  argv: string[],
  options: Record<string, { type: 'string' | 'boolean' }>,
): { values: CliValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { ...options, backend: { type: 'string' }, 'memory-budget-mb': { type: 'string' }, 'native-modules': { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as CliValues, positionals };
  } catch (error) {
    throw new UserError(firstLineOf(error));
  }
}

/** A whole-number flag within `range` (the shared limits); absent, `range.default`. */
export function integerFlag(
  values: CliValues,
  name: string,
  range: IntegerRange = { min: 0, max: Number.MAX_SAFE_INTEGER },
): number | undefined {
  const { min, max } = range;
  const raw = values[name];
  if (raw === undefined) return range.default;
  // Digits only: '', '1e0', '0x1', ' 2' and '1.0' are not whole numbers as a user writes them.
  const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (typeof raw !== 'string' || !Number.isSafeInteger(n) || n < min || n > max)
    throw new UserError(`--${name} must be an integer from ${min} to ${max} (got "${String(raw)}")`);
  return n;
}

/** A decimal flag within [min, max]; absent, `range.default`. */
export function numberFlag(values: CliValues, name: string, range: { min: number; max: number; default: number }): number {
  const raw = values[name];
  if (raw === undefined) return range.default;
  const n = typeof raw === 'string' && /^\d*\.?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= range.min && n <= range.max))
    throw new UserError(`--${name} must be a number from ${range.min} to ${range.max} (got "${String(raw)}")`);
  return n;
}

export function stringFlag(values: CliValues, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

/** The one positional argument (a file or run directory), resolved to an absolute path. */
export function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1)
    throw new UserError(`expected one ${what} (got ${positionals.length === 0 ? 'none' : positionals.join(' ')})`);
  return path.resolve(positionals[0]);
}

/** `--class NAME` or `--margin` (exclusive), else the default output. */
export function outputSelector(values: CliValues): OutputSelector {
  const name = stringFlag(values, 'class');
  if (name !== undefined && values.margin) throw new UserError('--class and --margin exclude each other');
  if (name !== undefined) return { kind: 'class', class: name };
  return values.margin ? { kind: 'margin' } : { kind: 'default' };
}

/** `--split test|train`, default test. */
export function splitFlag(values: CliValues): Split {
  const split = stringFlag(values, 'split') ?? 'test';
  if (split !== 'test' && split !== 'train') throw new UserError(`--split must be test or train (got "${split}")`);
  return split;
}
