import { initBackend } from '../src/engine/backend';
import { indexedRun } from '../src/engine/explain/explainService';
import { replaySegment, segmentRun } from '../src/engine/explain/replay/segmentReplay';
import { segmentsOf } from '../src/engine/explain/replay/segments';
import { buildPathIndex } from '../src/engine/explain/pathIndex/pathIndex';
import { SimdContraction } from '../src/engine/explain/fast/wasm/simdContraction';
import { adoptSegment } from '../src/engine/explain/fast/wasm/simdQuerySide';
import { BlockSweep } from '../src/engine/explain/fast/fastBlock';
import * as fs from 'node:fs';
(async () => {
  await initBackend('wasm');
  const run = (await indexedRun(fs.readFileSync('/tmp/kl/w2.run', 'utf8').trim())).run;
  const segs = segmentsOf(run).reverse().slice(0, 4);
  const longest = 73;
  const contraction = new SimdContraction({ layout: run.layout, path: { ...run.path, steps: longest } }, true);
  const F = run.data.featureCount;
  const C = 10;
  const mk = (q0: number, n: number) => ({ x: run.data.testX.slice(q0 * F, (q0 + n) * F), e: (() => { const e = new Float32Array(n * C); for (let k = 0; k < n; k++) e[k * C + 3] = 1; return e; })(), count: n });
  const blocks = [mk(0, 4), mk(4, 4), mk(8, 2)];
  const sweeps = blocks.map((b) => new BlockSweep(run, b, { nodes: 3, tolerance: 1e-3, kernelTop: 10 }));
  const carries = blocks.map((b) => new Float64Array(b.count * run.layout.parameterCount));
  let tr = 0, ti = 0, ts = 0;
  for (const seg of segs) {
    let t = performance.now();
    const p = await replaySegment(run, seg);
    tr += performance.now() - t; t = performance.now();
    const view = segmentRun(run, p); adoptSegment(run, view, longest);
    const index = buildPathIndex(view, contraction);
    ti += performance.now() - t; t = performance.now();
    for (const [b, s] of sweeps.entries()) { contraction.loadCarries(carries[b]); await s.sweepSegment(view, index); contraction.saveCarries(carries[b]); }
    ts += performance.now() - t;
  }
  const n = segs.length;
  console.log(`per segment (73 steps): replay ${(tr / n).toFixed(0)} ms, index ${(ti / n).toFixed(0)} ms, sweep of 10 rows ${(ts / n).toFixed(0)} ms; x63 segments: ${(63 * (tr + ti + ts) / n / 1000).toFixed(1)} s`);
})();
