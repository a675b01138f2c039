import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../src/protocol';
import { explainWithIndex, indexedRun } from '../../src/engine/explain/explainService';
import { trainExperiment } from '../../src/engine/pipeline/trainRun';
import { plantFlips } from '../../src/engine/trust/plantedFlips';
import { leaveSelfOut, selfShares } from '../../src/engine/trust/leaveSelfOut';
import { SUGGESTED_ROWS, suspectsOf } from '../../src/engine/trust/suspects';
import { tempWorkspace, trainSample, useWasm, writeExperiment } from '../helpers/experiments';

// trust/leaveSelfOut.ts: a training row's output without its own contribution, f(x_i) − c_i(x_i), per class.

test('the leave-self-out output is the full explanation’s network output minus the row’s own contribution', async () => {
  await useWasm();
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: { hidden: [{ units: 8, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.02, epochs: 8, batchSize: 16, seed: 2 },
  });
  const indexed = await indexedRun(info.dir);
  const lso = await leaveSelfOut(indexed);
  const classes = indexed.run.record.preprocessing.classes as string[];
  assert.equal(lso.width, 3);
  for (const row of [0, 17, 64]) {
    for (let k = 0; k < classes.length; k++) {
      const { explanations } = await explainWithIndex(indexed, [{ split: 'train', row }], {
        output: { kind: 'class', class: classes[k] },
        full: true,
      });
      const e = explanations[0];
      const own = e.contributions.find((c) => c.index === row);
      assert.ok(own, `row ${row} contributes to its own explanation`);
      const expected = e.network - own.contribution;
      const got = lso.outputs[row * 3 + k];
      assert.ok(Math.abs(got - expected) <= 1e-9 * (1 + Math.abs(expected)), `row ${row} class ${classes[k]}: ${got} vs ${expected}`);
      // The same number is the kernel machine without the row: b + Σ_{j≠i} c_j (up to the residual).
      const rest = e.bias + e.contributions.reduce((s, c) => s + (c.index === row ? 0 : c.contribution), 0);
      assert.ok(Math.abs(rest - expected) <= 1e-3 * Math.max(1, Math.abs(e.network - e.bias)), `row ${row}: ${rest} vs ${expected}`);
      assert.ok(Math.abs(e.network - lso.network[row * 3 + k]) <= 1e-9 * (1 + Math.abs(e.network)));
    }
    const p = [0, 1, 2].map((k) => Math.exp(lso.outputs[row * 3 + k]));
    const total = p.reduce((a, b) => a + b, 0);
    const y = indexed.run.data.trainY[row];
    assert.ok(Math.abs(lso.labelProbability[row] - p[y] / total) < 1e-12);
    assert.equal(lso.suggested[row], p.indexOf(Math.max(...p)));
  }
  // A row's share of its own explanation, from its label's explanation alone, is the one the classes' pass computed.
  const shares = await selfShares(indexed);
  for (let i = 0; i < shares.length; i++) assert.ok(Math.abs(shares[i] - lso.selfShare[i]) <= 1e-12, `self-share of row ${i}`);
  const { explanations } = await explainWithIndex(indexed, [{ split: 'train', row: 17 }], {
    output: { kind: 'class', class: classes[indexed.run.data.trainY[17]] },
    full: true,
  });
  const own = explanations[0].contributions.find((c) => c.index === 17)?.contribution as number;
  const total = explanations[0].contributions.reduce((s, c) => s + Math.abs(c.contribution), 0);
  assert.ok(Math.abs(shares[17] - own / total) <= 1e-9, `${shares[17]} vs ${own / total}`);
  // Suspects list every training row without a top K, the first SUGGESTED_ROWS with their leave-self-out suggestion.
  const suspects = await suspectsOf(indexed);
  assert.equal(suspects.rows.length, indexed.run.record.trainRows);
  for (const r of suspects.rows) {
    if (r.rank > SUGGESTED_ROWS) {
      assert.equal(r.suggestedLabel, null, `rank ${r.rank} is past the suggested rows`);
      continue;
    }
    const j = lso.rows.indexOf(r.index);
    assert.equal(r.suggestedLabel, classes[lso.suggested[j]]);
    assert.ok(Math.abs((r.suggestedProbability as number) - lso.suggestedProbability[j]) < 1e-12);
  }
  assert.ok(suspects.rows.length > SUGGESTED_ROWS, 'the run has rows past the suggested ones');
});

test('on a run that memorized its flipped labels, the suggested label is the true class of the flips ranked first', async () => {
  await useWasm();
  const dir = tempWorkspace(['iris.csv']);
  // Wide and long enough to fit the flipped labels too: the trained model then agrees with most wrong labels.
  const config: ExperimentConfig = {
    dataset: { train: 'iris.csv', target: 'species', test: { fraction: 0.2 } },
    model: {
      hidden: [
        { units: 64, activation: 'relu' },
        { units: 64, activation: 'relu' },
      ],
    },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 200, batchSize: 16, seed: 1 },
  };
  const planted = await plantFlips(writeExperiment(dir, 'iris', config), path.join(dir, 'flipped'), { seed: 7, fraction: 0.1 });
  const info = await trainExperiment(planted.experimentFile);
  const indexed = await indexedRun(info.dir);
  // Ranked by TracIn (the default would explain every row of this long ReLU run: minutes, for the same point).
  const all = await suspectsOf(indexed, { scoring: 'tracin', suggest: false });
  const flippedRows = all.rows.filter((r) => planted.flipped.has(r.index));
  const memorized = flippedRows.filter((r) => r.predicted === r.label).length;
  assert.ok(memorized >= 0.7 * flippedRows.length, `the network memorized ${memorized} of ${flippedRows.length} flips`);
  // The top 10% (12 rows): their suggested labels take 12 × 3 explanations.
  const result = await suspectsOf(indexed, { scoring: 'tracin', top: Math.ceil(0.1 * planted.trainRows) });
  assert.equal(result.scoring, 'tracin');
  assert.deepEqual(
    result.rows.map((r) => r.index),
    all.rows.slice(0, result.rows.length).map((r) => r.index),
  );
  const top = result.rows.filter((r) => planted.flipped.has(r.index));
  assert.ok(top.length >= 0.5 * planted.flipped.size, `${top.length} of ${planted.flipped.size} flips in the top 10%`);
  const right = top.filter((r) => r.suggestedLabel === planted.originalLabels[r.index]).length;
  assert.ok(right >= 0.7 * top.length, `suggested label right for ${right} of ${top.length}`);
  for (const r of result.rows) {
    assert.ok(r.suggestedLabel !== null && r.suggestedProbability !== null && r.suggestedProbability >= 1 / 3 - 1e-9);
  }
  assert.ok(all.rows.every((r) => r.suggestedLabel === null && r.suggestedProbability === null));
});
