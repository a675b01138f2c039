/**
 * Entry of `dist/engine.js`. With `--stdio` it serves the engine's JSON-RPC protocol; otherwise it is
 * the `kernel-lens` command line. Heavy modules (TensorFlow.js) are imported only after stdout is guarded.
 */
import { guardStdout } from './server/stdoutGuard';
import { parseEngineFlags, type EngineFlags } from './server/engineFlags';
import { messageOf } from '../shared/messageOf';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--stdio')) {
    let flags: EngineFlags;
    try {
      flags = parseEngineFlags(argv);
    } catch (error) {
      process.stderr.write(`kernel-lens engine: ${messageOf(error)}\n`);
      process.exitCode = 2;
      return;
    }
    // Before anything else: nothing but protocol frames may reach stdout from here on.
    const protocolOut = guardStdout();
    process.on('uncaughtException', (error) => process.stderr.write(`[engine] uncaught: ${error.stack ?? error.message}\n`));
    process.on('unhandledRejection', (reason) => process.stderr.write(`[engine] unhandled rejection: ${String(reason)}\n`));
    const { startServer } = await import('./server/engineServer');
    startServer(flags, protocolOut);
    return;
  }
  // The command line parses its own flags (--backend, --native-modules, ...).
  const { runCli } = await import('./cli/cli');
  process.exitCode = await runCli(argv);
}

void main();
