/**
 * The extension-host tests (test/vscode/hostTests.ts, the ones `npm run test:vscode` runs in desktop VS Code) in
 * code-server: a harness extension runs them once the extension host has started, and each becomes a subtest here.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { waitFor } from '../helpers/waitFor';
import { installHarnessExtension } from '../vscode/hostBundle';
import { RESULTS_ENV, type HostTestResult } from '../vscode/hostResults';
import {
  closeSession,
  launchBrowser,
  openWorkbench,
  prepareE2eFolder,
  QUIET_SETTINGS,
  resultsDir,
  screenshotOnFailure,
  startCodeServer,
  type CodeServer,
} from './codeServer';

describe('the extension-host tests in code-server', { timeout: 600_000 }, () => {
  let root = '';
  let browser: Browser | undefined;
  let server: CodeServer | undefined;
  let page: Page | undefined;
  after(() => closeSession({ page, browser, root }));
  const keepArtifacts = async (): Promise<void> => {
    await screenshotOnFailure(page, 'host-suite');
    mkdirSync(resultsDir, { recursive: true });
    if (server) writeFileSync(join(resultsDir, 'host-suite-code-server.log'), server.output());
  };

  it('pass, each as a subtest', async (t) => {
    const prepared = prepareE2eFolder('kl-host-', [], {});
    root = prepared.root;
    await installHarnessExtension(prepared.extDir);
    const resultsFile = join(root, 'host-results.json');
    server = await startCodeServer({
      extDir: prepared.extDir,
      workspace: prepared.workspace,
      settings: { ...QUIET_SETTINGS, 'security.workspace.trust.enabled': false },
      env: { [RESULTS_ENV]: resultsFile },
    });
    browser = await launchBrowser();
    // The extension host starts when a workbench connects.
    page = await openWorkbench(browser, server, prepared.workspace);
    let results: HostTestResult[];
    try {
      results = await waitFor(
        () => (existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as HostTestResult[]) : null),
        {
          what: 'the extension-host tests to finish',
          timeoutMs: 480_000,
          intervalMs: 500,
        },
      );
    } catch (error) {
      await keepArtifacts();
      throw error;
    }
    assert.ok(results.length >= 6, `${results.length} host tests ran`);
    for (const result of results) {
      await t.test(result.name, () => {
        if (!result.ok) throw new Error(result.error);
      });
    }
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) await keepArtifacts();
    assert.deepEqual(
      failed.map((r) => r.name),
      [],
    );
  });
});
