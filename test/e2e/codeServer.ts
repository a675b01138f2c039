/**
 * Runs the built extension in real VS Code through code-server (see docs/testing-in-vscode.md) and drives the
 * workbench with playwright-core in Debian's Chromium. Every process started here is stopped by its own id.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Frame, Locator, Page } from 'playwright-core';
import { setTimeout as delay } from 'node:timers/promises';
import { waitFor } from '../helpers/waitFor';
import { messageOf } from '../../src/shared/messageOf';
import { launchChromium } from '../helpers/chromium';

export const repo = join(__dirname, '..', '..');
export const resultsDir = join(repo, 'test-results');
const entry = join(repo, '.code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export function codeServerInstalled(): boolean {
  return existsSync(entry) && existsSync('/usr/bin/chromium');
}

/** Copies the built extension folder into `<extDir>/kernel-lens.kernel-lens-<version>/`, as code-server expects. */
export function installExtension(extDir: string): string {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const target = join(extDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  mkdirSync(target, { recursive: true });
  for (const item of ['package.json', 'LICENSE', 'dist', 'media', 'schemas', 'samples']) {
    const from = join(repo, item);
    if (existsSync(from)) cpSync(from, join(target, item), { recursive: true, filter: (src) => !src.endsWith('.map') });
  }
  return target;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface CodeServer {
  port: number;
  url: string;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export async function startCodeServer(options: {
  extDir: string;
  workspace: string;
  settings: Record<string, unknown>;
  /** More environment for code-server and the extension host it starts. */
  env?: Record<string, string>;
}): Promise<CodeServer> {
  const userDataDir = mkdtempSync(join(tmpdir(), 'kl-e2e-udd-'));
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(options.settings, null, 2));
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      entry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--extensions-dir',
      options.extDir,
      '--user-data-dir',
      userDataDir,
      options.workspace,
    ],
    // Its own process group, so stopping it also stops the extension host and the engine it started.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KERNEL_LENS_E2E: '1', ...options.env } },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const pid = child.pid;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  };
  const stop = async (): Promise<void> => {
    started.delete(server);
    const exited = child.exitCode !== null ? Promise.resolve() : new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup('SIGTERM');
    await Promise.race([exited, delay(5000)]);
    // Whatever is left of the group (extension host, file watcher, the engine) goes too.
    killGroup('SIGKILL');
    rmSync(userDataDir, { recursive: true, force: true });
  };
  const server: CodeServer = { port, url: `http://localhost:${port}`, process: child, output: () => output, stop };
  started.add(server);
  try {
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`code-server exited early:\n${output}`);
        return /HTTP server listening on/.test(output);
      },
      { what: 'code-server to listen', timeoutMs: 60_000, intervalMs: 200 },
    );
  } catch (error) {
    await stop();
    throw new Error(`code-server did not start: ${messageOf(error)}\n${output}`);
  }
  return server;
}

const started = new Set<CodeServer>();

/** Stops every code-server this process started (for `after` hooks, whatever failed on the way). */
export async function stopAllCodeServers(): Promise<void> {
  await Promise.all([...started].map((s) => s.stop()));
}

export function launchBrowser(): Promise<Browser> {
  return launchChromium();
}

/** Opens the workbench on a folder (localhost, not 127.0.0.1: webviews need a secure context). */
export async function openWorkbench(browser: Browser, server: CodeServer, folder: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/?folder=${encodeURIComponent(folder)}`);
  await page.locator('div.monaco-workbench').waitFor({ timeout: 60_000 });
  // The extension host and the status bar settle a moment after the workbench appears.
  await page.locator('.statusbar').waitFor({ timeout: 30_000 });
  return page;
}

/**
 * Opens the quick input with F1 and types `text` into it. A key press while a webview's frame has the focus
 * never reaches the workbench's keybindings, and a webview taking the focus a moment later closes the
 * picker again; either way the focus is handed back to the workbench document and the picker reopened.
 */
async function typeInQuickInput(page: Page, text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    try {
      await input.fill(text, { timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
      await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    }
  }
}

/** F1, type a command title, wait for its row, Enter. */
export async function runCommand(page: Page, title: string): Promise<void> {
  await typeInQuickInput(page, `>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
}

/**
 * The titles the command palette lists for `filter` once it lists `known` (a command always shown that matches the
 * filter, so the list has caught up with the typing); closed again with Escape.
 */
export async function paletteTitles(page: Page, filter: string, known: string): Promise<string[]> {
  await typeInQuickInput(page, `>${filter}`);
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.filter({ hasText: known }).first().waitFor({ timeout: 15_000 });
  const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
  await page.keyboard.press('Escape');
  return labels;
}

/** Opens a workspace file through Quick Open and moves the cursor to a 1-based line. */
export async function openFileAtLine(page: Page, fileName: string, line: number): Promise<void> {
  await typeInQuickInput(page, fileName);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press('Enter');
  await page.locator(`.tab[aria-label^="${fileName}"]`).first().waitFor();
  await typeInQuickInput(page, `:${line}`);
  // Enter before the picker has switched to "Go to line" would be lost.
  await page
    .locator('.quick-input-list .monaco-list-row', { hasText: `Go to line ${line}` })
    .first()
    .waitFor({ timeout: 10_000 });
  await page.keyboard.press('Enter');
  await page.locator('.statusbar', { hasText: `Ln ${line},` }).waitFor({ timeout: 10_000 });
}

