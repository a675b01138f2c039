import { z } from 'zod';
import type { ExperimentConfig } from '../../protocol';
import { LIMITS, TOLERANCE } from '../../protocol/limits';

/**
 * The zod schema of `*.kernel.json`. Its input type equals `ExperimentConfig` (checked below at compile time); its
 * output fills every default except `name` (the file name) and `epsilon` (the backend's), which need context.
 * `schemas/kernel-experiment.schema.json` is generated from it (`npm run schema`).
 */

const activation = z
  .enum(['relu', 'tanh', 'sigmoid', 'gelu', 'softplus', 'linear'])
  .describe("Activation of this hidden layer (gelu is TensorFlow.js's form).");

const hiddenLayer = z
  .strictObject({
    units: z.number().int().min(1).max(4096).describe('Number of units in this dense layer (1 to 4096).'),
    activation: activation.default('tanh'),
  })
  .describe('One dense hidden layer.');

const convLayer = z
  .strictObject({
    type: z.literal('conv2d'),
    filters: z.number().int().min(1).max(512).describe('Number of filters (output channels), 1 to 512.'),
    kernel: z.number().int().min(1).max(15).describe('Side of the square kernel in pixels (1 to 15).'),
    stride: z.number().int().min(1).max(8).default(1).describe('Stride in both directions (default 1).'),
    padding: z
      .enum(['same', 'valid'])
      .default('same')
      .describe("'same' (TensorFlow.js's: output size ⌈input / stride⌉) or 'valid' (no padding)."),
    activation: activation.default('relu'),
  })
  .describe('A 2-D convolution over the image (channels last), followed by its activation.');

const poolLayer = (type: 'maxPool2d' | 'avgPool2d', what: string) =>
  z
    .strictObject({
      type: z.literal(type),
      size: z.number().int().min(2).max(8).describe('Side of the square window; the stride equals it (valid padding).'),
    })
    .describe(`${what} pooling over non-overlapping windows.`);

export const modelLayer = z
  .discriminatedUnion('type', [
    z
      .strictObject({ type: z.literal('dense'), ...hiddenLayer.shape })
      .describe('A dense layer (after a feature map, put a flatten layer first).'),
    convLayer,
    poolLayer('maxPool2d', 'Max'),
    poolLayer('avgPool2d', 'Average'),
    z.strictObject({ type: z.literal('flatten') }).describe('Flattens a feature map (channels last) into a vector.'),
  ])
  .describe('One hidden layer: dense, conv2d, maxPool2d, avgPool2d or flatten.');

const testSplit = z
  .union([
    z
      .strictObject({
        file: z.string().min(1).describe('A CSV file with the same columns as the training file, relative to this experiment file.'),
      })
      .describe('Test on a second file.'),
    z
      .strictObject({
        fraction: z
          .number()
          .gt(0)
          .lt(1)
          .describe('Share of the rows held out for testing, strictly between 0 and 1; stratified by class for classification.'),
      })
      .describe('Hold out a share of the training file.'),
  ])
  .default({ fraction: 0.2 })
  .describe('Test data: a second file, or a seeded holdout of the training file.');

const dataset = z
  .strictObject({
    train: z
      .string()
      .min(1)
      .describe(
        'The training CSV file (header row required), or an image folder with one subfolder per class (PNG or JPEG), relative to this experiment file.',
      ),
    target: z
      .string()
      .min(1)
      .optional()
      .describe('Name of the column to predict (a CSV file; an image folder is classified by its subfolders).'),
    test: testSplit,
    columns: z
      .record(z.string(), z.enum(['numeric', 'categorical']))
      .default({})
      .describe('Per-column type overrides, e.g. {"year": "categorical"}; other columns are inferred.'),
    ignore: z.array(z.string()).default([]).describe('Columns left out of the inputs.'),
    missing: z
      .enum(['impute', 'drop', 'error'])
      .default('impute')
      .describe(
        'Missing values (empty, NA, NaN, ?): impute the training mean / most frequent value, drop the row, or stop with an error. A missing target always drops the row (or errors with "error").',
      ),
    task: z
      .enum(['regression', 'binary', 'multiclass'])
      .optional()
      .describe('Default inferred: classification when the target is text or has at most 20 distinct integer values, else regression.'),
    image: z
      .strictObject({
        width: z.number().int().min(1).max(1024).describe('Image width in pixels.'),
        height: z.number().int().min(1).max(1024).describe('Image height in pixels.'),
        channels: z.number().int().min(1).max(4).optional().describe('Channels per pixel, last (default 1: grayscale).'),
      })
      .optional()
      .describe('The inputs are an image of this shape (row-major pixels, channels last), e.g. 8×8 digits.'),
  })
  .describe('The data: training file, target column and test data.');

