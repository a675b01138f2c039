/** The HTML report's checks: what the webview may hand over, and the page written around it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { reportDocument, reportProblem } from '../../src/extension/explain/htmlReport';
import { escapeMarkup, isReportAttribute, isThemeVariable } from '../../src/shared/reportMarkup';
import { isFromWebview } from '../../src/extension/webview/webviewMessages';

const good =
  '<div class="view"><h1>Explanation of <span>a.csv:3</span></h1><table class="data-table"><tr><td class="num pos">+1.2</td></tr></table>' +
  `<svg class="kl-plot" viewBox="0 0 10 10"><g aria-label="line"><path d="M0,0L1,1"></path></g></svg><p>${escapeMarkup('<img src=x onerror=alert(1)> & "q"')}</p><br></div>`;

const parts = {
  title: 'T <b>',
  body: good,
  theme: { '--vscode-foreground': '#ccc' },
  bodyClass: 'vscode-dark',
  css: '.x{}',
  exportedAt: new Date(0),
};

test('a report body from the serializer passes; anything that could run, load or navigate does not', () => {
  assert.equal(reportProblem(good), null);
  const bad: [string, RegExp][] = [
    ['<script>alert(1)</script>', /<script> is not allowed/],
    ['<img src=x onerror=alert(1)>', /unexpected markup|<img>/],
    ['<img src="x">', /<img> is not allowed/],
    ['<div onclick="alert(1)">x</div>', /attribute onclick/],
    ['<div style="background:url(x)">x</div>', /attribute style/],
    ['<a href="javascript:alert(1)">x</a>', /<a> is not allowed/],
    ['<svg><use href="#x"></use></svg>', /<use> is not allowed/],
    ['<div title="a>b">x</div>', /unexpected markup/],
    ['<div class=x>y</div>', /unexpected markup/],
    ['<meta http-equiv="refresh" content="0;url=https://example.com">', /<meta> is not allowed/],
    ['<!-- comment -->', /unexpected markup/],
    ['<div\ntabindex="0">x</div>', /attribute tabindex/],
  ];
  for (const [body, why] of bad) assert.match(reportProblem(body) ?? 'accepted', why, body);
});

test('the report page: CSP that runs nothing, escaped title, only theme variables that cannot break out', () => {
  const html = reportDocument({ ...parts, theme: { ...parts.theme, '--vscode-x': 'red; } body { display:none', color: 'red' } });
  assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
  assert.match(html, /<title>T &lt;b&gt;<\/title>/);
  assert.match(html, /--vscode-foreground: #ccc;/);
  assert.ok(!html.includes('display:none') && !html.includes('color: red'), 'unsafe variables dropped');
  assert.ok(html.includes(good));
  assert.match(html, /1970-01-01T00:00:00\.000Z/);
  assert.throws(() => reportDocument({ ...parts, body: '<script>x</script>' }), /cannot export this view: element <script>/);
  assert.ok(
    reportDocument({ ...parts, css: 'a{}</style><script>x</script>' }).includes('a{}<\\/style><script>x</script>'),
    'css cannot close its element',
  );
});

test('attribute and theme rules', () => {
  for (const name of ['class', 'aria-label', 'viewBox', 'd', 'text-anchor', 'scope', 'title', 'open'])
    assert.ok(isReportAttribute(name), name);
  for (const name of ['onload', 'ONERROR', 'href', 'xlink:href', 'src', 'style', 'srcdoc', 'formaction', '"x'])
    assert.ok(!isReportAttribute(name), name);
  assert.ok(isThemeVariable('--vscode-editor-background', '#1e1e1e'));
  assert.ok(isThemeVariable('--vscode-font-family', '-apple-system, "Segoe UI", sans-serif'));
  assert.ok(!isThemeVariable('--other', '#fff'));
  assert.ok(!isThemeVariable('--vscode-x', 'red}'));
  assert.ok(!isThemeVariable('--vscode-x', '</style>'));
});

test('the webview message check takes a report only with a string body, safe theme variables and plain body classes', () => {
  const message = { type: 'exportReport', body: good, theme: { '--vscode-foreground': '#ccc' }, bodyClass: 'vscode-dark' };
  assert.ok(isFromWebview(message));
  assert.ok(!isFromWebview({ ...message, body: 1 }));
  assert.ok(!isFromWebview({ ...message, theme: { '--vscode-x': 'a;b' } }));
  assert.ok(!isFromWebview({ ...message, theme: null }));
  assert.ok(!isFromWebview({ ...message, bodyClass: 'a"b' }));
});
