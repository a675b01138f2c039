/** Dataset text is data: hostile cells render as literal text under the real CSP, with no violations. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExplanationViewState, TestSetRow } from '../../src/protocol';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webviewCsp, webviewHtml } from '../../src/extension/webview/webviewHtml';
import { isFromWebview } from '../../src/extension/webview/webviewMessages';
import { reportDocument, reportProblem } from '../../src/extension/explain/htmlReport';
import { fixture, openView, startHarness, type Harness, type ViewPage, HOSTILE_IMG, HOSTILE_SCRIPT, HOSTILE_LINK } from './harness';

const IMG = HOSTILE_IMG;
const SCRIPT = HOSTILE_SCRIPT;
const MD = HOSTILE_LINK;

let harness: Harness;
before(async () => {
  harness = await startHarness();
});
after(async () => {
  await harness?.close();
});

async function assertInert(view: ViewPage): Promise<void> {
  await view.page.waitForTimeout(200); // give an onerror handler time to fire, if one existed
  assert.equal(await view.page.locator('img').count(), 0, 'no <img> created');
  assert.equal(await view.page.locator('script').count(), 2, 'only the stub and the bundle scripts');
  assert.equal(await view.page.locator('a[href^="command:"], a[href*="workbench"]').count(), 0, 'no command links');
  assert.deepEqual(view.dialogs, [], 'no dialog fired');
  assert.deepEqual(await view.violations(), [], 'no CSP violations');
  assert.deepEqual(view.errors, []);
}

describe('hostile dataset text', () => {
  it('explanation: labels, file names, values, classes and byLabel render as text', async () => {
    const view = await openView(harness);
    await view.send({ type: 'explanation', state: fixture<ExplanationViewState>('hostile-explanation.json') });
    const body = (await view.page.locator('body').textContent()) ?? '';
    for (const s of [IMG, SCRIPT, MD]) assert.ok(body.includes(s), `shows ${s} literally`);
    assert.equal(await view.page.locator('.true-label').textContent(), IMG);
    assert.equal(await view.page.locator('.row-table tbody td').first().textContent(), SCRIPT);
    assert.match((await view.page.locator('.prediction').textContent()) ?? '', /\[x\]\(command:workbench\.action\.quit\)/);
    const firstSupporter = view.page.locator('.contribution-section.supporters tbody tr[data-index]').first();
    assert.equal(await firstSupporter.locator('td').nth(2).textContent(), IMG);
    assert.equal(
      await firstSupporter.locator('a.action-link').textContent(),
      `${SCRIPT}.csv:${(await firstSupporter.locator('a.action-link').textContent())?.split(':').pop()}`,
    );
    // The chart's label axis shows the strings as SVG text too.
    const axis = (await view.page.locator('#plot-by-label svg text').allTextContents()).join('\n');
    assert.ok(axis.includes(IMG) && axis.includes(SCRIPT), 'chart tick labels are text');
    // The output select shows the class names as option text.
    const options = await view.page.locator('vscode-single-select.output-select vscode-option').allTextContents();
    assert.ok(options.some((o) => o.includes(SCRIPT)));
    await view.send({ type: 'error', message: IMG + SCRIPT });
    assert.equal(await view.page.locator('.error-message').textContent(), IMG + SCRIPT);
    await view.screenshot('security-hostile-dark');
    await assertInert(view);
    await view.page.context().close();
  });

  it('the HTML report of a hostile explanation is the same view, static and inert, with the theme’s colours', async () => {
    const view = await openView(harness);
    const state = fixture<ExplanationViewState>('hostile-explanation.json');
    await view.send({ type: 'explanation', state });
    await view.page.locator('vscode-button.export-report').click();
    const posted = (await view.posted()).at(-1);
    assert.ok(posted?.type === 'exportReport', JSON.stringify(posted).slice(0, 200));
    assert.equal(reportProblem(posted.body), null, 'the extension accepts what the webview wrote');
    assert.ok(isFromWebview(posted), 'and so does its message check');
    assert.ok(!/<(script|img|vscode-|button)/i.test(posted.body), 'no script, image, control or custom element');
    const html = reportDocument({
      ...posted,
      title: `report of ${SCRIPT}`,
      css: readFileSync(join(__dirname, '..', '..', 'media', 'webview.css'), 'utf8'),
      exportedAt: new Date(0),
    });
    const context = await harness.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
    const report = await context.newPage();
    const dialogs: string[] = [];
    report.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await report.setContent(html);
    await report.waitForTimeout(200);
    assert.equal(await report.title(), `report of ${SCRIPT}`);
    const shown = view.page.locator('.contribution-section.supporters tbody tr[data-index]');
    const copied = report.locator('.contribution-section.supporters tbody tr[data-index]');
    assert.equal(await copied.count(), await shown.count(), 'the same supporters');
    assert.equal(await copied.first().locator('td').nth(2).textContent(), IMG, 'hostile text stays text');
    assert.equal(await report.locator('.true-label').textContent(), IMG);
    assert.equal(await report.locator('img, script, iframe, a[href]').count(), 0);
    assert.equal(await report.locator('svg.kl-plot').count(), await view.page.locator('svg.kl-plot').count(), 'the charts as SVG');
    assert.equal(await report.locator('th', { hasText: 'Actions' }).count(), 0, 'controls left out');
    const colour = (page: typeof report, selector: string) =>
      page
        .locator(selector)
        .first()
        .evaluate((e) => getComputedStyle(e).backgroundColor);
    assert.equal(await colour(report, 'body'), await colour(view.page, 'body'), 'the theme’s background');
    assert.equal(await colour(report, 'td.pos'), await colour(view.page, 'td.pos'));
    assert.deepEqual(dialogs, []);
    await report.screenshot({ path: join(__dirname, '..', '..', 'test-results', 'report-hostile-dark.png'), fullPage: true });
    await context.close();
    await view.page.context().close();
  });

  it('test set: hostile labels and predictions render as text', async () => {
    const view = await openView(harness, 'light');
    const testSet = fixture<{ runName: string; rows: TestSetRow[] }>('iris-test-set.json');
    await view.send({ type: 'testSet', runName: `${MD}`, rows: testSet.rows });
    const cells = await view.page.locator('table.test-set tbody td').allTextContents();
    assert.ok(cells.includes(IMG) && cells.includes(SCRIPT));
    assert.ok(((await view.page.locator('h1').textContent()) ?? '').includes(MD));
    await assertInert(view);
    await view.page.context().close();
  });

  it('the violation listener does catch a blocked inline style and script (the check can fail)', async () => {
    const view = await openView(harness);
    await view.page.evaluate(() => {
      const style = document.createElement('style');
      style.textContent = 'body { color: red }';
      document.head.appendChild(style);
      const script = document.createElement('script');
      script.textContent = 'window.__ran = true';
      document.body.appendChild(script);
    });
    await view.page.waitForTimeout(100);
    const directives = (await view.violations()).map((v) => v.directive);
    assert.ok(
      directives.some((d) => d.startsWith('style-src')),
      `style blocked: ${directives}`,
    );
    assert.ok(
      directives.some((d) => d.startsWith('script-src')),
      `script blocked: ${directives}`,
    );
    assert.equal(await view.page.evaluate(() => (window as unknown as { __ran?: boolean }).__ran ?? false), false);
    await view.page.context().close();
  });
});

describe('webviewHtml', () => {
  it('builds a nonce-only, no-eval, no-remote CSP', () => {
    const csp = webviewCsp('https://file+.vscode-resource.vscode-cdn.net', 'abc123');
    assert.equal(
      csp,
      "default-src 'none'; script-src 'nonce-abc123'; style-src https://file+.vscode-resource.vscode-cdn.net; img-src https://file+.vscode-resource.vscode-cdn.net data:; font-src https://file+.vscode-resource.vscode-cdn.net",
    );
    const html = webviewHtml({
      cspSource: 'vscode-resource:',
      nonce: 'abc123',
      scriptUri: 'vscode-resource:/dist/webview.js',
      styleUri: 'vscode-resource:/media/webview.css',
      title: 'A <b>title</b>',
    });
    assert.ok(!/unsafe-eval|unsafe-inline/.test(html));
    assert.ok(!/https?:\/\//.test(html), 'no remote content');
    assert.match(html, /<script nonce="abc123" src="vscode-resource:\/dist\/webview\.js"><\/script>/);
    assert.equal((html.match(/<script/g) ?? []).length, 1);
    assert.match(html, /<title>A &#60;b&#62;title&#60;\/b&#62;<\/title>/);
    assert.throws(() => webviewHtml({ cspSource: 'x', nonce: '"><script>', scriptUri: 'a', styleUri: 'b', title: 't' }));
  });
});
