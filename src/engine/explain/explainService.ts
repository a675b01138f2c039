import * as fs from 'node:fs';
import * as path from 'node:path';
import type {
  ContributionTrace,
  Explanation,
  ExplainParams,
  ExplainQuery,
  ExplainResult,
  NeuronExplanation,
  OutputSelector,
  TraceParams,
} from '../../protocol';
import { loadRun, type LoadedRun, finalWeights } from './shared/loadedRun';
import { buildTrainingFactors, type TrainingFactors } from './shared/trainingFactors';
import { explainBlock } from './direct/directBlock';
import type { ExplainBlockOptions, RawExplanation } from './shared/blockTypes';
import type { QueryBlock } from './shared/blockTypes';
import { isReplayed } from './replay/segments';
import { replayWholePath } from './replay/wholePathReplay';
import { CHECKPOINT_FILES } from '../run/runFiles';
import { isImageFolderRun } from '../run/runRecord';
import { explainReplayedBlocks, explainedClasses, type ReplayProgress } from './replay/replayedExplain';
import type { ReplaySharing } from './replay/sharedReplay';
import { kernelsInPass, receiverShare, replayingThreadRows, SHARED_REPLAY_FROM_MS, trainingMs } from './replay/replayCosts';
import { explainBlockFast } from './fast/fastBlock';
import { explainNeuron } from './neuron/neuronView';
import { loadPathIndex, type PathIndex } from './pathIndex/pathIndex';
import { buildExplanation, type ExplainedRow } from './explanationBuilder';
import { resolveOutput } from './shared/outputSelector';
import { networkOutputs } from './shared/networkOutputs';
import { encodeCsvRows } from '../data/prepare';
import { encodeImageFile } from '../data/imageFolder';
import { isImageFile } from '../data/imageDecoding';
import { currentBackend } from '../backend';
import { UserError, throwIfCancelled } from '../errors';
import { explainAcrossThreads, explainSharingReplay, workerCount } from './parallel/workerPool';
import { LIMITS } from '../../protocol/limits';
import { isDenseOnly } from '../model/parameterLayout';

/**
 * A loaded run with its path index, each built on first use and then reused: a batch handed to worker
 * threads never builds the index on the main thread, and the TensorFlow.js factors exist only for the
 * reference ('direct') method.
 */
export class IndexedRun {
  private builtIndex: PathIndex | null = null;
  private builtFactors: TrainingFactors | null = null;
  private wholePath: Promise<LoadedRun> | null = null;
  private replayedWhole: LoadedRun | null = null;

  constructor(
    readonly run: LoadedRun,
    /** path/weights.npy's mtime when loaded: a changed record (rename, pin) keeps the index, a retrain does not. */
    readonly pathStamp: number,
  ) {}

  /** The training factors as typed arrays plus the sweep's diagonals (the fast method's path index, read from index/). */
  get index(): PathIndex {
    // A checkpointed run is indexed segment by segment while it is replayed (replay/).
    if (isReplayed(this.run)) throw new Error('a checkpointed run has no whole-path index');
    if (!isDenseOnly(this.run.layout))
      throw new UserError('this needs the path index of a dense network; a convolutional run is explained by `explain` only (for now)', {
        file: this.run.dir,
      });
    this.builtIndex ??= loadPathIndex(this.run);
    return this.builtIndex;
  }

  /** The same factors as TensorFlow.js tensors (the direct method), of the replayed whole path when there is one. */
  get factors(): TrainingFactors {
    this.builtFactors ??= buildTrainingFactors(this.replayedWhole ?? this.run);
    return this.builtFactors;
  }

  /** The run with every step's weights in memory: a checkpointed run is replayed once (wholePathReplay.ts). */
  async wholePathRun(signal?: AbortSignal): Promise<LoadedRun> {
    if (!isReplayed(this.run)) return this.run;
    this.wholePath ??= replayWholePath(this.run, signal).then(
      (run) => (this.replayedWhole = run),
      (error: unknown) => {
        this.wholePath = null;
        throw error;
      },
    );
    return this.wholePath;
  }

