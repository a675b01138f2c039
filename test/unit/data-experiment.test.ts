import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readExperiment, validateExperimentFile } from '../../src/engine/data/experimentFile';
import { experimentSchema } from '../../src/engine/data/experimentSchema';
import { EXPERIMENT_JSON_SCHEMA_PATH, experimentJsonSchemaText } from '../../src/engine/data/experimentJsonSchema';
import { userError } from '../helpers/userError';

const fixture = (name: string): string => path.join(__dirname, '..', 'fixtures', 'data', name);

test('defaults are filled and the name comes from the file name', async () => {
  const experiment = await readExperiment(fixture('iris.kernel.json'));
  assert.equal(experiment.name, 'iris');
  assert.equal(experiment.file, fixture('iris.kernel.json'));
  assert.equal(experiment.dir, path.dirname(fixture('iris.kernel.json')));
  assert.deepEqual(experiment.dataset.test, { fraction: 0.2 });
  assert.equal(experiment.dataset.missing, 'impute');
  assert.equal(experiment.dataset.task, null);
  assert.deepEqual(experiment.model.layers, [{ type: 'dense', units: 16, activation: 'tanh' }]);
  assert.deepEqual(experiment.training, {
    optimizer: 'adam',
    learningRate: 0.01,
    epochs: 20,
    batchSize: 16,
    seed: 1,
    momentum: 0.9,
    nesterov: false,
    beta1: 0.9,
    beta2: 0.999,
    epsilon: null,
  });
  assert.deepEqual(experiment.explain, { quadratureNodes: 3, tolerance: 1e-3 });
  assert.equal(experiment.raw.training?.batchSize, 16);
  assert.equal(experiment.raw.model, undefined, 'raw keeps the file as written');
});

test('an explicit name and test file are kept', async () => {
  const experiment = await readExperiment(fixture('test-file.kernel.json'));
  assert.equal(experiment.name, 'small');
  assert.deepEqual(experiment.dataset.test, { file: 'test-small.csv' });
});

test('invalid JSON names the file, line and column of the syntax error', async () => {
  const error = await userError(readExperiment(fixture('invalid-json.kernel.json')));
  // The stray comma before "}" is on line 6.
  assert.match(error.message, /invalid-json\.kernel\.json:6: invalid JSON at column \d+/);
});

test('unknown keys and out-of-range values name the key path and its line', async () => {
  const unknown = await userError(readExperiment(fixture('unknown-key.kernel.json')));
  assert.match(unknown.message, /unknown-key\.kernel\.json:5: unknown key "training\.epoch"/);
  const bad = await userError(readExperiment(fixture('bad-epochs.kernel.json')));
  assert.match(bad.message, /bad-epochs\.kernel\.json:4: training\.epochs: /);
  await userError(readExperiment(fixture('no-such.kernel.json'))).then((e) =>
    assert.match(e.message, /no-such\.kernel\.json: experiment file not found/),
  );
});

