/** Number formatting and the words that name the explained output and its units. */
import type { Explanation, OutputSelector, Prediction } from '../src/protocol';
import { probabilityClause } from '../src/shared/probabilityText';

/** Signed-friendly compact number: 4 significant digits, exponent notation only for tiny/huge magnitudes. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-4 || abs >= 1e6) {
    // Trailing zeros of the mantissa say nothing ("2.3e-7", not "2.300000e-7").
    return value
      .toExponential(digits - 1)
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  }
  return Number(value.toPrecision(digits)).toString();
}

/** Identity numbers need more digits so that the sum visibly adds up. */
export function precise(value: number): string {
  return num(value, 7);
}

export function signed(value: number, digits = 4): string {
  return value > 0 ? `+${num(value, digits)}` : num(value, digits);
}

export function percent(value: number): string {
  return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)}%`;
}

export function predictionText(prediction: Prediction): string {
  if ('label' in prediction) return `${prediction.label} (${probabilityClause(prediction.probability)})`;
  return num(prediction.value, 6);
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