  dispose(): void {
    this.builtFactors?.dispose();
    this.builtFactors = null;
    this.builtIndex = null;
    this.wholePath = null;
    this.replayedWhole = null;
  }
}

const cache = new Map<string, IndexedRun>();
/**
 * Queries per fast block: the rows of a block share each point's interpolated weights and every read of them (W2's
 * query side: 8 rows a block take a third less than 4), few enough for the Φ chunks and carries to stay small.
 */
const FAST_BLOCK = 8;
const CACHE_SIZE = 2;

/** The recorded path's mtime (its weights, or a checkpointed run's checkpoints): a retrain into the same folder changes it. */
function pathStamp(dir: string): number {
  for (const name of ['weights.npy', CHECKPOINT_FILES.weights]) {
    try {
      return fs.statSync(path.join(dir, 'path', name)).mtimeMs;
    } catch {
      // not this layout
    }
  }
  return -1;
}

export async function indexedRun(runDir: string): Promise<IndexedRun> {
  const dir = path.resolve(runDir);
  const cached = cache.get(dir);
  if (cached && cached.pathStamp === pathStamp(dir)) {
    cache.delete(dir);
    cache.set(dir, cached);
    return cached;
  }
  cached?.dispose();
  cache.delete(dir);
  const entry = new IndexedRun(await loadRun(dir), pathStamp(dir));
  cache.set(dir, entry);
  while (cache.size > CACHE_SIZE) {
    const [oldest, value] = cache.entries().next().value as [string, IndexedRun];
    value.dispose();
    cache.delete(oldest);
  }
  return entry;
}

/** Drops a run from the cache (after deleting it). */
export function forgetRun(runDir: string): void {
  const dir = path.resolve(runDir);
  cache.get(dir)?.dispose();
  cache.delete(dir);
}

interface PreparedQuery {
  row: Omit<ExplainedRow, 'finalOutput' | 'output' | 'x'>;
  x: Float32Array;
}

async function prepareQueries(run: LoadedRun, queries: ExplainQuery[]): Promise<PreparedQuery[]> {
  const F = run.data.featureCount;
  const header = run.record.preprocessing.header;
  const inputs = new Map<string, Awaited<ReturnType<typeof encodeCsvRows>>>();
  const experimentDir = path.dirname(path.resolve(run.dir, run.record.experimentFile));
  const result: PreparedQuery[] = [];
  for (const query of queries) {
    if (query.split === 'input') {
      if (!query.input) throw new UserError('an input query needs the CSV file that holds the row');
      const file = path.resolve(experimentDir, query.input);
      const shape = run.record.image;
      if (isImageFile(file)) {
        // Only a run trained on an image folder reads image files (a pixel CSV's run standardizes its columns).
        if (!shape || !isImageFolderRun(run.record))
          throw new UserError('this run was trained on a CSV file: explain a row of a CSV with its columns, not an image', { file });
        // An image file is one row: row 0.
        checkRow(query.row, 1, file);
        const image = await encodeImageFile(file, { ...shape, channels: shape.channels ?? 1 }, experimentDir);
        result.push({ x: image.x, row: { split: 'input', row: 0, file: image.relative, line: null, label: null, values: [] } });
        continue;
      }
      let matrix = inputs.get(file);
      if (!matrix) {
        matrix = await encodeCsvRows(file, run.record.preprocessing, experimentDir);
        inputs.set(file, matrix);
      }
      checkRow(query.row, matrix.count, file);
      result.push({
        x: matrix.x.slice(query.row * F, (query.row + 1) * F),
        row: {
          split: 'input',
          row: query.row,
          file: matrix.rows[query.row].file,
          line: matrix.rows[query.row].line,
          label: matrix.labels[query.row] === '' ? null : matrix.labels[query.row],
          values: namedValues(header, matrix.raw[query.row]),
        },
      });
      continue;
    }
    const count = query.split === 'train' ? run.record.trainRows : run.record.testRows;
    checkRow(query.row, count, `the ${query.split} split`);
    const x = query.split === 'train' ? run.data.trainX : run.data.testX;
    const raw = run.data.raw[query.split];
    const source = run.data.rows[query.split][query.row];
    result.push({
      x: x.slice(query.row * F, (query.row + 1) * F),
      row: {
        split: query.split,
        row: query.row,
        file: source.file,
        line: source.line,
        label: raw.labels[query.row],
        values: namedValues(header, raw.values[query.row]),
      },
    });
  }
  return result;
}

