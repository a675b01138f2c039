/** Test set view rows from cached explanations (pure, no VS Code). */
import type { TestSetRow } from '../../protocol';
import type { HoverFacts } from '../hover/hoverMarkdown';
import { numberText } from '../../shared/numberText';

export function testSetRow(row: number, facts: HoverFacts): TestSetRow {
  const p = facts.prediction;
  const classification = 'label' in p;
  return {
    row,
    file: facts.file,
    line: facts.line,
    label: facts.label ?? '',
    prediction: classification ? p.label : numberText(p.value),
    probability: classification ? p.probability : null,
    correct: classification && facts.label !== null ? p.label === facts.label : null,
    output: facts.network,
    residualRel: facts.residual.rel,
    flagged: facts.residual.flagged,
    ...(facts.pixels ? { pixels: facts.pixels } : {}),
  };
}
