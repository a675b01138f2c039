import { initBackend } from '/work/main/src/engine/backend';
import { explainWithIndex, indexedRun } from '/work/main/src/engine/explain/explainService';
(async () => {
  await initBackend('wasm');
  const indexed = await indexedRun('/tmp/scr/fash/r1');
  let t = performance.now();
  await explainWithIndex(indexed, [{ split: 'test', row: 1 }]);
  console.log('first', performance.now() - t);
  for (const row of [2, 3]) {
    t = performance.now();
    const r = await explainWithIndex(indexed, [{ split: 'test', row }]);
    console.log('next', row, performance.now() - t, r.explanations[0].residual.rel);
  }
})();
