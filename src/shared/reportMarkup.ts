/**
 * What a standalone HTML report of an explanation may contain, shared by the webview that writes it
 * (webview/reportSnapshot.ts) and the extension that checks it before saving (src/extension/explain/htmlReport.ts):
 * the view's static markup, charts as inline SVG, and nothing that runs, loads or navigates. Imports nothing, so the
 * webview bundle can take it as a value.
 */

/** Elements a report keeps (others are unwrapped to their content, or dropped with it: REPORT_DROPPED). */
// prettier-ignore
export const REPORT_ELEMENTS: ReadonlySet<string> = new Set([
  // HTML
  'div', 'section', 'header', 'footer', 'h1', 'h2', 'h3', 'h4', 'p', 'span', 'strong', 'em', 'b', 'i', 'code', 'small',
  'table', 'caption', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'details', 'summary', 'ul', 'ol', 'li', 'dl', 'dt',
  'dd', 'figure', 'figcaption', 'br', 'hr', 'abbr', 'progress',
  // SVG, as Observable Plot and the thumbnails draw it
  'svg', 'g', 'path', 'rect', 'circle', 'ellipse', 'line', 'polyline', 'polygon', 'text', 'tspan', 'title', 'desc',
  'defs', 'clipPath',
]);

/** Elements left out with everything inside them: controls that do nothing without the extension, and anything active. */
// prettier-ignore
export const REPORT_DROPPED: ReadonlySet<string> = new Set([
  'script', 'style', 'template', 'iframe', 'object', 'embed', 'link', 'meta', 'base', 'form', 'button', 'input',
  'select', 'textarea', 'option', 'noscript', 'img', 'video', 'audio', 'canvas', 'foreignObject', 'use', 'image',
]);

/** Largest report body the extension accepts from the webview (characters). */
export const REPORT_MAX_CHARS = 32_000_000;

/** Elements written without a closing tag. */
export const REPORT_VOID: ReadonlySet<string> = new Set(['br', 'hr']);

const ATTRIBUTE_NAME = /^[A-Za-z_][\w:.-]*$/;
/** Attributes that carry a URL, a style or a way to run code. */
// prettier-ignore
const UNSAFE_ATTRIBUTES = new Set([
  'style', 'href', 'xlink:href', 'src', 'srcset', 'srcdoc', 'action', 'formaction', 'background', 'poster', 'data',
  'codebase', 'ping', 'http-equiv', 'content', 'tabindex', 'contenteditable', 'draggable',
]);

/** Whether a report may keep an attribute: no event handler (`on…`), URL, inline style or focus trap. */
export function isReportAttribute(name: string): boolean {
  const lower = name.toLowerCase();
  return ATTRIBUTE_NAME.test(name) && !lower.startsWith('on') && !UNSAFE_ATTRIBUTES.has(lower);
}

/** Text and attribute values escaped so that `<` and `>` in a report only ever start and end tags. */
export function escapeMarkup(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A theme variable the report may carry: a `--vscode-*` name and a value with no way out of its declaration. */
export function isThemeVariable(name: string, value: string): boolean {
  return /^--vscode-[A-Za-z0-9-]{1,120}$/.test(name) && value.length <= 300 && !/[<>{};\\]/.test(value);
}
