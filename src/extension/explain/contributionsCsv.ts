/** Explanation contributions as CSV text (pure, no VS Code). */
import type { Explanation } from '../../protocol';

/** Quotes a cell when needed; a leading =, +, -, @ is prefixed with ' so spreadsheets do not run it as a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function contributionsCsv(explanation: Explanation): string {
  const lines = ['rank,index,file,line,label,contribution,kernel,coefficient'];
  explanation.contributions.forEach((c, i) => {
    lines.push([i + 1, c.index, c.file, c.line, c.label, c.contribution, c.kernel, c.coefficient].map(csvCell).join(','));
  });
  return lines.join('\n') + '\n';
}
