/** Command-line flags of `dist/engine.js` shared by the server and the CLI. */
import type { BackendChoice } from '../../protocol';

export interface EngineFlags {
  stdio: boolean;
  backend: BackendChoice;
  memoryBudgetMb: number;
  nativeModulesDir: string | undefined;
  /** Arguments that are not engine flags (handed to the CLI). */
  rest: string[];
}

export const DEFAULT_MEMORY_BUDGET_MB = 2048;
export const MIN_MEMORY_BUDGET_MB = 64;
export const MAX_MEMORY_BUDGET_MB = 1024 * 1024;

const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];

/** Parses the engine's own flags; throws an Error with a readable message on a bad value. */
export function parseEngineFlags(argv: readonly string[]): EngineFlags {
  const flags: EngineFlags = { stdio: false, backend: 'auto', memoryBudgetMb: DEFAULT_MEMORY_BUDGET_MB, nativeModulesDir: undefined, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--stdio') flags.stdio = true;
    else if (name === '--backend') {
      const v = value();
      if (!BACKENDS.includes(v as BackendChoice)) throw new Error(`--backend must be one of ${BACKENDS.join(', ')} (got "${v}")`);
      flags.backend = v as BackendChoice;
    } else if (name === '--memory-budget-mb') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < MIN_MEMORY_BUDGET_MB || n > MAX_MEMORY_BUDGET_MB) {
        throw new Error(`--memory-budget-mb must be an integer between ${MIN_MEMORY_BUDGET_MB} and ${MAX_MEMORY_BUDGET_MB} (got "${v}")`);
      }
      flags.memoryBudgetMb = n;
    } else if (name === '--native-modules') flags.nativeModulesDir = value();
    else flags.rest.push(arg);
  }
  return flags;
}
