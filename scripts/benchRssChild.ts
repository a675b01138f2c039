// Runs the kernel-lens CLI in this process and reports the process's peak RSS (worker threads included) on stderr.
import { runCli } from '../src/engine/cli/cli';

void runCli(process.argv.slice(2)).then((code) => {
  process.stderr.write(`BENCH_MAX_RSS_KB ${process.resourceUsage().maxRSS}\n`);
  process.exitCode = code;
});
