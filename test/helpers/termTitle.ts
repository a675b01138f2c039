/** The full-precision number a view puts at the end of a term's hover text ("… (3.061471)" or "3.061471"). */
export function titleNumber(title: string | null): number {
  const match = /(−?-?[\d.]+(?:e[+-]?\d+)?)\)?$/.exec(title ?? '');
  return match ? Number(match[1].replace('−', '-')) : NaN;
}
