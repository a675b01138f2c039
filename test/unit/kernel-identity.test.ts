import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Activation, ExperimentConfig, OptimizerName } from '../../src/protocol';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { trainSample } from '../helpers/experiments';

// The identity b + Σ c_i = f_e(x; w_T) on every test row of real data, for every task kind,
// optimizer and activation (ReLU kinks need the adaptive refinement of path-kernel.md §5).
const datasets: { csv: string; target: string; kind: string }[] = [
  { csv: 'iris.csv', target: 'species', kind: 'multiclass' },
  { csv: 'breast-cancer.csv', target: 'diagnosis', kind: 'binary' },
  { csv: 'diabetes.csv', target: 'progression', kind: 'regression' },
  { csv: 'penguins.csv', target: 'species', kind: 'categorical inputs, missing values' },
];
const optimizers: { label: string; optimizer: OptimizerName; nesterov?: boolean; learningRate: number }[] = [
  { label: 'sgd', optimizer: 'sgd', learningRate: 0.05 },
  { label: 'momentum', optimizer: 'momentum', learningRate: 0.02 },
  { label: 'nesterov', optimizer: 'momentum', nesterov: true, learningRate: 0.02 },
  { label: 'adam', optimizer: 'adam', learningRate: 0.01 },
];
const activations: Activation[] = ['tanh', 'relu'];

const summary: string[] = [];

for (const d of datasets) {
  for (const o of optimizers) {
    for (const activation of activations) {
      test(`identity holds on every test row: ${d.csv} (${d.kind}), ${o.label}, ${activation}`, async () => {
        const config: ExperimentConfig = {
          dataset: { train: d.csv, target: d.target, test: { fraction: 0.2 } },
          model: {
            hidden: [
              { units: 16, activation },
              { units: 8, activation },
            ],
          },
          training: { optimizer: o.optimizer, nesterov: o.nesterov, learningRate: o.learningRate, epochs: 8, batchSize: 32, seed: 1 },
        };
        const info = await trainSample(d.csv, config);
        const indexed = await indexedRun(info.dir);
        const queries = Array.from({ length: info.testRows }, (_, row) => ({ split: 'test' as const, row }));
        const { explanations } = await explainWithIndex(indexed, queries, { top: 5 });
        assert.equal(explanations.length, info.testRows);
        const rels = explanations.map((e) => e.residual.rel).sort((a, b) => a - b);
        const max = rels[rels.length - 1];
        const median = rels[Math.floor(rels.length / 2)];
        summary.push(
          `${d.csv.padEnd(18)} ${o.label.padEnd(9)} ${activation.padEnd(5)} rows ${String(rels.length).padStart(3)}  max rel ${max.toExponential(2)}  median ${median.toExponential(2)}`,
        );
        for (const e of explanations) {
          assert.ok(e.residual.rel <= 1e-3, `${e.file}:${e.line} rel ${e.residual.rel}`);
          assert.equal(e.residual.flagged, false);
          // The explained output moved during training: the identity is not trivially b = f.
          assert.ok(Number.isFinite(e.network) && Number.isFinite(e.kernelMachine));
        }
        assert.ok(
          explanations.some((e) => Math.abs(e.network - e.bias) > 0.05),
          'training moved the outputs',
        );
      });
    }
  }
}

test('summary of residuals', () => {
  process.stdout.write(`# relative residuals (max / median over test rows)\n${summary.map((s) => `# ${s}`).join('\n')}\n`);
  assert.equal(summary.length, datasets.length * optimizers.length * activations.length);
});