const model = z
  .strictObject({
    hidden: z
      .array(hiddenLayer)
      .max(16)
      .optional()
      .describe(
        'Dense hidden layers, input to output (at most 16); shorthand for `layers` of dense layers. Default [{"units": 16, "activation": "tanh"}] when neither is given.',
      ),
    layers: z
      .array(modelLayer)
      .max(16)
      .optional()
      .describe('The hidden layers in order (at most 16): dense, conv2d, maxPool2d, avgPool2d, flatten. The output layer is added.'),
  })
  .refine((m) => !(m.hidden && m.layers), { message: 'give model.layers or model.hidden, not both', path: ['layers'] })
  .prefault({})
  .describe('The network: hidden layers (dense or convolutional) and an output layer chosen by the task.');

const training = z
  .strictObject({
    optimizer: z.enum(['sgd', 'momentum', 'adam']).default('adam').describe('Optimizer, with TensorFlow.js update rules.'),
    learningRate: z.number().gt(0).max(10).default(0.01).describe('Learning rate (greater than 0, at most 10).'),
    epochs: z.number().int().min(1).max(10000).default(20).describe('Passes over the training data (1 to 10000).'),
    batchSize: z
      .number()
      .int()
      .min(1)
      .max(65536)
      .default(32)
      .describe('Examples per step (1 to 65536); the training split needs at least this many rows.'),
    seed: z.number().int().min(0).default(1).describe('Seed of the holdout draw, initial weights and batch order.'),
    momentum: z.number().min(0).lt(1).default(0.9).describe('Momentum coefficient for the momentum optimizer, in [0, 1).'),
    nesterov: z.boolean().default(false).describe('Nesterov momentum (momentum optimizer).'),
    beta1: z.number().min(0).lt(1).default(0.9).describe('Adam first-moment decay, in [0, 1).'),
    beta2: z.number().min(0).lt(1).default(0.999).describe('Adam second-moment decay, in [0, 1).'),
    epsilon: z.number().gt(0).optional().describe("Adam epsilon; default the backend's (recorded in the run)."),
  })
  .prefault({})
  .describe('Training settings.');

const NODES = LIMITS.quadratureNodes;

const explain = z
  .strictObject({
    quadratureNodes: z
      .number()
      .int()
      .min(NODES.min)
      .max(NODES.max)
      .default(NODES.default)
      .describe(`Gauss–Legendre nodes per training step (${NODES.min} to ${NODES.max}).`),
    tolerance: z
      .number()
      .gt(0)
      .max(TOLERANCE.max)
      .default(TOLERANCE.default)
      .describe('Relative residual above which an explanation is flagged.'),
  })
  .prefault({})
  .describe('Explanation settings.');

const suspects = z
  .strictObject({
    ignore: z
      .array(
        z.strictObject({
          file: z.string().min(1).describe('The CSV file, relative to the experiment file.'),
          line: z.number().int().min(1).describe('The row’s 1-based line.'),
        }),
      )
      .max(100_000)
      .optional()
      .describe('Training rows the Suspicious Rows markers no longer flag (the quick fix "Ignore this row" adds them).'),
  })
  .optional()
  .describe('Choices of the Suspicious Rows view, kept with the experiment; training ignores them.');

export const experimentSchema = z
  .strictObject({
    $schema: z.string().optional().describe('JSON schema reference (ignored).'),
    name: z.string().min(1).optional().describe('Name of the experiment; default the file name without .kernel.json.'),
    dataset,
    model,
    training,
    explain,
    suspects,
  })
  .describe('A Kernel Lens experiment: train a small network on a CSV file and explain its predictions with the exact path kernel.');

export type ExperimentInput = z.input<typeof experimentSchema>;
export type ExperimentOutput = z.output<typeof experimentSchema>;

// Compile-time check: the schema accepts exactly `ExperimentConfig` (plus the editor's `$schema` key).
type Exact<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inputMatchesProtocol: Exact<Omit<ExperimentInput, '$schema'>, ExperimentConfig> = true;
void inputMatchesProtocol;