function checkRow(row: number, count: number, where: string): void {
  if (!Number.isInteger(row) || row < 0 || row >= count)
    throw new UserError(`row ${row} is out of range: ${where} has ${count} rows (0-based)`);
}

function namedValues(header: string[], values: string[] | undefined): { name: string; value: string }[] {
  return (values ?? []).map((value, k) => ({ name: header[k] ?? `column ${k + 1}`, value }));
}

export interface ExplainOptions {
  output?: OutputSelector;
  top?: number;
  full?: boolean;
  quadratureNodes?: number;
  tolerance?: number;
  leftPointOnly?: boolean;
  traceRows?: number[];
  signal?: AbortSignal;
  /** Rows per block (default: direct as many as fit the memory for Φ, at most 8; fast up to 96). */
  blockSize?: number;
  /** 'fast' (default): the typed-array path index; 'direct': the reference implementation (explainBlock.ts). */
  method?: 'fast' | 'direct';
  /** Split batches of at least PARALLEL_FROM rows across this thread and worker threads (default true). */
  parallel?: boolean;
  /** A checkpointed run: called after each replayed segment. */
  onReplay?: (progress: ReplayProgress) => void;
  /** A checkpointed run on two threads: how many rows the replaying worker explains too (default: fitted to the costs). */
  replayingThreadRows?: number;
  /** A checkpointed run on two threads whose worker explains no rows: the share of segments this thread replays (default: fitted to the costs). */
  receiverShare?: number;
  /** A checkpointed run explained on two threads: this thread's side of their one replay (set by the engine itself). */
  replaySharing?: ReplaySharing;
}

/** Bytes of sweep carries (one float64 vector of P per row) that one replay holds: more rows take another replay. */
const REPLAY_CARRY_BYTES = 256 * 1024 * 1024;

/** Rows one replay serves (in whole blocks): their sweep carries, one float64 vector of P each, fit REPLAY_CARRY_BYTES. */
function replayGroupRows(P: number, blockSize: number): number {
  return Math.max(1, Math.floor(REPLAY_CARRY_BYTES / (8 * P * blockSize))) * blockSize;
}

/** From this many rows on, a batch is split across worker threads. */
const PARALLEL_FROM = 8;

