/** Command-line flags of `dist/engine.js` shared by the server and the CLI. */
import type { BackendChoice } from '../../protocol';
import { BACKEND_CHOICES, LIMITS } from '../../protocol/limits';

export interface EngineFlags {
  stdio: boolean;
  backend: BackendChoice;
  memoryBudgetMb: number;
  nativeModulesDir: string | undefined;
  /** Arguments that are not engine flags (handed to the CLI). */
  rest: string[];
}

const BACKENDS: readonly string[] = BACKEND_CHOICES;
const BUDGET = LIMITS.memoryBudgetMb;

/** Parses the engine's own flags; throws an Error with a readable message on a bad value. */
export function parseEngineFlags(argv: readonly string[]): EngineFlags {
  const flags: EngineFlags = { stdio: false, backend: 'auto', memoryBudgetMb: BUDGET.default, nativeModulesDir: undefined, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--stdio') flags.stdio = true;
    else if (name === '--backend') {
      const v = value();
      if (!BACKENDS.includes(v)) throw new Error(`--backend must be one of ${BACKENDS.join(', ')} (got "${v}")`);
      flags.backend = v as BackendChoice;
    } else if (name === '--memory-budget-mb') {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < BUDGET.min || n > BUDGET.max) {
        throw new Error(`--memory-budget-mb must be an integer between ${BUDGET.min} and ${BUDGET.max} (got "${v}")`);
      }
      flags.memoryBudgetMb = n;
    } else if (name === '--native-modules') flags.nativeModulesDir = value();
    else flags.rest.push(arg);
  }
  return flags;
}
