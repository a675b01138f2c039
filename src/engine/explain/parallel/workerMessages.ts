import type { BackendName, Explanation, ExplainQuery } from '../../../protocol';
import type { RawExplanation } from '../shared/blockTypes';
import type { ExplainOptions } from '../explainService';

/** What a kernel worker is asked: explain these rows of this run (options without the abort signal). */
export interface WorkerRequest {
  id: number;
  runDir: string;
  queries: ExplainQuery[];
  options: Omit<ExplainOptions, 'signal'>;
}

export type WorkerReply =
  | { id: number; ok: true; explanations: Explanation[]; raw: RawExplanation[] }
  | { id: number; ok: false; message: string; userError: boolean };

export interface WorkerSetup {
  backend: BackendName;
}