/** The webview frame (of any panel) that shows `selector` (containing `hasText` when given), waiting up to `timeout` ms. */
export async function webviewFrameWith(page: Page, selector: string, timeout: number, hasText?: string | RegExp): Promise<Frame> {
  const showing = async (): Promise<Frame | null> => {
    for (const frame of page.frames()) {
      const found = hasText === undefined ? frame.locator(selector) : frame.locator(selector, { hasText });
      if ((await found.count().catch(() => 0)) > 0) return frame;
    }
    return null;
  };
  try {
    return await waitFor(showing, { what: 'a webview', timeoutMs: timeout, intervalMs: 500 });
  } catch {
    throw new Error(`No webview shows ${selector}${hasText === undefined ? '' : ` with ${String(hasText)}`} after ${timeout} ms`);
  }
}

/** Right-clicks `target` and picks the context-menu entry whose label is exactly `label`. */
/**
 * Moves the pointer off the lists and waits for a hover to close: a run row's rich tooltip (its metrics table)
 * can stay open over the row below after a hover and swallow the next click.
 */
export async function dismissHover(page: Page): Promise<void> {
  await page.mouse.move(0, 0);
  await page.keyboard.press('Escape');
  await page
    .locator('.context-view .monaco-hover')
    .first()
    .waitFor({ state: 'hidden', timeout: 5000 })
    .catch(() => undefined);
}

export async function contextMenuAction(page: Page, target: Locator, label: string): Promise<void> {
  await dismissHover(page);
  await target.click({ button: 'right' });
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  const item = page
    .locator('.monaco-menu .action-item')
    .filter({ has: page.locator('.action-label', { hasText: exact }) })
    .first();
  await item.waitFor({ timeout: 10_000 });
  // The workbench's menu ignores a mouse-up that no pointer movement over the item preceded, as a user's never is.
  await item.hover();
  await page.waitForTimeout(200);
  await item.click();
}

/** The labels of the context menu `target` opens (closed again with Escape). */
export async function contextMenuLabels(page: Page, target: Locator): Promise<string[]> {
  await dismissHover(page);
  await target.click({ button: 'right' });
  const labels = page.locator('.monaco-menu .action-item .action-label');
  await labels.first().waitFor({ timeout: 10_000 });
  const texts = (await labels.allTextContents()).map((t) => t.trim()).filter(Boolean);
  await page.keyboard.press('Escape');
  return texts;
}

export async function screenshotOnFailure(page: Page | undefined, name: string): Promise<void> {
  if (!page) return;
  mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true }).catch(() => undefined);
}

/**
 * A step wrapper for a test that shares one workbench: a failing step leaves a screenshot and the code-server log
 * in test-results/ named after it, then fails.
 */
/** Closes what a session opened (page, browser, every code-server) and removes its scratch folder. */
export async function closeSession(session: { page?: Page; browser?: Browser; root: string }): Promise<void> {
  await session.page
    ?.context()
    .close()
    .catch(() => undefined);
  await session.browser?.close().catch(() => undefined);
  await stopAllCodeServers();
  if (session.root) rmSync(session.root, { recursive: true, force: true });
}

export function failureRecorder(
  prefix: string,
  current: () => { page?: Page; server?: CodeServer },
): (name: string, fn: () => Promise<void>) => Promise<void> {
  return async (name, fn) => {
    try {
      await fn();
    } catch (e) {
      const { page, server } = current();
      await screenshotOnFailure(page, `${prefix}-${name}`);
      mkdirSync(resultsDir, { recursive: true });
      if (server) writeFileSync(join(resultsDir, `${prefix}-${name}-code-server.log`), server.output());
      throw e;
    }
  };
}

/** Workbench settings every end-to-end session starts from: no start page, tips, telemetry or recommendations. */
export const QUIET_SETTINGS = {
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'workbench.tips.enabled': false,
  'extensions.ignoreRecommendations': true,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
};

/** The small iris experiment the extension and trust sessions train. */
export const IRIS_EXPERIMENT = {
  name: 'iris',
  dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
  model: { hidden: [{ units: 8, activation: 'tanh' }] },
  training: { optimizer: 'adam', learningRate: 0.05, epochs: 10, batchSize: 16, seed: 1 },
};

/**
 * A fresh scratch folder for one e2e file: builds the bundles (so a file also runs alone), installs the
 * built extension, and fills `workspace/` with bundled sample CSVs and `<name>.kernel.json` experiments.
 */
export function prepareE2eFolder(
  prefix: string,
  samples: string[],
  experiments: Record<string, unknown>,
): { root: string; extDir: string; workspace: string } {
  if (!codeServerInstalled()) throw new Error('code-server or chromium missing: run `bash scripts/setup-code-server.sh` first');
  execSync('npm run build', { cwd: repo, stdio: 'ignore' });
  const root = mkdtempSync(join(tmpdir(), prefix));
  const extDir = join(root, 'extensions');
  installExtension(extDir);
  const workspace = join(root, 'workspace');
  mkdirSync(workspace, { recursive: true });
  for (const sample of samples) cpSync(join(repo, 'samples', sample), join(workspace, sample), { recursive: true });
  for (const [name, experiment] of Object.entries(experiments))
    writeFileSync(join(workspace, `${name}.kernel.json`), JSON.stringify(experiment, null, 2) + '\n');
  return { root, extDir, workspace };
}
