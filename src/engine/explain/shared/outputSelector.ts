import type { OutputKind, OutputSelector, TaskKind } from '../../../protocol';
import { UserError } from '../../errors';

/** The linear functional e of the outputs that is explained (path-kernel.md §2.4), chosen at w_T. */
export interface ResolvedOutput {
  e: Float32Array;
  kind: OutputKind;
  class: string | null;
}

export function resolveOutput(
  task: TaskKind,
  classes: string[] | null,
  finalOutput: ArrayLike<number>,
  selector: OutputSelector,
): ResolvedOutput {
  if (task === 'regression') {
    if (selector.kind !== 'default') throw new UserError('a regression output has no classes or margin to choose');
    return { e: Float32Array.of(1), kind: 'value', class: null };
  }
  const names = classes as string[];
  if (task === 'binary') {
    // One logit z = log-odds of the positive (second) class; explain the log-odds of the predicted class.
    const z = finalOutput[0];
    let positive = z > 0;
    if (selector.kind === 'class') positive = classIndex(names, selector.class) === 1;
    return { e: Float32Array.of(positive ? 1 : -1), kind: 'log-odds', class: names[positive ? 1 : 0] };
  }
  const order = Array.from(finalOutput, (v, i) => ({ v, i })).sort((a, b) => b.v - a.v || a.i - b.i);
  const e = new Float32Array(names.length);
  if (selector.kind === 'margin') {
    e[order[0].i] = 1;
    e[order[1].i] = -1;
    return { e, kind: 'margin', class: names[order[0].i] };
  }
  const index = selector.kind === 'class' ? classIndex(names, selector.class) : order[0].i;
  e[index] = 1;
  return { e, kind: 'logit', class: names[index] };
}

function classIndex(classes: string[], name: string): number {
  const index = classes.indexOf(name);
  if (index < 0) throw new UserError(`unknown class "${name}"; the classes are ${classes.map((c) => `"${c}"`).join(', ')}`);
  return index;
}
