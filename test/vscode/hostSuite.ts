/**
 * The extension-host test runner: `run()` is the entry @vscode/test-electron calls (it rejects when a test fails);
 * code-server's harness extension calls it too and reads the results from `KERNEL_LENS_HOST_RESULTS`.
 */
import { writeFileSync } from 'node:fs';
import { messageOf } from '../../src/shared/messageOf';
import { HOST_TESTS } from './hostTests';
import { RESULTS_ENV, type HostTestResult } from './hostResults';

export async function run(): Promise<void> {
  const results: HostTestResult[] = [];
  // In order: later tests use what earlier ones made (the iris files, a trained run).
  for (const test of HOST_TESTS) {
    const started = Date.now();
    try {
      await test.run();
      results.push({ name: test.name, ok: true, ms: Date.now() - started });
      console.log(`ok - ${test.name}`);
    } catch (error) {
      const text = error instanceof Error && error.stack ? error.stack : messageOf(error);
      results.push({ name: test.name, ok: false, ms: Date.now() - started, error: text });
      console.log(`not ok - ${test.name}\n${text}`);
    }
  }
  const file = process.env[RESULTS_ENV];
  if (file) writeFileSync(file, JSON.stringify(results, null, 2));
  const failed = results.filter((r) => !r.ok).length;
  console.log(`# host tests: ${results.length - failed} passed, ${failed} failed`);
  if (failed > 0) throw new Error(`${failed} of ${results.length} extension host tests failed`);
}
