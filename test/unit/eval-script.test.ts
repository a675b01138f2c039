import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

// `npm run eval` on its small configuration (--quick: iris, one seed): it runs, and prints one row per scoring and
// baseline with figures that are shares and AUROCs, the margin check and the suggested labels' hit rate.
const ROOT = path.resolve(__dirname, '..', '..');

test('npm run eval -- --quick prints every scoring and baseline for iris with the claim check', () => {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'eval.ts'), '--quick'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.stdout.write(out);
  assert.match(out, /^iris \(1 seed; top 10% \/ top 20% \/ AUROC\)$/m);
  for (const method of [
    'self-share-loss\\*',
    'self-share',
    'tracin',
    'adam',
    'path-loss',
    'loss',
    'leave-self-out',
    'logistic-cv',
    'random',
  ]) {
    const line = new RegExp(`^  ${method}\\s+((?:[01]\\.\\d{3} ?){3})\\s+((?:[01]\\.\\d{3} ?){3})$`, 'm').exec(out);
    assert.ok(line, `a row for ${method}`);
    const values = line[1].trim().split(/\s+/).map(Number);
    assert.ok(values.every((v) => v >= 0 && v <= 1));
  }
  // With 12 flips of 120, a scoring worth the name puts most of them in the top 20%; random does not.
  const ours = /^ {2}self-share-loss\*\s+([\d.]+) ([\d.]+) ([\d.]+)/m.exec(out) as RegExpExecArray;
  assert.ok(Number(ours[3]) > 0.9, `self-share-loss AUROC ${ours[3]}`);
  assert.match(out, /default \(self-share-loss\) beats logistic-cv by [\d.]+: (yes|NO); beats loss by [\d.]+: (yes|NO)/);
  assert.match(out, /suggested label is the true class for (\d+) of (\d+) flipped rows in the top 10%/);
});
