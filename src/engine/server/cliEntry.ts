/** Hands the command line to the CLI module, which owns its own flags. */
export async function runCliEntry(argv: string[]): Promise<number> {
  const { runCli } = await import('../cli/cli');
  return runCli(argv);
}
