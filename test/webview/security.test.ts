/** Dataset text is data: hostile cells render as literal text under the real CSP, with no violations. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ExplanationViewState, TestSetRow } from '../../src/protocol';
import { webviewCsp, webviewHtml } from '../../src/extension/webview/webviewHtml';
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
    const firstSupporter = view.page.locator('.contribution-section.supporters tbody tr').first();
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
