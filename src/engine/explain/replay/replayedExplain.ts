import { BlockSweep } from '../fast/fastBlock';
import { pathKernelForTops } from '../fast/pathKernelTop';
import { buildPathIndex } from '../pathIndex/pathIndex';
import type { ExplainBlockOptions, QueryBlock, RawExplanation } from '../shared/blockTypes';
import type { LoadedRun } from '../shared/loadedRun';
import type { ExplainProgress, ReplayTiming } from '../../../protocol';
import { pathSegments, segmentContraction } from './pathSegments';
import { segmentsOf } from './segments';
import type { ReplaySharing } from './sharedReplay';
import { kernelsInPass } from './replayCosts';

/** Where a replayed explanation is (the `explain/progress` notification without its request's token). */
export type ReplayProgress = Omit<ExplainProgress, 'token'>;

/**
 * Explains blocks of rows of a checkpointed run with one replay for all of them (path-kernel.md §3.2): each
 * segment, newest first, is replayed into memory, indexed (its per-example factors and Adam's diagonal) and swept
 * by every block, whose carry is handed from one segment to the previous. Memory: the checkpoints plus one
 * segment. The path kernel of each row's top contributors (known only at the end) is summed for every training row
 * in the same replay when the rows explain few logits, else computed for the top rows by a second, lighter replay.
 * With `sharing`, the replays are another thread's (or this one's, published to it; or both, a share each), and the
 * logits are those of both threads' rows.
 */
export async function explainReplayedBlocks(
  run: LoadedRun,
  blocks: QueryBlock[],
  options: ExplainBlockOptions,
  onProgress?: (progress: ReplayProgress) => void,
  sharing?: ReplaySharing,
): Promise<{ raw: RawExplanation[][]; timing: ReplayTiming }> {
  const segments = segmentsOf(run);
  const P = run.layout.parameterCount;
  // A thread that only replays for another one (no rows of its own) holds no index storage and builds no index.
  const contraction = blocks.length > 0 ? segmentContraction(run) : null;
  const withKernels = options.kernelTop > 0;
  // The logits the rows' explained outputs weigh. Their training-side deltas are recorded by the replay and every
  // row's kernel summed on the way (allRowKernels.ts) unless a second replay for the top rows only costs less
  // (many logits, many rows: replayCosts.ts).
  const C = run.outputCount;
  const outputClasses = !withKernels ? [] : (sharing?.classes ?? explainedClasses(blocks, C));
  const rows = blocks.reduce((sum, block) => sum + block.count, 0);
  const inPass = withKernels && (sharing?.kernelsInPass ?? kernelsInPass(run, outputClasses.length, rows, options.nodes));
  const sweeps = blocks.map((block) => new BlockSweep(run, block, options, inPass));
  const carries = blocks.map((block) => new Float64Array(block.count * P));
  let done = 0;
  const timing: ReplayTiming = { segments: segments.length, rows: 0, replayMs: 0, indexMs: 0, contractionMs: 0 };
  for (const block of blocks) timing.rows += block.count;
  let mark = performance.now();
  for await (const view of pathSegments(run, {
    signal: options.signal,
    newestFirst: true,
    factors: true,
    outputClasses: inPass ? outputClasses : [],
    sharing,
    pass: 'contributions',
  })) {
    const replayed = performance.now();
    timing.replayMs += replayed - mark;
    let indexed = replayed;
    if (contraction) {
      const index = buildPathIndex(view, contraction);
      indexed = performance.now();
      timing.indexMs += indexed - replayed;
      for (const [b, sweep] of sweeps.entries()) {
        contraction.loadCarries(carries[b]);
        await sweep.sweepSegment(view, index);
        contraction.saveCarries(carries[b]);
      }
    }
    mark = performance.now();
    timing.contractionMs += mark - indexed;
    onProgress?.({ pass: 'contributions', segment: ++done, segments: segments.length });
  }
  const tops = sweeps.map((sweep) => sweep.tops());
  const kernels = tops.map((rows, b) =>
    inPass ? sweeps[b].kernelsOfTops(rows) : rows.map((top) => new Map<number, number>(top.map((i) => [i, 0]))),
  );
  if (withKernels && !inPass) {
    const started = performance.now();
    done = 0;
    for await (const view of pathSegments(run, { signal: options.signal, sharing, pass: 'kernel' })) {
      sweeps.forEach((sweep, b) => {
        const part = pathKernelForTops(view, blocks[b], tops[b], sweep.rule, sweep.refinedPhiOf(view));
        part.forEach((values, q) => {
          for (const [i, value] of values) kernels[b][q].set(i, (kernels[b][q].get(i) as number) + value);
        });
      });
      onProgress?.({ pass: 'kernel', segment: ++done, segments: segments.length });
    }
    timing.kernelReplayMs = performance.now() - started;
  }
  return { raw: sweeps.map((sweep, b) => sweep.finish(kernels[b])), timing };
}

/** The logits the rows' explained outputs weigh (the classes whose deltas give the training side of their path kernels). */
export function explainedClasses(blocks: readonly Pick<QueryBlock, 'e'>[], C: number): number[] {
  const classes = new Set<number>();
  for (const block of blocks) block.e.forEach((value, k) => value !== 0 && classes.add(k % C));
  return [...classes].sort((a, b) => a - b);
}
