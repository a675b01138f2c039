import { version_core } from '@tensorflow/tfjs-core';
import packageJson from '../../package.json';

/** What produced a run's arithmetic: a replay reproduces it bit for bit only with the same of each (and the same backend). */
export interface EngineVersions {
  kernelLens: string;
  tfjs: string;
}

export function engineVersions(): EngineVersions {
  return { kernelLens: String((packageJson as { version?: unknown }).version ?? '0.0.0'), tfjs: version_core };
}
