/**
 * Builds the extension-host tests into one file (the `vscode` module left to the host), and the small harness
 * extension that runs them when code-server starts its extension host.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const repo = join(__dirname, '..', '..');
const SUITE_FILE = 'hostSuite.js';

/** Bundles test/vscode/hostSuite.ts into `dir/hostSuite.js`; returns its path (test-electron's extensionTestsPath). */
export async function bundleHostSuite(dir: string): Promise<string> {
  const outfile = join(dir, SUITE_FILE);
  await build({
    entryPoints: [join(repo, 'test', 'vscode', 'hostSuite.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    external: ['vscode'],
    logLevel: 'warning',
  });
  return outfile;
}

/**
 * Writes, in code-server's extensions folder, an extension that runs the bundled tests once its extension host has
 * started (code-server has no --extensionTestsPath of its own).
 */
export async function installHarnessExtension(extensionsDir: string): Promise<void> {
  const dir = join(extensionsDir, 'kernel-lens.kernel-lens-host-tests-0.0.0');
  mkdirSync(dir, { recursive: true });
  await bundleHostSuite(dir);
  const manifest = {
    name: 'kernel-lens-host-tests',
    publisher: 'kernel-lens',
    version: '0.0.0',
    engines: { vscode: '^1.99.0' },
    activationEvents: ['onStartupFinished'],
    main: './harness.js',
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  // The results file says how it went; a rejection here would only reach the extension host's log.
  writeFileSync(join(dir, 'harness.js'), `exports.activate = () => { require('./${SUITE_FILE}').run().catch(() => undefined); };\n`);
}
