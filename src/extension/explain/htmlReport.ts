/**
 * The standalone HTML report of an explanation (pure, no VS Code): the markup the webview wrote
 * (webview/reportSnapshot.ts), checked again here, inside a page that carries the view's stylesheet and the
 * theme's colours and a CSP that lets nothing run or load. It reads the same in any browser, offline.
 */
import { escapeMarkup, isReportAttribute, isThemeVariable, REPORT_ELEMENTS, REPORT_MAX_CHARS } from '../../shared/reportMarkup';

const TAG = /^(\/?)([A-Za-z][\w.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<>]*")*)\s*>/;
const ATTRIBUTE = /\s+([A-Za-z_][\w:.-]*)="/g;

/**
 * Why `body` is not a report the webview's serializer could have written, or null when it is: every `<` must
 * open an allowed tag whose attributes are all allowed (text and values are escaped, so `<` appears nowhere else).
 */
export function reportProblem(body: string): string | null {
  if (body.length > REPORT_MAX_CHARS) return `the report is larger than ${REPORT_MAX_CHARS} characters`;
  const pieces = body.split('<');
  for (let k = 1; k < pieces.length; k++) {
    const tag = TAG.exec(pieces[k]);
    if (!tag) return `unexpected markup at "<${pieces[k].slice(0, 40)}"`;
    if (!REPORT_ELEMENTS.has(tag[2])) return `element <${tag[2]}> is not allowed in a report`;
    for (const [, name] of tag[3].matchAll(ATTRIBUTE)) if (!isReportAttribute(name)) return `attribute ${name} is not allowed in a report`;
  }
  return null;
}

export interface ReportParts {
  title: string;
  body: string;
  theme: Record<string, string>;
  bodyClass: string;
  /** The explanation view's stylesheet (media/webview.css). */
  css: string;
  exportedAt: Date;
}

/** The report page; throws when the body fails `reportProblem`. */
export function reportDocument(parts: ReportParts): string {
  const problem = reportProblem(parts.body);
  if (problem) throw new Error(`cannot export this view: ${problem}`);
  const variables = Object.entries(parts.theme)
    .filter(([name, value]) => isThemeVariable(name, value))
    .map(([name, value]) => `  ${name}: ${value};`)
    .join('\n');
  const bodyClass = /^[\w -]*$/.test(parts.bodyClass) ? parts.bodyClass : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Kernel Lens">
<title>${escapeMarkup(parts.title)}</title>
<style>
:root {
${variables}
}
body { background: var(--vscode-editor-background); color: var(--vscode-foreground); }
</style>
<style>
${parts.css.replace(/<\/style/gi, '<\\/style')}
</style>
</head>
<body class="${escapeMarkup(bodyClass)} kernel-lens-report">
<main id="app">${parts.body}</main>
<footer class="report-footer"><p>Exported from Kernel Lens on ${escapeMarkup(parts.exportedAt.toISOString())}: a static copy of the explanation view (no scripts; the buttons of the view are left out).</p></footer>
</body>
</html>
`;
}
