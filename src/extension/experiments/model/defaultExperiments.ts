/** The experiments New Experiment writes (pure, no VS Code): small, quick to train, explicit about every choice. */
import type { DatasetSchema, ExperimentConfig } from '../../../protocol';
import type { PixelGrid } from './pixelGrid';

/** The experiment a new file starts with: small, quick to train, explicit about every choice. */
export function defaultExperiment(csvFileName: string, target: string, schema: Pick<DatasetSchema, 'rows'>): ExperimentConfig {
  const name = csvFileName.replace(/\.csv$/i, '');
  return {
    name,
    dataset: { train: csvFileName, target, test: { fraction: 0.2 } },
    model: { hidden: [{ units: 16, activation: 'tanh' }] },
    training: { optimizer: 'adam', learningRate: 0.01, epochs: 20, batchSize: Math.min(32, Math.max(1, schema.rows)), seed: 1 },
  };
}

/**
 * The experiment an image folder starts with: the small CNN of the W-img benchmark (two 3×3 conv layers with ReLU,
 * each followed by 2×2 max-pooling), which reaches 0.97 on the 8×8 digits in 15 epochs.
 */
export function defaultImageExperiment(folderName: string): ExperimentConfig {
  return {
    name: folderName,
    dataset: { train: folderName, test: { fraction: 0.2 } },
    model: {
      layers: [
        { type: 'conv2d', filters: 8, kernel: 3, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', size: 2 },
        { type: 'conv2d', filters: 16, kernel: 3, padding: 'same', activation: 'relu' },
        { type: 'maxPool2d', size: 2 },
        { type: 'flatten' },
      ],
    },
    training: { optimizer: 'adam', learningRate: 0.003, epochs: 15, batchSize: 32, seed: 1 },
  };
}

/** A pixel CSV read as images: its shape declared, the other feature columns ignored, and the image folder's CNN. */
export function pixelCsvExperiment(table: ExperimentConfig, grid: PixelGrid, schema: Pick<DatasetSchema, 'columns'>): ExperimentConfig {
  const target = table.dataset.target;
  const others = schema.columns.filter((c) => c.name !== target && !grid.columns.includes(c.name)).map((c) => c.name);
  const cnn = defaultImageExperiment(table.name ?? 'images');
  return {
    ...table,
    dataset: { ...table.dataset, image: { width: grid.width, height: grid.height }, ...(others.length > 0 ? { ignore: others } : {}) },
    model: cnn.model,
    training: cnn.training,
  };
}
