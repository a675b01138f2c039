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

/** The keys of an explanation's strongest supporters and opposers. */
function strongest(e: Explanation): string[] {
  const ranked = [...e.contributions].sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
  const supporters = ranked.filter((c) => c.contribution > 0).slice(0, COMPARED_PER_SIDE);
  const opposers = ranked.filter((c) => c.contribution < 0).slice(0, COMPARED_PER_SIDE);
  return [...supporters, ...opposers].map(keyOf);
}

/** 1-based rank by |contribution| among the explanation's listed rows. */
function rankIn(e: Explanation, c: Contribution | undefined): number | null {
  return c ? e.contributions.filter((x) => Math.abs(x.contribution) > Math.abs(c.contribution)).length + 1 : null;
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
  const everyA = new Map(a.explanation.contributions.map((c) => [keyOf(c), c]));
  const everyB = new Map(b.explanation.contributions.map((c) => [keyOf(c), c]));
  const keys = new Set([...strongest(a.explanation), ...strongest(b.explanation)]);
  const changes: ContributionChange[] = [...keys].map((key) => {
    const inA = everyA.get(key);
    const inB = everyB.get(key);
    const c = (inA ?? inB) as Contribution;
    return {
      source: rowSourceText(c.file, c.line),
      label: c.label,
      a: inA?.contribution ?? null,
      b: inB?.contribution ?? null,
      rankA: rankIn(a.explanation, inA),
      rankB: rankIn(b.explanation, inB),
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
