/**
 * `npm run package` builds kernel-lens-<version>.vsix at the repository root, non-interactively, and code-server
 * installs it; the installed extension then activates in the workbench (its view and engine status appear).
 *
 * Needs `bash scripts/setup-code-server.sh` first. Run: node --import tsx --test test/e2e/*.test.ts
 */
import assert from 'node:assert/strict';
import { execFileSync, execSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import {
  codeServerInstalled,
  launchBrowser,
  openWorkbench,
  repo,
  screenshotOnFailure,
  startCodeServer,
  stopAllCodeServers,
} from './codeServer';

describe('the packaged extension', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'kl-vsix-'));
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close().catch(() => undefined);
    await stopAllCodeServers();
    rmSync(root, { recursive: true, force: true });
  });

  it('packages a vsix that code-server installs and activates', async () => {
    assert.ok(codeServerInstalled(), 'code-server or chromium missing: run `bash scripts/setup-code-server.sh` first');
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const vsix = join(repo, `kernel-lens-${version}.vsix`);
    rmSync(vsix, { force: true });
    execSync('npm run package', { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
    assert.ok(existsSync(vsix), `${vsix} was built`);

    const extDir = join(root, 'extensions');
    const entry = join(repo, '.code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');
    execFileSync(process.execPath, [entry, '--extensions-dir', extDir, '--user-data-dir', join(root, 'udd'), '--install-extension', vsix], {
      stdio: 'ignore',
    });
    const installed = readdirSync(extDir).find((d) => d.startsWith('kernel-lens.kernel-lens-'));
    assert.ok(installed, 'installed into the extensions folder');
    for (const file of [
      'package.json',
      'LICENSE.txt',
      'dist/extension.js',
      'dist/engine.js',
      'dist/webview.js',
      'dist/tfjs-backend-wasm.wasm',
      'media/webview.css',
      'schemas/kernel-experiment.schema.json',
      'samples/iris.csv',
    ]) {
      assert.ok(existsSync(join(extDir, installed, file)), `the vsix holds ${file}`);
    }
    assert.ok(!existsSync(join(extDir, installed, 'src')), 'sources stay out of the vsix');
    assert.ok(!existsSync(join(extDir, installed, 'node_modules')), 'dependencies are bundled, not shipped');

    const workspace = join(root, 'workspace');
    mkdirSync(workspace);
    copyFileSync(join(repo, 'samples', 'iris.csv'), join(workspace, 'iris.csv'));
    writeFileSync(join(workspace, 'iris.kernel.json'), JSON.stringify({ dataset: { train: 'iris.csv', target: 'species' } }));
    const server = await startCodeServer({
      extDir,
      workspace,
      settings: { 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false, 'telemetry.telemetryLevel': 'off' },
    });
    browser = await launchBrowser();
    const page = await openWorkbench(browser, server, workspace);
    try {
      await page.locator('.activitybar [aria-label^="Kernel Lens"]').first().click();
      await page
        .locator('.monaco-list-row')
        .filter({ has: page.locator('.label-name', { hasText: /^iris$/ }) })
        .first()
        .waitFor({ timeout: 60_000 });
      await page.locator('.statusbar', { hasText: 'Kernel Lens' }).first().waitFor({ timeout: 30_000 });
    } catch (e) {
      await screenshotOnFailure(page, 'vsix-activation');
      throw e;
    }
  });
});
