/**
 * The shape `run.json` must have to be read at all (README, "Run directory"): an edited or truncated record
 * is "run is damaged: run.json: <field>: <problem>", never a TypeError deep inside an explanation.
 * It checks; the record read is used as written (fields it does not know are kept).
 */
import { z } from 'zod';
import { BACKEND_NAMES } from '../../protocol/limits';
import { modelLayer } from '../data/experimentSchema';

const finite = z.number().finite();
const count = z.number().int().min(0);
const text = z.string();

const encodedColumn = z.discriminatedUnion('type', [
  z.looseObject({ name: text, type: z.literal('numeric'), mean: finite, std: finite.positive(), impute: finite }),
  z.looseObject({ name: text, type: z.literal('categorical'), categories: z.array(text), impute: text }),
]);

const preprocessing = z.looseObject({
  target: text,
  task: z.enum(['regression', 'binary', 'multiclass']),
  classes: z.array(text).nullable(),
  positiveClass: text.nullable(),
  targetScale: z.object({ mean: finite, std: finite.positive() }).nullable(),
  // Empty for an image folder: its inputs are pixels, described by `image`.
  columns: z.array(encodedColumn),
  featureNames: z.array(text).min(1),
  header: z.array(text).min(1),
});

const layoutEntry = z.looseObject({
  name: text,
  shape: z.array(z.number().int().positive()).min(1).max(4),
  offset: count,
  activation: z.enum(['relu', 'tanh', 'sigmoid', 'gelu', 'softplus', 'linear']),
});

export const runRecordSchema = z
  .looseObject({
    formatVersion: z.union([z.literal(1), z.literal(2)]),
    id: text.min(1),
    name: text,
    experimentFile: text.min(1),
    status: z.enum(['running', 'complete', 'cancelled', 'failed']),
    message: text.nullable(),
    createdAt: text,
    finishedAt: text.nullable(),
    pid: count,
    backend: z.enum(BACKEND_NAMES),
    task: z.enum(['regression', 'binary', 'multiclass']),
    preprocessing,
    files: z.array(z.looseObject({ file: text, sha256: z.string().regex(/^[0-9a-f]{64}$/), size: count })),
    layout: z.array(layoutEntry).min(2),
    model: z.looseObject({ layers: z.array(modelLayer).max(16) }).optional(),
    image: z
      .looseObject({
        width: z.number().int().positive(),
        height: z.number().int().positive(),
        channels: z.number().int().positive().optional(),
      })
      .nullable()
      .optional(),
    optimizer: z.looseObject({ name: z.enum(['sgd', 'momentum', 'adam']), learningRate: finite, momentum: finite, nesterov: z.boolean() }),
    steps: count,
    parameters: z.number().int().positive(),
    trainRows: z.number().int().positive(),
    testRows: count,
    metrics: z.array(z.looseObject({ epoch: count, step: count })),
    explain: z.looseObject({ quadratureNodes: z.number().int().min(1), tolerance: finite.positive() }),
    // Only files of the run's own folders, named plainly: never a path that leaves the run folder.
    digests: z
      .record(
        z
          .string()
          .regex(/^(data|path|index)\/[A-Za-z0-9_.-]+$/)
          .refine((key) => !key.includes('..')),
        z.object({ size: count, sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
      )
      .optional(),
    pathLayout: z.enum(['full', 'checkpoints', 'approximate']).optional(),
    replay: z
      .looseObject({
        every: z.number().int().min(2),
        // A training cancelled before its first step has one checkpoint.
        fingerprints: z.array(z.string().regex(/^[0-9a-f]{64}$/)).min(1),
        versions: z.looseObject({ kernelLens: text, tfjs: text }).optional(),
      })
      .optional(),
    recordSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  })
  .superRefine((record, ctx) => {
    // The layout tiles the parameter vector: kernel and bias of each layer, in order, with no gap.
    let offset = 0;
    record.layout.forEach((entry, k) => {
      if (entry.offset !== offset) ctx.addIssue({ code: 'custom', path: ['layout', k, 'offset'], message: `expected ${offset}` });
      offset += entry.shape.reduce((a, b) => a * b, 1);
    });
    if (offset !== record.parameters) ctx.addIssue({ code: 'custom', path: ['parameters'], message: `the layout holds ${offset}` });
    // Runs of this format are fingerprinted when they complete: a complete one without them was edited.
    if (record.formatVersion >= 2 && record.status === 'complete' && record.digests === undefined) {
      ctx.addIssue({ code: 'custom', path: ['digests'], message: 'a complete run records its files’ digests' });
    }
    if (record.digests !== undefined && record.recordSha256 === undefined) {
      ctx.addIssue({ code: 'custom', path: ['recordSha256'], message: 'required with digests' });
    }
    // The checkpoints are described when training ends: a running, cancelled or failed run may lack them.
    if (record.status === 'complete' && (record.pathLayout === 'checkpoints') !== (record.replay !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['replay'], message: 'a complete checkpointed run (and only one) describes its checkpoints' });
    }
    const classes = record.preprocessing.classes;
    if (record.task !== 'regression' && (classes === null || classes.length < 2)) {
      ctx.addIssue({ code: 'custom', path: ['preprocessing', 'classes'], message: 'a classification run needs its classes' });
    }
  });
