import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { useWasm } from '../helpers/experiments';
import { explainRows } from '../../src/engine/explain/explainService';

// test/fixtures/cnn-run-v2 is a checkpointed CNN run (conv → max-pool → conv → max-pool → dense, Adam) written by an
// earlier Kernel Lens (commit a294718), with that version's explanation of test row 0 (expected.json). Explaining it
// replays its training from the checkpoints, which must reproduce every stored fingerprint: the engine's own kernels
// (kernels/maxPool.ts in training, kernels/batchedProduct.ts on the query side) must not change the arithmetic of a
// step at one weight point. The initial and final weights are then the same, so the bias and the network's output
// are equal to the last bit; contributions may differ by the query side's float32 rounding only.
const FIXTURE = path.resolve(__dirname, '..', 'fixtures', 'cnn-run-v2');

interface Expected {
  network: number;
  bias: number;
  contributions: { index: number; contribution: number }[];
}

test('a checkpointed CNN run written by an earlier version replays bit for bit and explains as it did', async () => {
  await useWasm();
  // A copy: explaining may write beside the run (locks, caches); the fixture stays as committed.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kl-compat-'));
  fs.cpSync(FIXTURE, dir, { recursive: true });
  const expected = JSON.parse(fs.readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
  const { explanations } = await explainRows({ runDir: path.join(dir, 'run'), queries: [{ split: 'test', row: 0 }] });
  const [explanation] = explanations;
  assert.equal(explanation.network, expected.network);
  assert.equal(explanation.bias, expected.bias);
  assert.ok(explanation.residual.rel <= 1e-5, `residual ${explanation.residual.rel}`);
  const scale = Math.max(...expected.contributions.map((c) => Math.abs(c.contribution)));
  for (const { index, contribution } of expected.contributions) {
    const now = explanation.contributions.find((c) => c.index === index);
    assert.ok(now, `training row ${index} is still among the top contributions`);
    assert.ok(Math.abs(now.contribution - contribution) <= 1e-5 * scale, `row ${index}: ${now.contribution} vs ${contribution}`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
