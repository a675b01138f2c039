import * as os from 'node:os';
import * as path from 'node:path';
import type { ExplainQuery } from '../../protocol';
import { trainExperiment } from '../pipeline/trainRun';
import { exportPath } from '../pipeline/exportPath';
import { readRunRecord } from '../run/runStore';
import { inspectCsv } from '../data/inspect';
import { explainNeuronOfRun, explainWithIndex, indexedRun } from '../explain/explainService';
import { rowSourceText } from '../../shared/rowSource';
import { numberText, percentText } from '../../shared/numberText';
import { weightPicture } from './weightPicture';
import { explanationTable } from './explainTable';
import { integerFlag, onePositional, outputSelector, parseCommand, splitFlag, stringFlag } from './cliArgs';
import { UserError, messageOf } from '../errors';
import { trustCommands } from './trustCommands';
import { startBackend } from './backendFlag';
import { writeFileAtomic } from '../run/atomicWrite';
import { machineBudgetMb } from '../pipeline/trainingMemory';
import { LIMITS, SUSPECT_SCORINGS, TEXT_LIMITS, TOLERANCE } from '../../protocol/limits';
import { plainText } from '../../shared/safeText';
import * as fs from 'node:fs';

const USAGE = `kernel-lens — explain every prediction of a small neural network as a weighted sum of its training examples

Usage:
  kernel-lens train EXPERIMENT.kernel.json [--out DIR] [--path-budget-mb N] [--checkpoint-every K | --approximate] [--memory-budget-mb N]
  kernel-lens explain RUN_DIR --row N [--split test|train] [--class NAME | --margin] [--top K] [--json]
  kernel-lens explain RUN_DIR --input FILE.csv|IMAGE.png --row N [...]
  kernel-lens explain RUN_DIR --all [--split test|train] [--limit N] --out FILE.jsonl
  kernel-lens export-path RUN_DIR --out DIR [--max-mb N]
  kernel-lens inspect FILE.csv
  kernel-lens suspects RUN_DIR [--top K] [--scoring ${SUSPECT_SCORINGS.join('|')}] [--json]
  kernel-lens verify RUN_DIR --row N [--split test|train] [--k K] [--draws D] [--class NAME | --margin] [--json]
  kernel-lens lds RUN_DIR [--subsets M] [--fraction F] [--rows Q] [--seed S] [--json]
  kernel-lens kernel RUN_DIR [--sample N] [--checkpoints C] [--json]
  kernel-lens neuron RUN_DIR --layer L --unit U [--top K] [--json]
Common flags: --backend auto|tensorflow|wasm|cpu, --nodes N (quadrature nodes), --tolerance T`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, Command> = { train, explain, inspect, neuron, 'export-path': exportPathCommand, ...trustCommands };

