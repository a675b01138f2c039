/** Small Explanation objects for tests of what the extension builds from them. */
import type { Contribution, Explanation } from '../../src/protocol';

/** An explanation of `file:line` whose training rows (by line of `train.csv`) contribute the given amounts. */
export function explanationOf(
  line: number,
  contributions: Record<number, number>,
  extra: Partial<Explanation> = {},
  labels: Record<number, string> = {},
): Explanation {
  const listed: Contribution[] = Object.entries(contributions).map(([l, c], index) => ({
    index,
    file: 'train.csv',
    line: Number(l),
    label: labels[Number(l)] ?? 'a',
    contribution: c,
    kernel: null,
    coefficient: null,
  }));
  listed.sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
  const sum = listed.reduce((s, c) => s + c.contribution, 0);
  return {
    run: 'r',
    split: 'test',
    row: 0,
    file: 'train.csv',
    line,
    label: 'a',
    prediction: { label: 'a', probability: 0.9 },
    output: { kind: 'logit', class: 'a', units: 'logit' },
    network: 0.5 + sum,
    bias: 0.5,
    kernelMachine: 0.5 + sum,
    residual: { signed: 0, abs: 0, rel: 1e-7, tolerance: 1e-3, flagged: false },
    backend: 'wasm',
    contributions: listed,
    ...extra,
  };
}
