import { csvCell } from '../../shared/csv/csvCells';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExperimentConfig } from '../../protocol';
import { readExperiment } from '../data/experimentFile';
import { prepareData } from '../data/prepare';
import { createRng, shuffleInPlace } from '../random';
import { UserError } from '../errors';

export interface PlantedFlips {
  /** The written experiment: train.csv with flipped labels, test.csv as split originally. */
  experimentFile: string;
  /** Training-matrix rows whose label was flipped. */
  flipped: Set<number>;
  /** Every training row's label before the flips (the truth the suggested labels are checked against). */
  originalLabels: string[];
  trainRows: number;
}

/**
 * Copies an experiment's split into `dir` with the labels of `fraction` of the training rows flipped to a
 * uniformly drawn other class (seeded). The test rows are written to their own file, so the training
 * rows keep their order and the flipped indices are the training-matrix rows of the new experiment.
 */
export async function plantFlips(
  experimentFile: string,
  dir: string,
  options: { fraction?: number; seed?: number; training?: ExperimentConfig['training'] } = {},
): Promise<PlantedFlips> {
  const experiment = await readExperiment(experimentFile);
  const data = await prepareData(experiment);
  const { preprocessing } = data;
  if (preprocessing.task === 'regression' || !preprocessing.classes) throw new UserError('label flips need a classification experiment');
  const classes = preprocessing.classes;
  const targetColumn = preprocessing.header.indexOf(preprocessing.target);
  const rng = createRng(options.seed ?? 1);
  const order = Int32Array.from({ length: data.train.count }, (_, i) => i);
  shuffleInPlace(order, rng);
  const count = Math.round((options.fraction ?? 0.1) * data.train.count);
  const flipped = new Set(Array.from(order.subarray(0, count)));
  const trainRecords = data.train.raw.map((record, i) => {
    if (!flipped.has(i)) return record;
    const others = classes.filter((c) => c !== data.train.labels[i]);
    const copy = [...record];
    copy[targetColumn] = others[Math.floor(rng() * others.length)];
    return copy;
  });
  await fs.promises.mkdir(dir, { recursive: true });
  await fs.promises.writeFile(path.join(dir, 'train.csv'), csvText(preprocessing.header, trainRecords));
  await fs.promises.writeFile(path.join(dir, 'test.csv'), csvText(preprocessing.header, data.test.raw));
  const raw = experiment.raw;
  const config: ExperimentConfig = {
    name: `${experiment.name}-flipped`,
    dataset: {
      ...raw.dataset,
      train: 'train.csv',
      test: { file: 'test.csv' },
      // The column types of the original split, so a split file cannot infer another type.
      columns: Object.fromEntries(preprocessing.columns.map((c) => [c.name, c.type])),
      task: preprocessing.task,
    },
    model: raw.model,
    training: { ...raw.training, ...options.training },
    explain: raw.explain,
  };
  const file = path.join(dir, `${path.basename(experimentFile, '.kernel.json')}-flipped.kernel.json`);
  await fs.promises.writeFile(file, JSON.stringify(config, null, 2));
  return { experimentFile: file, flipped, originalLabels: [...data.train.labels], trainRows: data.train.count };
}

function csvText(header: readonly string[], records: readonly string[][]): string {
  return [header, ...records].map((r) => r.map((v) => csvCell(v, ',')).join(',')).join('\n') + '\n';
}
