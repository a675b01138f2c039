import * as fs from 'node:fs';
import * as path from 'node:path';
import { readFloat32NpyInto, writeNpy } from '../../run/npy';
import type { LoadedRun } from '../shared/loadedRun';
import type { PathIndex } from './pathIndex';
import type { SimdContraction } from '../fast/wasm/simdContraction';

/**
 * The path index on disk, `index/` in a run directory: written when training ends, so `explain` reads
 * it straight into the contraction module's memory and never rebuilds it. Per layer l the training factors
 * `layer{l}_a.npy` [T, W, in] and `layer{l}_delta.npy` [T, W, out]; `step_scale.npy` [T, P] (η_r D_r)
 * for Adam and subsampled paths. All float32.
 */
export const INDEX_DIR = 'index';

function files(dir: string, l: number): { a: string; delta: string } {
  return { a: path.join(dir, INDEX_DIR, `layer${l}_a.npy`), delta: path.join(dir, INDEX_DIR, `layer${l}_delta.npy`) };
}

const stepScaleFile = (dir: string) => path.join(dir, INDEX_DIR, 'step_scale.npy');

export async function writePathIndex(dir: string, run: LoadedRun, index: PathIndex): Promise<void> {
  await fs.promises.mkdir(path.join(dir, INDEX_DIR), { recursive: true });
  const T = run.path.steps;
  const W = run.path.batchWidth;
  for (const [l, layer] of index.layers.entries()) {
    const f = files(dir, l);
    await writeNpy(f.a, { dtype: 'float32', shape: [T, W, layer.inputs], data: layer.a });
    await writeNpy(f.delta, { dtype: 'float32', shape: [T, W, layer.outputs], data: layer.delta });
  }
  if (index.stepScale)
    await writeNpy(stepScaleFile(dir), { dtype: 'float32', shape: [T, run.layout.parameterCount], data: index.stepScale });
}

/**
 * Reads a run's stored index into the contraction module's storage. Returns false when the run has none (written
 * before the index was stored); throws when a file is there but does not match the run.
 */
export function readPathIndexInto(run: LoadedRun, contraction: SimdContraction): boolean {
  if (!fs.existsSync(path.join(run.dir, INDEX_DIR))) return false;
  const T = run.path.steps;
  const W = run.path.batchWidth;
  run.layout.layers.forEach((layer, l) => {
    const f = files(run.dir, l);
    readFloat32NpyInto(f.a, contraction.factors[l].a, [T, W, layer.inputs]);
    readFloat32NpyInto(f.delta, contraction.factors[l].delta, [T, W, layer.outputs]);
  });
  if (contraction.stepScale) readFloat32NpyInto(stepScaleFile(run.dir), contraction.stepScale, [T, run.layout.parameterCount]);
  return true;
}
