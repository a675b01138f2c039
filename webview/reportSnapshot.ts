/**
 * A static copy of what the view shows, for "Export HTML Report": the rendered DOM written out as markup that
 * keeps only REPORT_ELEMENTS and safe attributes (src/shared/reportMarkup.ts), every text and value escaped, the
 * controls left out, and the theme's colours as they are now. The extension checks it again and saves it.
 */
import { escapeMarkup, isReportAttribute, isThemeVariable, REPORT_DROPPED, REPORT_ELEMENTS, REPORT_VOID } from '../src/shared/reportMarkup';

export interface ReportSnapshot {
  body: string;
  theme: Record<string, string>;
  bodyClass: string;
}

function write(node: Node, out: string[]): void {
  if (node.nodeType === Node.TEXT_NODE) {
    out.push(escapeMarkup(node.textContent ?? ''));
    return;
  }
  if (node.nodeType !== Node.ELEMENT_NODE) return;
  const element = node as Element;
  // localName keeps SVG's case (clipPath); HTML's is lower case.
  const tag = element.localName;
  if (REPORT_DROPPED.has(tag) || tag.startsWith('vscode-') || element.classList.contains('report-omit')) return;
  if (!REPORT_ELEMENTS.has(tag)) {
    element.childNodes.forEach((child) => write(child, out));
    return;
  }
  const attributes = Array.from(element.attributes)
    .filter((a) => isReportAttribute(a.name))
    .map((a) => ` ${a.name}="${escapeMarkup(a.value)}"`)
    .join('');
  out.push(`<${tag}${attributes}>`);
  if (REPORT_VOID.has(tag)) return;
  // A closed <details> stays closed in the report; its summary still opens it (no script needed).
  element.childNodes.forEach((child) => write(child, out));
  out.push(`</${tag}>`);
}

/** The theme's --vscode-* variables as VS Code set them on the page, so the report keeps today's colours. */
function themeVariables(): Record<string, string> {
  const theme: Record<string, string> = {};
  const style = document.documentElement.style;
  for (let i = 0; i < style.length; i++) {
    const name = style.item(i);
    const value = style.getPropertyValue(name).trim();
    if (isThemeVariable(name, value)) theme[name] = value;
  }
  return theme;
}

export function reportSnapshot(root: Element): ReportSnapshot {
  const out: string[] = [];
  write(root, out);
  const bodyClass = Array.from(document.body.classList)
    .filter((c) => /^[\w-]+$/.test(c))
    .join(' ');
  return { body: out.join(''), theme: themeVariables(), bodyClass };
}