test('schema bounds', () => {
  const base = { dataset: { train: 'a.csv', target: 'y' } };
  const ok = (value: unknown): boolean => experimentSchema.safeParse(value).success;
  assert.ok(ok(base));
  // The target is required of CSV files when the data is read (an image folder's class is its subfolder).
  assert.ok(ok({ dataset: { train: 'a.csv' } }));
  assert.ok(
    ok({ ...base, model: { layers: [{ type: 'conv2d', filters: 4, kernel: 3 }, { type: 'maxPool2d', size: 2 }, { type: 'flatten' }] } }),
  );
  assert.ok(!ok({ ...base, model: { hidden: [{ units: 4 }], layers: [{ type: 'dense', units: 4 }] } }), 'hidden or layers, not both');
  assert.ok(!ok({ ...base, model: { layers: [{ type: 'batchNorm' }] } }), 'no batch normalization');
  assert.ok(!ok({ ...base, model: { layers: [{ type: 'dropout', rate: 0.5 }] } }), 'no dropout');
  assert.ok(!ok({ ...base, model: { layers: [{ type: 'conv2d', filters: 4, kernel: 3, padding: 'causal' }] } }));
  assert.ok(!ok({ ...base, model: { hidden: [{ units: 0 }] } }));
  assert.ok(!ok({ ...base, model: { hidden: [{ units: 4097 }] } }));
  assert.ok(!ok({ ...base, model: { hidden: Array.from({ length: 17 }, () => ({ units: 2 })) } }));
  assert.ok(ok({ ...base, model: { hidden: Array.from({ length: 16 }, () => ({ units: 2, activation: 'gelu' })) } }));
  assert.ok(!ok({ ...base, model: { hidden: [{ units: 3, activation: 'swish' }] } }));
  assert.ok(!ok({ ...base, training: { epochs: 10001 } }));
  assert.ok(!ok({ ...base, training: { epochs: 1.5 } }));
  assert.ok(!ok({ ...base, training: { batchSize: 65537 } }));
  assert.ok(!ok({ ...base, training: { learningRate: 0 } }));
  assert.ok(ok({ ...base, training: { learningRate: 10 } }));
  assert.ok(!ok({ ...base, training: { learningRate: 10.5 } }));
  assert.ok(!ok({ ...base, training: { momentum: 1 } }));
  assert.ok(ok({ ...base, training: { momentum: 0, beta1: 0, beta2: 0.5 } }));
  assert.ok(!ok({ ...base, training: { beta2: 1 } }));
  assert.ok(!ok({ ...base, training: { epsilon: 0 } }));
  assert.ok(!ok({ ...base, dataset: { ...base.dataset, test: { fraction: 1 } } }));
  assert.ok(!ok({ ...base, dataset: { ...base.dataset, test: { fraction: 0 } } }));
  assert.ok(!ok({ ...base, dataset: { ...base.dataset, test: { fraction: 0.2, file: 'x.csv' } } }));
  assert.ok(!ok({ ...base, dataset: { ...base.dataset, image: { width: 0, height: 8 } } }));
  assert.ok(!ok({ ...base, dataset: { ...base.dataset, image: { width: 8, height: 1025 } } }));
  assert.ok(!ok({ ...base, explain: { quadratureNodes: 17 } }));
  assert.ok(!ok({ ...base, explain: { tolerance: 0 } }));
  assert.ok(!ok({ ...base, dataset: { ...base.dataset, columns: { a: 'text' } } }));
});

test('validateExperimentFile reports problems without throwing', async () => {
  const good = await validateExperimentFile(fixture('iris.kernel.json'));
  assert.deepEqual(good.errors, []);
  assert.equal(good.ok, true);
  assert.equal(good.config?.dataset.target, 'species');

  const target = await validateExperimentFile(fixture('unknown-target.kernel.json'));
  assert.equal(target.ok, false);
  assert.match(target.errors.join('\n'), /iris\.csv:1: target column "Species" not found; columns: .*species/);

  const missing = await validateExperimentFile(fixture('missing-file.kernel.json'));
  assert.equal(missing.ok, false);
  assert.match(missing.errors[0], /no-such-file\.csv: file not found/);

  const json = await validateExperimentFile(fixture('invalid-json.kernel.json'));
  assert.equal(json.ok, false);
  assert.equal(json.config, null);
  assert.match(json.errors[0], /:6: invalid JSON/);

  const keys = await validateExperimentFile(fixture('unknown-key.kernel.json'));
  assert.match(keys.errors[0], /unknown key "training\.epoch"/);
});

test('the checked-in JSON schema is the generated one (run `npm run schema` after changing the zod schema)', () => {
  const checkedIn = readFileSync(path.join(__dirname, '..', '..', EXPERIMENT_JSON_SCHEMA_PATH), 'utf8');
  assert.equal(checkedIn, experimentJsonSchemaText());
  const schema = JSON.parse(checkedIn) as {
    $schema: string;
    properties: Record<string, { properties?: Record<string, { default?: unknown; description?: string }> }>;
  };
  assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
  const training = schema.properties.training.properties ?? {};
  assert.equal(training.epochs.default, 20);
  assert.equal(training.optimizer.default, 'adam');
  assert.ok(training.learningRate.description);
});
