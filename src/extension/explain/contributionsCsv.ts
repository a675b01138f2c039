/** Explanation contributions as CSV text (pure, no VS Code). */
import type { Explanation } from '../../protocol';
import { csvCell } from '../../shared/csv/csvCells';

/** A cell for spreadsheets: a leading =, +, -, @ is prefixed with ' so it is never run as a formula, then quoted as CSV. */
export function exportCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return csvCell(text, ',');
}

export function contributionsCsv(explanation: Explanation): string {
  const lines = ['rank,index,file,line,label,contribution,kernel,coefficient'];
  explanation.contributions.forEach((c, i) => {
    lines.push([i + 1, c.index, c.file, c.line, c.label, c.contribution, c.kernel, c.coefficient].map(exportCell).join(','));
  });
  return lines.join('\n') + '\n';
}
