/** Human titles for explained rows (pure). */
import type { ExplainQuery } from '../../protocol';

export function describeRowTitle(query: ExplainQuery): string {
  return query.split === 'input' ? `row ${query.row} of ${query.input ?? 'input'}` : `${query.split} row ${query.row}`;
}

/** "setosa (97.0%), label setosa" without Markdown. */
export function describePredictionPlain(
  prediction: { label: string; probability: number } | { value: number },
  label: string | null,
): string {
  const p = 'label' in prediction ? `${prediction.label} (${(prediction.probability * 100).toFixed(1)}%)` : prediction.value.toPrecision(4);
  return label === null ? `predicts ${p}` : `predicts ${p}, label ${label}`;
}