/** Explains rows of a loaded run; returns the raw numbers too (for tools built on top). */
export async function explainWithIndex(
  indexed: IndexedRun,
  queries: ExplainQuery[],
  options: ExplainOptions = {},
): Promise<{ explanations: Explanation[]; raw: RawExplanation[] }> {
  // A convolutional network is explained by the reference (tensor) method on this thread: the typed-array fast
  // method and its workers serve dense networks. A checkpointed one is replayed whole first (its path is small).
  const dense = isDenseOnly(indexed.run.layout);
  const run = dense ? indexed.run : await indexed.wholePathRun(options.signal);
  const threads = workerCount();
  const parallel = dense && options.parallel !== false && threads > 1 && (options.method ?? 'fast') === 'fast';
  // A checkpointed run whose replay is long is replayed once for both threads (below); others split their rows.
  const sharedReplay =
    parallel &&
    isReplayed(run) &&
    queries.length <= replayGroupRows(run.layout.parameterCount, options.blockSize ?? FAST_BLOCK) &&
    (options.replayingThreadRows !== undefined || trainingMs(run) >= SHARED_REPLAY_FROM_MS);
  if (parallel && !sharedReplay && queries.length >= PARALLEL_FROM) {
    return explainAcrossThreads(
      indexed.run.dir,
      queries,
      options,
      threads,
      (part) => explainWithIndex(indexed, part, { ...options, parallel: false }),
      { block: options.blockSize ?? FAST_BLOCK, oneEach: isReplayed(run) },
    );
  }
  const prepared = await prepareQueries(run, queries);
  const F = run.data.featureCount;
  const C = run.outputCount;
  const allX = new Float32Array(prepared.length * F);
  prepared.forEach((p, q) => allX.set(p.x, q * F));
  const outputs = networkOutputs(run, finalWeights(run), allX, prepared.length);
  const resolved = prepared.map((_, q) =>
    resolveOutput(
      run.record.task,
      run.record.preprocessing.classes,
      outputs.subarray(q * C, (q + 1) * C),
      options.output ?? { kind: 'default' },
    ),
  );
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const replayed = isReplayed(run);
  // The reference method covers stored exact paths only; subsampled and replayed paths take the fast one.
  const method = !dense ? 'direct' : run.approximate || replayed ? 'fast' : (options.method ?? 'fast');
  const blockSize = options.blockSize ?? (method === 'fast' ? FAST_BLOCK : Math.max(1, Math.min(8, Math.floor(40_000_000 / (T * P)))));
  const nodes = options.quadratureNodes ?? run.record.explain.quadratureNodes;
  const tolerance = options.tolerance ?? run.record.explain.tolerance;
  const top = options.top ?? LIMITS.top.default;
  const blockOptions: ExplainBlockOptions = {
    nodes,
    tolerance,
    kernelTop: options.full ? Math.max(top, 50) : top,
    leftPointOnly: options.leftPointOnly,
    traceRows: options.traceRows,
    signal: options.signal,
  };
  const blocks: QueryBlock[] = [];
  for (let q0 = 0; q0 < prepared.length; q0 += blockSize) {
    const count = Math.min(blockSize, prepared.length - q0);
    const e = new Float32Array(count * C);
    for (let k = 0; k < count; k++) e.set(resolved[q0 + k].e, k * C);
    blocks.push({ x: allX.slice(q0 * F, (q0 + count) * F), e, count });
  }
  if (sharedReplay) {
    // One replay for both threads: a worker replays (and explains a share of the rows fitted to the replay's cost), this
    // thread explains the rest from its segments meanwhile, or, when the worker has no rows, replays a share of the
    // segments itself. Both follow one plan for the explained logits' kernels and the segments' sides.
    const classes = explainedClasses(blocks, C);
    const inPass = blockOptions.kernelTop > 0 && kernelsInPass(run, classes.length, queries.length, nodes);
    const deltaClasses = inPass ? classes.length : 0;
    const workerRows = Math.max(
      0,
      Math.min(queries.length - 1, options.replayingThreadRows ?? replayingThreadRows(run, queries.length, deltaClasses)),
    );
    // A worker with no rows of its own leaves this thread part of the replay when its rows leave it time.
    const share =
      workerRows > 0 ? 0 : Math.min(0.5, Math.max(0, options.receiverShare ?? receiverShare(run, queries.length, deltaClasses)));
    const plan = { classes, kernelsInPass: inPass, receiverShare: share };
    return explainSharingReplay(run, queries, options, plan, workerRows, (part, replaySharing) =>
      explainWithIndex(indexed, part, { ...options, parallel: false, replaySharing }),
    );
  }
  const raws: RawExplanation[] = [];
  const timings: NonNullable<Explanation['timing']>[] = [];
  try {
    if (replayed) {
      // One replay for every block of a group; a group's carries (one float64 vector per row) bound its size. A thread
      // sharing its replay takes part in it as one group, even with no rows of its own (the rows fit: see above).
      const group = replayGroupRows(P, blockSize) / blockSize;
      const groups = options.replaySharing
        ? [blocks]
        : Array.from({ length: Math.ceil(blocks.length / group) }, (_, g) => blocks.slice(g * group, (g + 1) * group));
      for (const part of groups) {
        const t0 = performance.now();
        const { raw, timing } = await explainReplayedBlocks(run, part, blockOptions, options.onReplay, options.replaySharing);
        for (const result of raw) raws.push(...result);
        for (let k = 0; k < timing.rows; k++) timings.push({ ms: (performance.now() - t0) / timing.rows, replay: timing });
      }
    } else {
      const explain =
        method === 'fast'
          ? (b: QueryBlock, o: ExplainBlockOptions) => explainBlockFast(run, indexed.index, b, o)
          : (b: QueryBlock, o: ExplainBlockOptions) => explainBlock(run, indexed.factors, b, o);
      for (const block of blocks) {
        throwIfCancelled(options.signal);
        const t0 = performance.now();
        raws.push(...(await explain(block, blockOptions)));
        for (let k = 0; k < block.count; k++) timings.push({ ms: (performance.now() - t0) / block.count });
      }
    }
  } catch (error) {
    // A worker stopped by the cancellation fails with its own error: report the cancellation.
    throwIfCancelled(options.signal);
    throw error;
  }
  const explanations = raws.map((r, q) => {
    const explanation = buildExplanation(
      run,
      { ...prepared[q].row, x: prepared[q].x, finalOutput: outputs.slice(q * C, (q + 1) * C), output: resolved[q] },
      r,
      { top, full: options.full ?? false, tolerance, backend: currentBackend().backend },
    );
    explanation.timing = timings[q];
    return explanation;
  });
  return { explanations, raw: raws };
}

