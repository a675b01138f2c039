import type { BackendChoice } from '../../protocol';
import { BACKEND_CHOICES } from '../../protocol/limits';
import { initBackend } from '../backend';
import { UserError } from '../errors';
import { stringFlag, type CliValues } from './cliArgs';

/** Starts the backend named by `--backend` (and `--native-modules`) and says on stderr which one runs. */
export async function startBackend(values: CliValues): Promise<void> {
  const choice = (stringFlag(values, 'backend') ?? 'auto') as BackendChoice;
  if (!BACKEND_CHOICES.includes(choice)) throw new UserError(`--backend must be one of ${BACKEND_CHOICES.join(', ')} (got "${choice}")`);
  const status = await initBackend(choice, { nativeModulesDir: stringFlag(values, 'native-modules') });
  process.stderr.write(`backend: ${status.backend}${status.note ? ` (${status.note})` : ''}\n`);
}