/** Runs the command line; returns the exit code. Bad input is one clear line on stderr, never a stack. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv.filter((a) => a !== '--');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`kernel-lens: unknown command "${name}"\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command(rest);
  } catch (error) {
    const message = error instanceof UserError ? error.message : `internal error: ${messageOf(error)}`;
    process.stderr.write(`kernel-lens ${name}: ${plainText(message, TEXT_LIMITS.errorMessage)}\n`);
    if (!(error instanceof UserError) && process.env.KERNEL_LENS_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return 1;
  }
}

async function train(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    out: { type: 'string' },
    'path-budget-mb': { type: 'string' },
    'checkpoint-every': { type: 'string' },
    approximate: { type: 'boolean' },
  });
  const experiment = onePositional(positionals, 'experiment file');
  const pathLayout = {
    budgetMb: integerFlag(values, 'path-budget-mb', LIMITS.pathBudgetMb),
    checkpointEvery: integerFlag(values, 'checkpoint-every', LIMITS.checkpointEvery),
    approximate: values.approximate === true,
  };
  if (pathLayout.approximate && pathLayout.checkpointEvery !== undefined)
    throw new UserError('--approximate and --checkpoint-every exclude each other');
  const budgetMb = integerFlag(values, 'memory-budget-mb', {
    ...LIMITS.memoryBudgetMb,
    default: Math.max(LIMITS.memoryBudgetMb.min, Math.min(LIMITS.memoryBudgetMb.max, machineBudgetMb(os.freemem(), os.totalmem()))),
  }) as number;
  await startBackend(values);
  const started = Date.now();
  const controller = new AbortController();
  // Ctrl-C and a polite kill both cancel: the run is kept, marked cancelled, and its folder freed.
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const info = await trainExperiment(experiment, {
    out: stringFlag(values, 'out'),
    pathLayout,
    signal: controller.signal,
    checkMemory: (what, bytes) => {
      const neededMb = Math.ceil(bytes / (1024 * 1024));
      if (neededMb > budgetMb) {
        throw new UserError(
          `${what} needs about ${neededMb} MB, more than the memory budget of ${budgetMb} MB (--memory-budget-mb, default: the free memory); ` +
            'lower the epochs or units, or store checkpoints instead of the whole path with a smaller --path-budget-mb',
        );
      }
    },
    onProgress: (p) => {
      if (!p.metrics) return;
      const m = p.metrics;
      const score =
        m.testAccuracy !== undefined
          ? `accuracy train ${m.trainAccuracy === undefined ? '—' : percentText(m.trainAccuracy)} test ${percentText(m.testAccuracy)}`
          : `rmse train ${numberText(m.trainRmse)} test ${numberText(m.testRmse)}`;
      process.stderr.write(
        `epoch ${m.epoch}/${p.epochs}  step ${m.step}/${p.totalSteps}  loss train ${numberText(m.trainLoss)} test ${numberText(m.testLoss)}  ${score}\n`,
      );
    },
  });
  const record = info.status === 'complete' ? await readRunRecord(info.dir) : undefined;
  const stored = record?.pathIndex;
  const index = stored
    ? `; path index ${(stored.bytes / 1e6).toFixed(1)} MB built in ${(stored.buildMs / 1000).toFixed(2)} s`
    : record?.replay
      ? `; ${record.replay.fingerprints.length} checkpoints every ${record.replay.every} steps (explanations replay them)`
      : '';
  process.stderr.write(
    `${info.status} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${info.steps} steps, ${info.parameters} parameters${index}${info.approximate ? ', checkpoints subsampled to fit --path-budget-mb (explanations approximate)' : ''}${info.message ? ` — ${info.message}` : ''}\n`,
  );
  process.stdout.write(info.dir + '\n');
  return info.status === 'complete' ? 0 : 1;
}

/** A unit's weight change as a sum over training examples (neuronView.ts). */
async function neuron(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    layer: { type: 'string' },
    unit: { type: 'string' },
    top: { type: 'string' },
    json: { type: 'boolean' },
  });
  const runDir = onePositional(positionals, 'run directory');
  const layer = integerFlag(values, 'layer', LIMITS.neuronLayer);
  const unit = integerFlag(values, 'unit', LIMITS.neuronUnit);
  if (layer === undefined || unit === undefined) throw new UserError('neuron needs --layer L and --unit U (0-based)');
  const top = integerFlag(values, 'top', LIMITS.top) as number;
  await startBackend(values);
  const result = await explainNeuronOfRun(runDir, { layer, unit, top });
  if (values.json) {
    const { contributions, ...rest } = result;
    process.stdout.write(JSON.stringify({ ...rest, contributions: contributions.map(({ vector: _, ...c }) => c) }, null, 2) + '\n');
    return 0;
  }
  const change = result.final.map((w, j) => w - result.initial[j]);
  const norm = Math.sqrt(change.reduce((sum, d) => sum + d * d, 0));
  // A conv filter or a first layer's weights on an image is drawn as the image it is.
  const shape = result.imageShape ?? (result.shape.length === 3 ? result.shape : null);
  const picture = shape ? weightPicture(change, shape) : null;
  const lines = [
    `layer ${layer} unit ${unit}: ${result.initial.length} incoming weights (shape ${result.shape.join('×')}), ‖Δw‖ ${numberText(norm)}`,
    `residual ‖Δw − Σ v_i‖ ${numberText(result.residual.abs)}, relative ${numberText(result.residual.rel)}  [backend ${result.backend}]`,
    ...(picture ? ['', `Δw (sign and size, largest ${numberText(Math.max(...change.map(Math.abs)))}):`, ...picture] : []),
    '',
    '  rank  projection  share    source                            label',
    ...result.contributions.map(
      (c, k) =>
        `  ${String(k + 1).padEnd(4)}  ${numberText(c.projection).padStart(10)}  ${percentText(c.share).padStart(6)}  ${plainText(rowSourceText(c.file, c.line), 60).padEnd(32)}  ${plainText(c.label, 40)}`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

async function explain(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    row: { type: 'string' },
    split: { type: 'string' },
    input: { type: 'string' },
    class: { type: 'string' },
    margin: { type: 'boolean' },
    top: { type: 'string' },
    json: { type: 'boolean' },
    all: { type: 'boolean' },
    limit: { type: 'string' },
    out: { type: 'string' },
    nodes: { type: 'string' },
    tolerance: { type: 'string' },
  });
  const runDir = onePositional(positionals, 'run directory');
  const top = integerFlag(values, 'top', LIMITS.top) as number;
  const nodes = integerFlag(values, 'nodes', { min: LIMITS.quadratureNodes.min, max: LIMITS.quadratureNodes.max });
  const toleranceText = stringFlag(values, 'tolerance');
  const tolerance = toleranceText === undefined ? undefined : Number(toleranceText);
  if (tolerance !== undefined && !(tolerance > 0 && tolerance <= TOLERANCE.max)) {
    throw new UserError(`--tolerance must be a number above 0 and at most ${TOLERANCE.max} (got "${toleranceText}")`);
  }
  const output = outputSelector(values);
  await startBackend(values);
  const indexed = await indexedRun(runDir);
  if (values.all) {
    const out = stringFlag(values, 'out');
    if (!out) throw new UserError('--all needs --out FILE.jsonl');
    const target = path.resolve(out);
    // Never over a dataset, a run file or a folder: a .jsonl file outside the runs' folders.
    if (!target.endsWith('.jsonl')) throw new UserError('--out must name a .jsonl file', { file: out });
    if (target.split(path.sep).includes('.kernel-lens'))
      throw new UserError('--out must not be inside a .kernel-lens folder (runs live there)', { file: out });
    if (!fs.existsSync(path.dirname(target))) throw new UserError('the folder of --out does not exist', { file: out });
    const split = splitFlag(values);
    const rows = split === 'test' ? indexed.run.record.testRows : indexed.run.record.trainRows;
    // --limit N: the first N rows of the split.
    const count = Math.min(rows, integerFlag(values, 'limit', { min: 1, max: LIMITS.row.max }) ?? rows);
    const queries: ExplainQuery[] = Array.from({ length: count }, (_, row) => ({ split, row }));
    const started = performance.now();
    const { explanations } = await explainWithIndex(indexed, queries, { output, top, quadratureNodes: nodes, tolerance });
    // Atomic: a killed run leaves the older output whole, never a cut-off file.
    await writeFileAtomic(target, explanations.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const rels = explanations.map((e) => e.residual.rel).sort((a, b) => a - b);
    process.stderr.write(
      `explained ${count} ${split} row${count === 1 ? '' : 's'} in ${((performance.now() - started) / 1000).toFixed(2)} s; relative residual max ${numberText(rels[rels.length - 1])} median ${numberText(rels[Math.floor(rels.length / 2)])}; ${explanations.filter((e) => e.residual.flagged).length} flagged\n`,
    );
    process.stdout.write(path.resolve(out) + '\n');
    return 0;
  }
  const row = integerFlag(values, 'row', LIMITS.row);
  if (row === undefined) throw new UserError('explain needs --row N (or --all)');
  const input = stringFlag(values, 'input');
  const query: ExplainQuery = input ? { split: 'input', row, input: path.resolve(input) } : { split: splitFlag(values), row };
  const { explanations } = await explainWithIndex(indexed, [query], { output, top, full: !values.json, quadratureNodes: nodes, tolerance });
  const explanation = explanations[0];
  if (values.json) {
    process.stdout.write(JSON.stringify(explanation, null, 2) + '\n');
  } else {
    const header = indexed.run.record.preprocessing.header;
    const values = (i: number) => indexed.run.data.raw.train.values[i].map((v, k) => `${header[k]}=${v}`).join(' ');
    process.stdout.write(explanationTable(explanation, top, values) + '\n');
  }
  return explanation.residual.flagged ? 3 : 0;
}

async function inspect(argv: string[]): Promise<number> {
  const { positionals } = parseCommand(argv, {});
  const file = onePositional(positionals, 'CSV file');
  const schema = await inspectCsv(file);
  process.stdout.write(JSON.stringify(schema, null, 2) + '\n');
  return 0;
}

/** kernel-lens export-path RUN_DIR --out DIR [--max-mb N]: the full path in the stored layout, replayed if need be. */
async function exportPathCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { out: { type: 'string' }, 'max-mb': { type: 'string' } });
  const runDir = onePositional(positionals, 'run directory');
  const out = stringFlag(values, 'out');
  if (out === undefined) throw new UserError('export-path needs --out DIR (a folder that does not exist yet)');
  const maxMb = integerFlag(values, 'max-mb', LIMITS.exportMaxMb) as number;
  await startBackend(values);
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());
  const started = Date.now();
  const result = await exportPath(runDir, out, { maxMb, signal: controller.signal });
  process.stderr.write(`exported ${(result.bytes / (1024 * 1024)).toFixed(1)} MiB in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.stdout.write(result.dir + '\n');
  return 0;
}
