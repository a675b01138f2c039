/**
 * One row explained under two runs, side by side (pure, no VS Code): the same output under both, and the training
 * rows whose contributions changed most, matched by their place in the data (runs with other seeds number rows
 * differently).
 */
import type { ComparedExplanation, Contribution, ContributionChange, Explanation, OutputSelector, RowComparison } from '../../../protocol';
import { rowSourceText } from '../../../shared/rowSource';
import { COMPARED_PER_SIDE } from '../../../protocol/limits';

/** The selector that explains, under the second run, what the first explanation explains. */
export function sameOutput(first: Explanation): OutputSelector {
  if (first.output.kind === 'margin') return { kind: 'margin' };
  return first.output.class === null ? { kind: 'default' } : { kind: 'class', class: first.output.class };
}

const keyOf = (c: Pick<Contribution, 'file' | 'line'>): string => `${c.file}\u0000${c.line ?? ''}`;

interface Ranked {
  /** Every listed row by key, with its 1-based rank by |contribution| (tied rows share the higher rank). */
  byKey: Map<string, { c: Contribution; rank: number }>;
  /** The keys of its strongest supporters and opposers. */
  strongest: string[];
}

/** One sort of an explanation's rows gives both their ranks and its strongest supporters and opposers. */
function ranked(e: Explanation): Ranked {
  const sorted = [...e.contributions].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
  const byKey = new Map<string, { c: Contribution; rank: number }>();
  let rank = 0;
  sorted.forEach((c, k) => {
    if (k === 0 || Math.abs(c.contribution) < Math.abs(sorted[k - 1].contribution)) rank = k + 1;
    byKey.set(keyOf(c), { c, rank });
  });
  const supporters = sorted.filter((c) => c.contribution > 0).slice(0, COMPARED_PER_SIDE);
  const opposers = sorted.filter((c) => c.contribution < 0).slice(0, COMPARED_PER_SIDE);
  return { byKey, strongest: [...supporters, ...opposers].map(keyOf) };
}

function compared(e: Explanation, runDir: string, title: string): ComparedExplanation {
  return {
    runDir,
    title,
    split: e.split === 'input' ? 'test' : e.split,
    row: e.row,
    prediction: e.prediction,
    network: e.network,
    bias: e.bias,
    residualRel: e.residual.rel,
  };
}

export function rowComparison(
  a: { explanation: Explanation; runDir: string; title: string },
  b: { explanation: Explanation; runDir: string; title: string },
): RowComparison {
  // A row among one run's strongest is looked up in the other's list (the panel asks for every row's contribution);
  // it is missing there only when the other run does not train on it (another seed's split).
  const inA = ranked(a.explanation);
  const inB = ranked(b.explanation);
  const keys = new Set([...inA.strongest, ...inB.strongest]);
  const changes: ContributionChange[] = [...keys].map((key) => {
    const ra = inA.byKey.get(key);
    const rb = inB.byKey.get(key);
    const c = (ra ?? rb)?.c as Contribution;
    return {
      source: rowSourceText(c.file, c.line),
      label: c.label,
      a: ra?.c.contribution ?? null,
      b: rb?.c.contribution ?? null,
      rankA: ra?.rank ?? null,
      rankB: rb?.rank ?? null,
    };
  });
  // Rows both runs train on first, by how much their contribution changed; then the others, by their one value.
  const known = (c: ContributionChange): boolean => c.a !== null && c.b !== null;
  const size = (c: ContributionChange): number => (known(c) ? Math.abs((c.b as number) - (c.a as number)) : Math.abs(c.a ?? c.b ?? 0));
  changes.sort((x, y) => Number(known(y)) - Number(known(x)) || size(y) - size(x));
  return {
    row: { source: rowSourceText(a.explanation.file, a.explanation.line), label: a.explanation.label },
    output: a.explanation.output,
    runs: [compared(a.explanation, a.runDir, a.title), compared(b.explanation, b.runDir, b.title)],
    changes,
  };
}
