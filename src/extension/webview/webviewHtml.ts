/**
 * The webview page, as a pure function so the extension and the headless-browser tests build the same HTML
 * (and the same Content Security Policy). No `vscode` import on purpose.
 */
import { randomBytes } from 'node:crypto';

export interface WebviewHtmlOptions {
  /** `webview.cspSource`: the origin the webview may load styles, fonts and images from. */
  cspSource: string;
  /** A fresh nonce per page load (`createNonce()`). */
  nonce: string;
  /** URI of `dist/webview.js` as the webview sees it. */
  scriptUri: string;
  /** URI of `media/webview.css` as the webview sees it. */
  styleUri: string;
  title: string;
}

/** 128 random bits, base64 without padding: unguessable per load, valid in a CSP source expression. */
export function createNonce(): string {
  return randomBytes(16).toString('base64').replace(/=+$/, '');
}

/** Escapes text for an HTML attribute or text node; only our own strings go here, never dataset text. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The Content Security Policy. Observable Plot's one inline `<style>` per chart is removed before insertion
 * (its rules live in webview.css), and Lit styles use constructable stylesheets, so no `'unsafe-inline'`.
 */
export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function webviewHtml(options: WebviewHtmlOptions): string {
  const { cspSource, nonce, scriptUri, styleUri, title } = options;
  if (!/^[A-Za-z0-9+/_-]+$/.test(nonce)) throw new Error('webviewHtml: the nonce must be base64 text');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(webviewCsp(cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(styleUri)}">
<title>${escapeHtml(title)}</title>
</head>
<body>
<main id="app" aria-live="polite" aria-busy="true"><p class="placeholder">Waiting for data…</p></main>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(scriptUri)}"></script>
</body>
</html>
`;
}
