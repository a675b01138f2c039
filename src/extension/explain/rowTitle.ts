/** Human titles for explained rows (pure). */
import type { ExplainQuery } from '../../protocol';
import { numberText } from '../../shared/numberText';
import { probabilityClause } from '../../shared/probabilityText';

export function describeRowTitle(query: ExplainQuery): string {
  return query.split === 'input' ? `row ${query.row} of ${query.input ?? 'input'}` : `${query.split} row ${query.row}`;
}

/** "setosa (p = 0.970), label setosa" without Markdown. */
export function describePredictionPlain(
  prediction: { label: string; probability: number } | { value: number },
  label: string | null,
): string {
  const p = 'label' in prediction ? `${prediction.label} (${probabilityClause(prediction.probability)})` : numberText(prediction.value);
  return label === null ? `predicts ${p}` : `predicts ${p}, label ${label}`;
}
