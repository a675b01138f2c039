/** Hands the command line to the CLI module (the lead's `runCli`), which owns its own flags. */
export async function runCliEntry(argv: string[]): Promise<number> {
  process.stderr.write(
    'kernel-lens: the command line is not available in this build yet. ' +
      'Run `node dist/engine.js --stdio [--backend auto|tensorflow|wasm|cpu] [--memory-budget-mb N] [--native-modules DIR]` to serve the engine protocol.\n',
  );
  void argv;
  return 2;
}
