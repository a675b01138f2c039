/**
 * `npm run test:vscode`: the extension-host tests (hostTests.ts) in desktop VS Code through @vscode/test-electron,
 * on a local build named by VSCODE_EXECUTABLE or on a downloaded one. Offline without a local build it says it
 * cannot and exits 0 with a "skipped" line (CI runs the same tests in code-server: test/e2e/hostSuite.test.ts).
 * On a Linux machine without a display, run it under xvfb-run.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { messageOf } from '../../src/shared/messageOf';
import { bundleHostSuite } from './hostBundle';

const repo = join(__dirname, '..', '..');
const DOWNLOAD_IDLE_TIMEOUT_MS = 20_000;

/** Errors that mean "no network to download from": only these skip; any other download failure fails the run. */
const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ENETUNREACH', 'EHOSTUNREACH']);

function isOffline(error: unknown): boolean {
  for (let e: unknown = error; typeof e === 'object' && e !== null; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && OFFLINE_CODES.has(code)) return true;
  }
  return OFFLINE_CODES.has(/\b(E[A-Z_]+)\b/.exec(messageOf(error))?.[1] ?? '');
}

async function desktopVsCode(): Promise<string | null> {
  const local = process.env.VSCODE_EXECUTABLE;
  if (local) return local;
  try {
    return await downloadAndUnzipVSCode({ version: 'stable', cachePath: join(repo, '.vscode-test'), timeout: DOWNLOAD_IDLE_TIMEOUT_MS });
  } catch (error) {
    if (!isOffline(error)) throw new Error(`desktop VS Code could not be downloaded: ${messageOf(error)}`);
    console.log(`desktop VS Code could not be downloaded, no network: ${messageOf(error)}`);
    return null;
  }
}

async function main(): Promise<void> {
  const executable = await desktopVsCode();
  if (!executable) {
    console.log(
      'skipped: no desktop VS Code here (VSCODE_EXECUTABLE is not set and none could be downloaded); ' +
        'the same extension tests run in code-server in `npm test` (test/e2e/hostSuite.test.ts)',
    );
    return;
  }
  execSync('npm run build', { cwd: repo, stdio: 'inherit' });
  const scratch = mkdtempSync(join(tmpdir(), 'kl-vscode-'));
  try {
    const extensionTestsPath = await bundleHostSuite(join(scratch, 'suite'));
    const workspace = join(scratch, 'workspace');
    mkdirSync(workspace);
    await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: repo,
      extensionTestsPath,
      launchArgs: [
        workspace,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
        `--user-data-dir=${join(scratch, 'user-data')}`,
      ],
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(messageOf(error));
  process.exit(1);
});
