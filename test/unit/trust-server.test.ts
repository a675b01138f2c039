import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { EngineMethods, type KernelEvolution, type SuspectsResult, type VerifyResult } from '../../src/protocol';
import { handlers, type HandlerContext } from '../../src/engine/server/handlers';
import { EngineSession } from '../../src/engine/server/engineSession';
import { parseEngineFlags } from '../../src/engine/server/engineFlags';
import { parseParams } from '../../src/engine/server/parseParams';
import { WorkspaceGuard } from '../../src/engine/server/workspaceGuard';
import { trainSample } from '../helpers/experiments';

async function call<T>(ctx: HandlerContext, method: string, params: unknown): Promise<T> {
  const entry = handlers.get(method);
  assert.ok(entry, `${method} is registered`);
  return (await entry.run(parseParams(entry.schema, params, method), ctx)) as T;
}

test('engine serves trust/suspects, trust/verify and trust/kernel inside the workspace only', async () => {
  const info = await trainSample('iris.csv', {
    dataset: { train: 'iris.csv', target: 'species' },
    model: { hidden: [{ units: 6, activation: 'tanh' }] },
    training: { epochs: 3, batchSize: 16, seed: 1 },
  });
  const session = new EngineSession(parseEngineFlags([]));
  session.guard = (await WorkspaceGuard.create([path.dirname(path.dirname(path.dirname(path.dirname(info.dir))))])).guard;
  const ctx: HandlerContext = {
    session,
    signal: new AbortController().signal,
    sendProgress: () => undefined,
    sendExplainProgress: () => undefined,
    requestExit: () => undefined,
  };
  const suspects = await call<SuspectsResult>(ctx, EngineMethods.trustSuspects.method, { runDir: info.dir, top: 3 });
  assert.equal(suspects.rows.length, 3);
  const verify = await call<VerifyResult>(ctx, EngineMethods.trustVerify.method, {
    runDir: info.dir,
    query: { split: 'test', row: 0 },
    k: 0,
  });
  assert.equal(verify.retrained, verify.original);
  const kernel = await call<KernelEvolution>(ctx, EngineMethods.trustKernel.method, {
    runDir: info.dir,
    sample: 10,
    checkpoints: 3,
    matrices: false,
  });
  assert.equal(kernel.sample.length, 10);
  assert.equal(kernel.matrices, undefined);
  // Bad params and paths outside the workspace are refused.
  assert.throws(
    () =>
      parseParams(
        handlers.get(EngineMethods.trustVerify.method)!.schema,
        { runDir: info.dir, query: { split: 'test', row: -1 } },
        'trust/verify',
      ),
    /row/,
  );
  await assert.rejects(call(ctx, EngineMethods.trustSuspects.method, { runDir: os.tmpdir() }));
});
