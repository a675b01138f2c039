/**
 * Installs `@tensorflow/tfjs-node` with the configured Node.js's own npm into the extension's global
 * storage, then checks that this Node.js can load it (no `vscode` import). Failures are classified
 * so the user reads "offline", "no npm" or "ABI mismatch" instead of an npm log.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const TFJS_NODE_SPEC = '@tensorflow/tfjs-node@4.22.0';

export type InstallFailure = 'offline' | 'no-npm' | 'abi-mismatch' | 'cancelled' | 'no-node' | 'failed';

export type InstallResult = { ok: true; loadedWith: string } | { ok: false; reason: InstallFailure; message: string };

/** npm's CLI script beside a Node.js executable (Unix and Windows layouts), or null. */
export function findNpmCli(nodePath: string): string | null {
  const dir = path.dirname(nodePath);
  const candidates = [
    path.join(dir, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    path.join(dir, 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ];
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}

/** Turns npm's or Node's output into one plain sentence. */
export function classifyInstallFailure(output: string): { reason: InstallFailure; message: string } {
  if (/NODE_MODULE_VERSION|was compiled against a different Node\.js version|invalid ELF header|wrong ELF class/i.test(output)) {
    return {
      reason: 'abi-mismatch',
      message:
        'The native backend was built for a different Node.js version (ABI mismatch) than the configured kernelLens.engine.nodePath.',
    };
  }
  if (
    /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ECONNRESET|ENETUNREACH|network|getaddrinfo|socket hang up|unable to get local issuer/i.test(
      output,
    )
  ) {
    return {
      reason: 'offline',
      message:
        'Installing the native backend needs the network (npm and the TensorFlow download), which could not be reached. The engine keeps using wasm.',
    };
  }
  const last = output
    .trim()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .slice(-3)
    .join(' | ');
  return { reason: 'failed', message: `npm could not install ${TFJS_NODE_SPEC}: ${last || 'no output'}` };
}

interface RunResult {
  code: number | null;
  output: string;
  spawnError: string | null;
  cancelled: boolean;
}

function run(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; signal?: AbortSignal; onLine?: (line: string) => void },
): Promise<RunResult> {
  return new Promise((resolve) => {
    let output = '';
    let spawnError: string | null = null;
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, windowsHide: true });
    const onAbort = (): void => void child.kill();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-64 * 1024);
      for (const line of text.split('\n')) if (line.trim()) options.onLine?.(line.trimEnd());
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (error) => {
      spawnError = error.message;
    });
    child.on('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ code, output, spawnError, cancelled: options.signal?.aborted ?? false });
    });
  });
}

export interface InstallOptions {
  nodePath: string;
  targetDir: string;
  signal?: AbortSignal;
  onLine?: (line: string) => void;
}

export async function installNativeBackend(options: InstallOptions): Promise<InstallResult> {
  const { nodePath, targetDir } = options;
  if (!nodePath || !fs.existsSync(nodePath)) {
    return {
      ok: false,
      reason: 'no-node',
      message: `No Node.js executable at "${nodePath}". Set kernelLens.engine.nodePath to a Node.js installation (the editor's own runtime cannot load native addons).`,
    };
  }
  const npmCli = findNpmCli(nodePath);
  if (!npmCli)
    return {
      ok: false,
      reason: 'no-npm',
      message: `No npm was found beside ${nodePath}; install Node.js with npm, or point kernelLens.engine.nodePath at one that has it.`,
    };

  fs.mkdirSync(targetDir, { recursive: true });
  // A package.json of its own keeps npm from walking up into some other project.
  const manifest = path.join(targetDir, 'package.json');
  if (!fs.existsSync(manifest)) fs.writeFileSync(manifest, JSON.stringify({ name: 'kernel-lens-native', private: true }, null, 2));
  // npm's install scripts (node-pre-gyp) must run under the same Node.js that will load the addon.
  const env = {
    ...process.env,
    PATH: `${path.dirname(nodePath)}${path.delimiter}${process.env.PATH ?? ''}`,
    ELECTRON_RUN_AS_NODE: undefined,
  };
  const install = await run(nodePath, [npmCli, 'install', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev', TFJS_NODE_SPEC], {
    env,
    cwd: targetDir,
    signal: options.signal,
    onLine: options.onLine,
  });
  if (install.cancelled) return { ok: false, reason: 'cancelled', message: 'Installing the native backend was cancelled.' };
  if (install.spawnError) return { ok: false, reason: 'no-npm', message: `npm could not be run with ${nodePath}: ${install.spawnError}` };
  if (install.code !== 0) return { ok: false, ...classifyInstallFailure(install.output) };

  // Load it with that Node.js now, so an ABI problem is reported here and not at the next start.
  const modulePath = path.join(targetDir, 'node_modules', '@tensorflow', 'tfjs-node');
  const check = await run(nodePath, ['-e', `require(${JSON.stringify(modulePath)}); process.stdout.write(process.version)`], {
    env,
    cwd: targetDir,
    signal: options.signal,
  });
  if (check.cancelled) return { ok: false, reason: 'cancelled', message: 'Installing the native backend was cancelled.' };
  if (check.code !== 0) return { ok: false, ...classifyInstallFailure(check.output) };
  return { ok: true, loadedWith: check.output.trim().split('\n').pop() ?? nodePath };
}
