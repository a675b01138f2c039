/**
 * `package.json` cannot import the shared limits (src/protocol/limits.ts), so its settings are checked
 * against them here, as are the experiment file's JSON schema and the engine's request schemas.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BACKEND_CHOICES, EngineMethods, LIMITS, TOLERANCE } from '../../src/protocol';

const ROOT = path.resolve(__dirname, '..', '..');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, Record<string, unknown>> } };
};
const setting = (name: string): Record<string, unknown> => {
  const property = manifest.contributes.configuration.properties[name];
  assert.ok(property, `package.json has the setting ${name}`);
  return property;
};

test('package.json settings agree with the shared limits', () => {
  const nodes = setting('kernelLens.explain.quadratureNodes');
  assert.deepEqual(
    [nodes.minimum, nodes.maximum, nodes.default],
    [LIMITS.quadratureNodes.min, LIMITS.quadratureNodes.max, LIMITS.quadratureNodes.default],
  );
  const shown = setting('kernelLens.explain.examplesShown');
  assert.deepEqual(
    [shown.minimum, shown.maximum, shown.default],
    [LIMITS.examplesShown.min, LIMITS.examplesShown.max, LIMITS.examplesShown.default],
  );
  const tolerance = setting('kernelLens.explain.tolerance');
  assert.deepEqual([tolerance.exclusiveMinimum, tolerance.maximum, tolerance.default], [0, TOLERANCE.max, TOLERANCE.default]);
  const budget = setting('kernelLens.memoryBudgetMb');
  assert.deepEqual(
    [budget.minimum, budget.maximum, budget.default],
    [LIMITS.memoryBudgetMb.min, LIMITS.memoryBudgetMb.max, LIMITS.memoryBudgetMb.default],
  );
  const pathBudget = setting('kernelLens.training.pathBudgetMb');
  assert.deepEqual(
    [pathBudget.minimum, pathBudget.maximum, pathBudget.default],
    [LIMITS.pathBudgetMb.min, LIMITS.pathBudgetMb.max, LIMITS.pathBudgetMb.default],
  );
  assert.deepEqual(setting('kernelLens.engine.backend').enum, [...BACKEND_CHOICES]);
});

test('the experiment JSON schema carries the same quadrature and tolerance limits', () => {
  const schema = JSON.parse(fs.readFileSync(path.join(ROOT, 'schemas', 'kernel-experiment.schema.json'), 'utf8')) as {
    properties: { explain: { properties: Record<string, Record<string, unknown>> } };
  };
  const { quadratureNodes, tolerance } = schema.properties.explain.properties;
  assert.deepEqual(
    [quadratureNodes.minimum, quadratureNodes.maximum, quadratureNodes.default],
    [LIMITS.quadratureNodes.min, LIMITS.quadratureNodes.max, LIMITS.quadratureNodes.default],
  );
  assert.deepEqual([tolerance.exclusiveMinimum, tolerance.maximum, tolerance.default], [0, TOLERANCE.max, TOLERANCE.default]);
});

test('request schemas take exactly the shared ranges', () => {
  const explain = EngineMethods.explainRows.paramsSchema;
  const base = { runDir: path.join(ROOT, 'x'), queries: [{ split: 'test', row: 0 }] };
  for (const [field, range] of [
    ['quadratureNodes', LIMITS.quadratureNodes],
    ['top', LIMITS.top],
  ] as const) {
    assert.ok(explain.safeParse({ ...base, [field]: range.min }).success, `${field} = min`);
    assert.ok(explain.safeParse({ ...base, [field]: range.max }).success, `${field} = max`);
    assert.ok(!explain.safeParse({ ...base, [field]: range.min - 1 }).success, `${field} < min`);
    assert.ok(!explain.safeParse({ ...base, [field]: range.max + 1 }).success, `${field} > max`);
  }
  const verify = EngineMethods.trustVerify.paramsSchema;
  const query = { runDir: path.join(ROOT, 'x'), query: { split: 'test', row: 0 } };
  assert.ok(verify.safeParse({ ...query, k: LIMITS.verifyK.max, randomDraws: LIMITS.verifyRandomDraws.max }).success);
  assert.ok(!verify.safeParse({ ...query, k: LIMITS.verifyK.max + 1 }).success);
  assert.ok(!verify.safeParse({ ...query, randomDraws: LIMITS.verifyRandomDraws.max + 1 }).success);
});
