/**
 * Chooses the TensorFlow.js backend: the optional native `@tensorflow/tfjs-node` when it loads,
 * else wasm (SIMD, single-threaded, binary shipped in the package), else the pure-JS cpu backend.
 * The engine always reports which one ran.
 */
import * as tf from '@tensorflow/tfjs-core';
// A used named import: the package's `sideEffects` list would let a bundler drop a bare import (and the cpu backend with it).
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
// tfjs-core's node bundle registers no gradients; training and tf.grad need them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BackendChoice, BackendName } from '../protocol';
import { firstLineOf, messageOf } from '../shared/messageOf';
import { registerWasmSliceKernel } from './kernels/wasmSlice';
import { registerPatchKernels } from './kernels/patches';
import { registerBatchedProductKernel } from './kernels/batchedProduct';
import { registerMaxPoolKernels } from './kernels/maxPool';

export interface BackendStatus {
  backend: BackendName;
  available: BackendName[];
  /** Why a preferred backend is not in use, if it is not. */
  note: string | null;
}

let current: BackendStatus | null = null;

/** Folder holding the `.wasm` files: beside the bundle (dist/), else in node_modules (tests via tsx). */
function wasmDir(): string {
  const candidates = [__dirname, path.join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist')];
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'tfjs-backend-wasm-simd.wasm'))) return dir;
  }
  return path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
}

/** Loads `@tensorflow/tfjs-node` from node_modules or from `nativeModulesDir`; returns why not, or null on success. */
function tryLoadNative(nativeModulesDir?: string): string | null {
  const attempts: string[] = [];
  const places = nativeModulesDir
    ? [path.join(nativeModulesDir, 'node_modules', '@tensorflow', 'tfjs-node'), '@tensorflow/tfjs-node']
    : ['@tensorflow/tfjs-node'];
  for (const place of places) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(place);
      if (tf.findBackend('tensorflow')) return null;
      attempts.push(`${place}: loaded but registered no backend`);
    } catch (error) {
      const message = firstLineOf(error);
      const missing = (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && message.includes(place);
      attempts.push(
        /NODE_MODULE_VERSION/.test(message)
          ? `${place}: built for another Node.js ABI than this runtime's (${process.versions.modules}): ${message}`
          : missing
            ? `${place}: not installed`
            : `${place}: ${message}`,
      );
    }
  }
  return `native backend not available (${attempts.join('; ')})`;
}

export async function initBackend(choice: BackendChoice = 'auto', options: { nativeModulesDir?: string } = {}): Promise<BackendStatus> {
  const notes: string[] = [];
  const available: BackendName[] = [];
  if (choice === 'auto' || choice === 'tensorflow') {
    const why = tryLoadNative(options.nativeModulesDir);
    if (why === null) available.push('tensorflow');
    // With auto, say why only when the user installed the native backend and expects it.
    else if (choice === 'tensorflow' || options.nativeModulesDir) notes.push(why);
  }
  try {
    // Importing the wasm backend registers it; the wasm files are located explicitly for bundles.
    setWasmPaths(wasmDir() + path.sep);
    registerWasmSliceKernel();
    registerPatchKernels();
    registerBatchedProductKernel();
    registerMaxPoolKernels();
    available.push('wasm');
  } catch (error) {
    notes.push(`wasm backend not available: ${messageOf(error)}`);
  }
  if (version_cpu) available.push('cpu');

  const order: BackendName[] = choice === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [choice, 'wasm', 'cpu'];
  for (const name of order) {
    if (!available.includes(name)) continue;
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        current = { backend: name, available, note: notes.length > 0 ? notes.join('; ') : null };
        return current;
      }
    } catch (error) {
      notes.push(`${name} failed to start: ${messageOf(error)}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${notes.join('; ')}`);
}

export function currentBackend(): BackendStatus {
  if (!current) throw new Error('backend not initialized');
  return current;
}
