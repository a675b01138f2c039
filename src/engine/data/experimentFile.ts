import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { z } from 'zod';
import type { ExperimentConfig, ModelLayer, ValidateResult } from '../../protocol';
import { UserError, messageOf } from '../errors';
import { readCsvHeader } from './csvTable';
import { firstImageShape, isDirectory } from './imageFolder';
import { buildLayout } from '../model/parameterLayout';
import { displayPath } from './displayPath';
import { experimentSchema, type ExperimentOutput } from './experimentSchema';
import { jsonSyntaxError, locateJsonPath, positionAt } from './jsonLocation';
import type { ResolvedExperiment } from './preparedData';
import { quoteNames } from '../../shared/safeText';

export const EXPERIMENT_SUFFIX = '.kernel.json';

/** Reads, validates and resolves an experiment file; the first problem is thrown as a UserError. */
export async function readExperiment(file: string): Promise<ResolvedExperiment> {
  const abs = path.resolve(file);
  const display = displayPath(abs);
  const text = await readText(abs, display);
  const json = parseJson(text, display);
  const result = experimentSchema.safeParse(json);
  if (!result.success) throw schemaErrors(result.error.issues, text, display)[0];
  return resolve(abs, json as ExperimentConfig, result.data);
}

/** Checks an experiment file and the dataset it names; reports every problem found, never throws for user errors. */
export async function validateExperimentFile(file: string): Promise<ValidateResult> {
  const abs = path.resolve(file);
  const display = displayPath(abs);
  let text: string;
  let json: unknown;
  try {
    text = await readText(abs, display);
    json = parseJson(text, display);
  } catch (error) {
    return { ok: false, errors: [messageOf(error)], config: null };
  }
  const result = experimentSchema.safeParse(json);
  if (!result.success) {
    return { ok: false, errors: schemaErrors(result.error.issues, text, display).map(messageOf), config: null };
  }
  const experiment = resolve(abs, json as ExperimentConfig, result.data);
  const errors = await datasetErrors(experiment);
  return { ok: errors.length === 0, errors, config: experiment.raw };
}

async function datasetErrors(experiment: ResolvedExperiment): Promise<string[]> {
  const errors: string[] = [];
  const files = [experiment.dataset.train];
  if ('file' in experiment.dataset.test) files.push(experiment.dataset.test.file);
  for (const relative of files) {
    const abs = path.resolve(experiment.dir, relative);
    // An image folder: its layout and that the network fits its images (sizes and files are checked when it is read).
    if (await isDirectory(abs)) {
      try {
        const shape = await firstImageShape(abs);
        buildLayout(shape.width * shape.height * shape.channels, shape, experiment.model.layers, 2, display(experiment));
      } catch (error) {
        if (!(error instanceof UserError)) throw error;
        errors.push(error.message);
      }
      continue;
    }
    if (experiment.dataset.target === null) {
      errors.push(
        new UserError('dataset.target is required for a CSV file (the column to predict)', { file: display(experiment) }).message,
      );
      break;
    }
    try {
      const { header } = await readCsvHeader(abs);
      if (!header.includes(experiment.dataset.target)) {
        errors.push(
          new UserError(`target column "${experiment.dataset.target}" not found; columns: ${quoteNames(header)}`, {
            file: displayPath(abs),
            line: 1,
          }).message,
        );
      }
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      errors.push(error.message);
    }
  }
  return errors;
}

async function readText(abs: string, display: string): Promise<string> {
  try {
    // A BOM is legal in files saved by some editors but not in JSON.
    return (await fsp.readFile(abs, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError('experiment file not found', { file: display });
    if (code === 'EISDIR') throw new UserError('experiment path is a folder, not a file', { file: display });
    throw new UserError(`cannot read experiment file (${code ?? messageOf(error)})`, { file: display });
  }
}

function parseJson(text: string, display: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    // JSON.parse decides validity; jsonc-parser says where and what (V8's message text is not an API).
    const syntax = jsonSyntaxError(text) ?? { offset: text.length, reason: messageOf(error) };
    const at = positionAt(text, syntax.offset);
    throw new UserError(`invalid JSON at column ${at.column}: ${syntax.reason}`, { file: display, line: at.line });
  }
}

/** One UserError per issue, naming the key path (e.g. `training.epochs`) and its line. */
function schemaErrors(issues: readonly z.core.$ZodIssue[], text: string, display: string): UserError[] {
  const errors: UserError[] = [];
  for (const issue of issues) {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const keyPath = [...base, key];
        errors.push(new UserError(`unknown key "${keyPath.join('.')}"`, { file: display, line: lineOf(text, keyPath) }));
      }
      continue;
    }
    const where = base.length > 0 ? base.join('.') : '(top level)';
    errors.push(new UserError(`${where}: ${describeIssue(issue)}`, { file: display, line: lineOf(text, base) }));
  }
  return errors;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) return `required, expected ${issue.expected}`;
  if (issue.code === 'invalid_union') return 'expected either {"file": "..."} or {"fraction": 0.2}';
  return issue.message;
}

function lineOf(text: string, keyPath: readonly PropertyKey[]): number {
  return positionAt(text, locateJsonPath(text, keyPath)).line;
}

function resolve(abs: string, raw: ExperimentConfig, parsed: ExperimentOutput): ResolvedExperiment {
  const base = path.basename(abs);
  const defaultName = base.endsWith(EXPERIMENT_SUFFIX) ? base.slice(0, -EXPERIMENT_SUFFIX.length) : base.replace(/\.json$/i, '');
  const { dataset, model, training, explain } = parsed;
  return {
    file: abs,
    dir: path.dirname(abs),
    name: parsed.name ?? defaultName,
    raw,
    dataset: {
      train: dataset.train,
      target: dataset.target ?? null,
      test: dataset.test,
      columns: dataset.columns,
      ignore: dataset.ignore,
      missing: dataset.missing,
      task: dataset.task ?? null,
      image: dataset.image ? { width: dataset.image.width, height: dataset.image.height, channels: dataset.image.channels ?? 1 } : null,
    },
    model: { layers: modelLayers(model) },
    training: { ...training, epsilon: training.epsilon ?? null },
    explain: { ...explain },
  };
}

/** The hidden layers: `layers` as written, or `hidden` as dense layers (default one tanh layer of 16). */
function modelLayers(model: ExperimentOutput['model']): ModelLayer[] {
  if (model.layers) return model.layers;
  return (model.hidden ?? [{ units: 16, activation: 'tanh' as const }]).map((layer) => ({ type: 'dense', ...layer }));
}

const display = (experiment: ResolvedExperiment) => displayPath(experiment.file);
