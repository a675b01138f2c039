import type { BackendName, Explanation, ExplainQuery } from '../../../protocol';
import type { RawExplanation } from '../shared/blockTypes';
import type { ExplainOptions } from '../explainService';
import type { PackedSegment, ReplayPlan } from '../replay/sharedReplay';

/** What a kernel worker is asked: explain these rows of this run (options without the abort signal). */
export interface WorkerRequest {
  id: number;
  runDir: string;
  queries: ExplainQuery[];
  options: Omit<ExplainOptions, 'signal' | 'onReplay' | 'replaySharing'>;
  /** A checkpointed run: replay it here for both threads, publishing every segment (`WorkerSegment`), as planned. */
  shareReplay?: ReplayPlan;
}

/** The engine's thread has finished with this many of a request's published segments (the worker may run ahead of it by a few). */
export interface WorkerAck {
  ackId: number;
  consumed: number;
  /** The buffers of the segment done with, transferred back to be filled again. */
  buffers: ArrayBuffer[];
}

/** One replayed segment of a request that shares its replay (sent before the request's reply). */
export interface WorkerSegment {
  id: number;
  segment: PackedSegment;
}

export type WorkerReply =
  | { id: number; ok: true; explanations: Explanation[]; raw: RawExplanation[] }
  | { id: number; ok: false; message: string; userError: boolean };

export interface WorkerSetup {
  backend: BackendName;
}
