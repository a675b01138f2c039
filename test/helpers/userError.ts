import assert from 'node:assert/strict';
import { UserError } from '../../src/engine/errors';

/** Awaits a promise that must reject with a one-line UserError, and returns that error. */
export async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => assert.fail('expected a UserError'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UserError, `not a UserError: ${String(error)}`);
  assert.ok(!error.message.includes('\n'), 'one line');
  return error;
}
