import type { Contribution, Explanation } from '../../protocol';
import { plainText } from '../../shared/safeText';
import { probabilityClause } from '../../shared/probabilityText';
import { rowSourceText } from '../../shared/rowSource';
import { numberText, signedText } from '../../shared/numberText';

/** The output kind in words, with its units (path-kernel.md §2.4: the UI must say so). */
export function describeOutput(explanation: Explanation): string {
  const { kind, class: name } = explanation.output;
  switch (kind) {
    case 'logit':
      return `the logit of class "${name}" (units: logits)`;
    case 'log-odds':
      return `the log-odds of class "${name}" (units: log-odds)`;
    case 'margin':
      return `the margin of "${name}" over the runner-up (units: logits)`;
    case 'value':
      return 'the predicted value (units: the target’s own)';
  }
}

/** A plain-text report: the identity, then the top K supporters and opposers. */
export function explanationTable(explanation: Explanation, top: number, trainingValues: (index: number) => string): string {
  const lines: string[] = [];
  const e = explanation;
  // Dataset text reaches a terminal: one line each, no escape sequences, bounded (safeText.ts).
  const where = `${e.split === 'input' ? 'input' : e.split} row ${e.row} (${plainText(rowSourceText(e.file, e.line), 200)})`;
  const predicted =
    'label' in e.prediction
      ? `${plainText(e.prediction.label, 60)} (${probabilityClause(e.prediction.probability)})`
      : numberText(e.prediction.value);
  lines.push(`${where}: true label ${plainText(e.label ?? '—', 60)}, predicted ${predicted}`);
  lines.push(`Explained output: ${describeOutput(e)}`);
  const sum = e.kernelMachine - e.bias;
  lines.push(
    `network ${numberText(e.network)} = bias ${numberText(e.bias)} + Σ contributions ${numberText(sum)} (kernel machine ${numberText(e.kernelMachine)})`,
  );
  lines.push(
    `residual ${signedText(e.residual.signed)}, relative ${numberText(e.residual.rel)} ${e.residual.flagged ? `> tolerance ${e.residual.tolerance}: FLAGGED, not exact` : `≤ tolerance ${e.residual.tolerance}`}  [backend ${e.backend}]`,
  );
  const supporters = e.contributions.filter((c) => c.contribution > 0).slice(0, top);
  const opposers = e.contributions.filter((c) => c.contribution < 0).slice(0, top);
  for (const [title, rows] of [
    ['Supporters (push the output up)', supporters],
    ['Opposers (push the output down)', opposers],
  ] as const) {
    lines.push('', title);
    lines.push(table(rows, trainingValues));
  }
  return lines.join('\n');
}

function table(rows: Contribution[], trainingValues: (index: number) => string): string {
  const header = ['rank', 'contribution', 'kernel', 'coefficient', 'source', 'label', 'values'];
  const body = rows.map((c, k) => [
    String(k + 1),
    signedText(c.contribution),
    numberText(c.kernel),
    numberText(c.coefficient),
    plainText(rowSourceText(c.file, c.line), 60),
    plainText(c.label, 60),
    plainText(trainingValues(c.index), 200),
  ]);
  if (body.length === 0) return '  (none)';
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((r) => Math.min(r[j].length, 60))));
  const render = (r: string[]) =>
    '  ' +
    r
      .map((cell, j) => (cell.length > 60 ? cell.slice(0, 57) + '...' : cell).padEnd(widths[j]))
      .join('  ')
      .trimEnd();
  return [render(header), ...body.map(render)].join('\n');
}