export async function explainRows(
  params: ExplainParams,
  options: { signal?: AbortSignal; onReplay?: (progress: ReplayProgress) => void } = {},
): Promise<ExplainResult> {
  const indexed = await indexedRun(params.runDir);
  const { explanations } = await explainWithIndex(indexed, params.queries, {
    output: params.output,
    top: params.top,
    full: params.full,
    quadratureNodes: params.quadratureNodes,
    tolerance: params.tolerance,
    signal: options.signal,
    onReplay: options.onReplay,
  });
  return { explanations };
}

export async function traceContributions(params: TraceParams, options: { signal?: AbortSignal } = {}): Promise<ContributionTrace[]> {
  const indexed = await indexedRun(params.runDir);
  const { raw } = await explainWithIndex(indexed, [params.query], {
    output: params.output,
    traceRows: params.indices,
    signal: options.signal,
    top: 0,
  });
  const sigma = indexed.run.record.task === 'regression' ? (indexed.run.record.preprocessing.targetScale?.std ?? 1) : 1;
  return params.indices.map((index) => {
    const trace = raw[0].traces.get(index) ?? { steps: [], contributions: [] };
    return { index, steps: trace.steps, contributions: trace.contributions.map((c) => sigma * c) };
  });
}

/** `kernel-lens neuron`: one unit's weight change decomposed over the training examples (neuronView.ts). */
export async function explainNeuronOfRun(
  runDir: string,
  params: { layer: number; unit: number; top: number },
  options: { signal?: AbortSignal } = {},
): Promise<NeuronExplanation> {
  const indexed = await indexedRun(runDir);
  if (indexed.run.approximate)
    throw new UserError('the neuron view needs an exact path; this run kept every k-th step only (--approximate)');
  const run = await indexed.wholePathRun(options.signal);
  return explainNeuron(run, indexed.factors, { ...params, signal: options.signal });
}
