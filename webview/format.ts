/** Number formatting and the words that name the explained output and its units. */
import type { Explanation, OutputSelector, Prediction } from '../src/protocol';
import { probabilityClause } from '../src/shared/probabilityText';

/** The shared number style (src/shared/numberText.ts); `precise` for tooltips. */
import { numberText } from '../src/shared/numberText';
export { numberText as num, percentText as percent, preciseText as precise, signedText as signed } from '../src/shared/numberText';

export function predictionText(prediction: Prediction): string {
  if ('label' in prediction) return `${prediction.label} (${probabilityClause(prediction.probability)})`;
  return numberText(prediction.value);
}

/** "logit of class X", "log-odds of class X", "margin …", "predicted value in target units". */
export function outputWords(output: Explanation['output']): string {
  switch (output.kind) {
    case 'logit':
      return `logit of class “${output.class ?? '?'}”`;
    case 'log-odds':
      return `log-odds of class “${output.class ?? '?'}”`;
    case 'margin':
      return `margin: logit of class “${output.class ?? '?'}” minus the runner-up's logit`;
    case 'value':
      return 'predicted value, in target units';
  }
}

export function unitWords(output: Explanation['output']): string {
  return output.units === 'logit'
    ? 'All numbers are in logits (log-odds), not probabilities.'
    : "All numbers are in the target's own units.";
}

/** Short unit suffix for column headers. */
export function unitShort(output: Explanation['output']): string {
  return output.units === 'logit' ? 'logits' : 'target units';
}

export function selectorKey(selector: OutputSelector): string {
  return selector.kind === 'class' ? `class:${selector.class}` : selector.kind;
}

export function selectorFromKey(key: string): OutputSelector {
  if (key.startsWith('class:')) return { kind: 'class', class: key.slice('class:'.length) };
  return key === 'margin' ? { kind: 'margin' } : { kind: 'default' };
}

export function sourceText(file: string, line: number | null): string {
  return line === null ? file : `${file}:${line}`;
}
