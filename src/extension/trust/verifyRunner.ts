/**
 * "Verify by retraining…" from the explanation view: `trust/verify` for the shown row and output, with a
 * cancellable progress notification (it retrains the experiment 1 + draws times).
 */
import * as vscode from 'vscode';
import { EngineMethods, type VerifyResult } from '../../protocol';
import type { EngineConnection } from '../engine/engineConnection';
import type { ExplainTarget } from '../explain/explainer';
import { describeRowTitle } from '../explain/rowTitle';
import { LIMITS } from '../../protocol/limits';

const RANDOM_DRAWS = LIMITS.verifyRandomDraws.default;

export type VerifyOutcome = { kind: 'done'; result: VerifyResult } | { kind: 'cancelled' };

export async function runVerification(engine: EngineConnection, target: ExplainTarget, k: number): Promise<VerifyOutcome> {
  const { split, row } = target.query;
  if (split === 'input') throw new Error('Only training and test rows can be verified by retraining.');
  const cts = new vscode.CancellationTokenSource();
  try {
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Kernel Lens: verifying ${describeRowTitle(target.query)} by retraining without ${k} supporters and ${RANDOM_DRAWS}× ${k} random rows`,
        cancellable: true,
      },
      (_progress, token) => {
        token.onCancellationRequested(() => cts.cancel());
        return engine.request(
          EngineMethods.trustVerify,
          { runDir: target.runDir, query: { split, row }, output: target.output, k, randomDraws: RANDOM_DRAWS },
          cts.token,
        );
      },
    );
    return cts.token.isCancellationRequested ? { kind: 'cancelled' } : { kind: 'done', result };
  } catch (e) {
    if (cts.token.isCancellationRequested) return { kind: 'cancelled' };
    throw e;
  } finally {
    cts.dispose();
  }
}
