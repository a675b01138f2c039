/**
 * Serves the real webview page (built by `webviewHtml()`, so with the real CSP) over loopback HTTP and
 * drives it in Debian's Chromium through playwright-core. A nonce'd stub script provides
 * `acquireVsCodeApi`, records posted messages, keeps `setState` in sessionStorage (so reloads restore),
 * and records CSP violations from the very first script on.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { FromWebview, ToWebview } from '../../src/protocol';
import { createNonce, webviewHtml } from '../../src/extension/webview/webviewHtml';
import { themes, type ThemeName } from './themes';
import { launchChromium } from '../helpers/chromium';

export const repo = join(__dirname, '..', '..');
const bundle = join(repo, 'dist', 'webview.js');
export const resultsDir = join(repo, 'test-results');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds dist/webview.js when it is missing or older than webview/ or the protocol, with esbuild.js's webview options. */
async function ensureBundle(): Promise<void> {
  const sourceTime = Math.max(newestSource(join(repo, 'webview')), newestSource(join(repo, 'src', 'protocol')));
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sourceTime) return;
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [join(repo, 'webview', 'main.ts')],
    outfile: bundle,
    bundle: true,
    sourcemap: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'warning',
    write: false,
  });
  // Test files run in parallel and may all build at once: write aside, then rename (atomic).
  mkdirSync(dirname(bundle), { recursive: true });
  for (const file of result.outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
}

const stub = `(() => {
  const posted = [];
  const violations = [];
  window.__posted = posted;
  window.__violations = violations;
  document.addEventListener('securitypolicyviolation', (e) => {
    violations.push({ directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample });
  });
  let acquired = false;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi may be called only once');
    acquired = true;
    return {
      postMessage: (m) => posted.push(JSON.parse(JSON.stringify(m))),
      getState: () => JSON.parse(sessionStorage.getItem('kl-state') || 'null'),
      setState: (s) => sessionStorage.setItem('kl-state', JSON.stringify(s)),
    };
  };
})();
`;

export interface Harness {
  browser: Browser;
  origin: string;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  await ensureBundle();
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = (type: string, body: string | Buffer): void => {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/') {
      const nonce = createNonce();
      const html = webviewHtml({
        cspSource: origin,
        nonce,
        scriptUri: `${origin}/dist/webview.js`,
        styleUri: `${origin}/media/webview.css`,
        title: 'Kernel Lens',
      });
      // The stub runs first, with the page's nonce, like VS Code's own preload.
      send('text/html', html.replace('<script nonce=', `<script nonce="${nonce}" src="${origin}/stub.js"></script>\n<script nonce=`));
    } else if (url.pathname === '/stub.js') send('text/javascript', stub);
    else if (url.pathname === '/dist/webview.js') send('text/javascript', readFileSync(bundle));
    else if (url.pathname === '/dist/webview.js.map' && existsSync(`${bundle}.map`))
      send('application/json', readFileSync(`${bundle}.map`));
    else if (url.pathname === '/media/webview.css') send('text/css', readFileSync(join(repo, 'media', 'webview.css')));
    else if (url.pathname === '/favicon.ico') {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  return {
    browser,
    origin,
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface ViewPage {
  page: Page;
  /** Dialogs (alert/confirm/prompt) the page opened: must stay empty. */
  dialogs: string[];
  /** Uncaught exceptions and console errors. */
  errors: string[];
  send(message: ToWebview): Promise<void>;
  posted(): Promise<FromWebview[]>;
  violations(): Promise<{ directive: string; blocked: string; sample: string }[]>;
  setTheme(theme: ThemeName): Promise<void>;
  screenshot(name: string): Promise<void>;
}

export async function openView(harness: Harness, theme: ThemeName = 'dark', viewport = { width: 1280, height: 900 }): Promise<ViewPage> {
  const context = await harness.browser.newContext({ viewport });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  // VS Code sets the theme before the page's scripts run; do the same on every load.
  // (A string, not a function: tsx would wrap named inner functions in a helper the page lacks.)
  await page.addInitScript({
    content: `(() => {
      const theme = ${JSON.stringify(themes[theme])};
      const apply = () => {
        for (const [name, value] of Object.entries(theme.vars)) document.documentElement.style.setProperty(name, value);
        document.body.classList.add(theme.bodyClass);
      };
      if (document.body) apply();
      else document.addEventListener('DOMContentLoaded', apply);
    })();`,
  });
  await page.goto(`${harness.origin}/`);
  await page.waitForFunction(() => (window as unknown as { __posted: unknown[] }).__posted.length > 0);
  const view: ViewPage = {
    page,
    dialogs,
    errors,
    async send(message) {
      await page.evaluate((m) => window.postMessage(m, '*'), message);
      // Rendering is synchronous on receipt; one frame lets Lit components upgrade.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
    },
    posted: () => page.evaluate(() => (window as unknown as { __posted: FromWebview[] }).__posted),
    violations: () =>
      page.evaluate(() => (window as unknown as { __violations: { directive: string; blocked: string; sample: string }[] }).__violations),
    async setTheme(name) {
      await page.evaluate(
        ({ bodyClass, vars, all }) => {
          document.body.classList.remove(...all);
          document.body.classList.add(bodyClass);
          document.documentElement.removeAttribute('style');
          for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
        },
        { ...themes[name], all: Object.values(themes).map((t) => t.bodyClass) },
      );
    },
    async screenshot(name) {
      mkdirSync(resultsDir, { recursive: true });
      await page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });
    },
  };
  return view;
}

export function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(join(repo, 'test', 'fixtures', 'webview', name), 'utf8')) as T;
}

/** Parses a number as the page prints it (e.g. "+0.1234", "−", "1.2e-5"). */
export function parseShown(text: string): number {
  return Number(text.trim().replace('−', '-').replace(/^\+/, ''));
}

export function close(a: number, b: number, rel = 2e-3, abs = 1e-9): boolean {
  return Math.abs(a - b) <= Math.max(abs, rel * Math.max(Math.abs(a), Math.abs(b)));
}

/** Cell text that must render as text: an image with a handler, a script, a markdown command link. */
export const HOSTILE_IMG = '<img src=x onerror=alert(1)>';
export const HOSTILE_SCRIPT = '<script>alert(1)</script>';
export const HOSTILE_LINK = '[x](command:workbench.action.quit)';

/** No CSP violation, page error or dialog happened in the view. */
export async function assertClean(view: ViewPage): Promise<void> {
  assert.deepEqual(await view.violations(), [], 'no CSP violations');
  assert.deepEqual(view.errors, [], 'no page errors');
  assert.deepEqual(view.dialogs, [], 'no dialogs');
}
