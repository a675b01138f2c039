import { SimdContraction } from '../fast/wasm/simdContraction';
import { BlockSweep } from '../fast/fastBlock';
import { pathKernelForTops } from '../fast/pathKernelTop';
import { buildPathIndex } from '../pathIndex/pathIndex';
import type { ExplainBlockOptions, QueryBlock, RawExplanation } from '../shared/blockTypes';
import type { LoadedRun } from '../shared/loadedRun';
import { pathSegments } from './pathSegments';
import { segmentsOf } from './segments';

/** Where a replayed explanation is: which pass (contributions newest segment first, then the top rows' path kernel) and segment. */
export interface ReplayProgress {
  pass: 'contributions' | 'kernel';
  segment: number;
  segments: number;
}

/**
 * Explains blocks of rows of a checkpointed run with one replay for all of them (path-kernel.md §3.2): each
 * segment, newest first, is replayed into memory, indexed (its per-example factors and Adam's diagonal) and swept
 * by every block, whose carry is handed from one segment to the previous. Memory: the checkpoints plus one
 * segment. The path kernel of each row's top contributors, known only at the end, takes a second replay
 * without factors (none when `kernelTop` is 0).
 */
export async function explainReplayedBlocks(
  run: LoadedRun,
  blocks: QueryBlock[],
  options: ExplainBlockOptions,
  onProgress?: (progress: ReplayProgress) => void,
): Promise<RawExplanation[][]> {
  const segments = segmentsOf(run);
  const longest = Math.max(...segments.map((s) => s.end - s.start));
  const P = run.layout.parameterCount;
  const contraction = new SimdContraction({ layout: run.layout, path: { ...run.path, steps: longest } }, run.optimizer.name === 'adam');
  const sweeps = blocks.map((block) => new BlockSweep(run, block, options));
  const carries = blocks.map((block) => new Float64Array(block.count * P));
  let done = 0;
  for await (const view of pathSegments(run, { signal: options.signal, newestFirst: true, factors: true })) {
    const index = buildPathIndex(view, contraction);
    for (const [b, sweep] of sweeps.entries()) {
      contraction.loadCarries(carries[b]);
      await sweep.sweepSegment(view, index);
      contraction.saveCarries(carries[b]);
    }
    onProgress?.({ pass: 'contributions', segment: ++done, segments: segments.length });
  }
  const tops = sweeps.map((sweep) => sweep.tops());
  const kernels = tops.map((rows) => rows.map((top) => new Map<number, number>(top.map((i) => [i, 0]))));
  if (options.kernelTop > 0) {
    done = 0;
    for await (const view of pathSegments(run, { signal: options.signal })) {
      sweeps.forEach((sweep, b) => {
        const part = pathKernelForTops(view, blocks[b], tops[b], sweep.rule, sweep.refinedPhiOf(view));
        part.forEach((values, q) => {
          for (const [i, value] of values) kernels[b][q].set(i, (kernels[b][q].get(i) as number) + value);
        });
      });
      onProgress?.({ pass: 'kernel', segment: ++done, segments: segments.length });
    }
  }
  return sweeps.map((sweep, b) => sweep.finish(kernels[b]));
}
