/** The trust tools: suspicious training rows, verification by retraining, the kernel over training. */
import { z } from 'zod';
import { type LDS_METHODS, LIMITS, SPLITS, SUSPECT_SCORINGS } from '../limits';
import type { OutputKind } from '../explanation';
import type { BackendName } from '../vocabulary';
import { EngineRequest } from './engineRequest';
import { filePath, integerIn, outputSelector, rowIndex } from './schemaParts';

/**
 * How suspects are scored (SUSPECT_SCORING_WORDS says each in words): self-influence times the row's share of its own
 * explanation (times its mean loss along the path, or not), TracIn's first-order self-influence, Adam-preconditioned,
 * the mean loss along the path, the final loss, or −log of the probability the row's leave-self-out prediction
 * f(x_i) − c_i(x_i) gives its label.
 */
export type SuspectScoring = (typeof SUSPECT_SCORINGS)[number];

export const suspectsParams = z.strictObject({
  runDir: filePath,
  /** Only the first K rows (default: all). */
  top: integerIn(LIMITS.top).optional(),
  /** Default: the engine's chosen scoring. */
  scoring: z.enum(SUSPECT_SCORINGS).optional(),
  /** Suggested labels for the first rows (one explanation per row and class each; default true). */
  suggest: z.boolean().optional(),
});
export type SuspectsParams = z.infer<typeof suspectsParams>;

export interface SuspectRow {
  /** 1-based rank, most suspicious first. */
  rank: number;
  /** Training-matrix row. */
  index: number;
  file: string;
  /** null for an image file. */
  line: number | null;
  label: string;
  score: number;
  /** The trained model's prediction for the row (class, or value for regression). */
  predicted: string;
  /** The trained model's probability of the row's own label; null for regression. */
  labelProbability: number | null;
  /**
   * The class the rest of the training set votes for: the arg-max of the row's leave-self-out prediction
   * f(x_i) − c_i(x_i), and its probability. null for regression and for runs explained by the tensor method (CNNs).
   */
  suggestedLabel: string | null;
  suggestedProbability: number | null;
}

export interface SuspectsResult {
  runDir: string;
  scoring: SuspectScoring;
  trainRows: number;
  /** The CSV column holding the labels (what "Relabel" edits); null for an image folder (the class is the folder). */
  target: string | null;
  /** Most to least suspicious. */
  rows: SuspectRow[];
}

export const trustSuspects = new EngineRequest<typeof suspectsParams, SuspectsResult>('trust/suspects', suspectsParams);

/** A row of the run's own splits (retraining cannot say anything about another file's rows). */
export const verifyQuery = z.strictObject({ split: z.enum(SPLITS), row: rowIndex });

export const verifyParams = z.strictObject({
  runDir: filePath,
  query: verifyQuery,
  output: outputSelector.optional(),
  /** Supporters removed (default 10); 0 retrains the original. */
  k: integerIn(LIMITS.verifyK).optional(),
  /** Random removals of k rows (default 3). */
  randomDraws: integerIn(LIMITS.verifyRandomDraws).optional(),
  /** Seed of the random draws (default 1). */
  seed: integerIn(LIMITS.verifySeed).optional(),
});
export type VerifyParams = z.infer<typeof verifyParams>;

/** One retraining without some rows. */
export interface VerifyRemoval {
  kind: 'supporters' | 'random';
  /** Training-matrix rows removed. */
  rows: number[];
  /** Σ of the removed rows' contributions to the explained output (output units). */
  removedSum: number;
  /** The explained output after retraining without them. */
  output: number;
  /** output − the original output; a first-order estimate is −removedSum. */
  change: number;
}

export interface VerifyResult {
  runDir: string;
  query: z.infer<typeof verifyQuery>;
  output: { kind: OutputKind; class: string | null; units: 'logit' | 'target' };
  k: number;
  /** The original run's explained output. */
  original: number;
  /** The explained output when retrained with nothing removed, on this backend. */
  retrained: number | null;
  supporters: VerifyRemoval;
  random: VerifyRemoval[];
  /** The row's LDS agreement (evaluations/lds.json), null when the run has none for this row. */
  lds: RowLdsAgreement | null;
  backend: BackendName;
  ms: number;
}

/** How well one attribution method's subset predictions rank the retrained outputs (Spearman, per test row). */
export interface LdsScore {
  /** Mean over the scored rows (rows whose outputs did not vary are left out; null: no row scored). */
  mean: number | null;
  /** Standard deviation over the rows, and the mean's 95% half-interval (1.96 · sd / √rows). */
  sd: number;
  halfInterval: number | null;
  median: number | null;
  /** One value per scored test row, in `rows` order (null: the outputs did not vary). */
  perRow: (number | null)[];
}

export type LdsMethod = (typeof LDS_METHODS)[number];

/**
 * A linear datamodeling score evaluation (`kernel-lens lds`, kept in the run folder as evaluations/lds.json): M
 * retrainings on random subsets keeping a fraction of the training rows, and, per test row, the Spearman
 * correlation over the subsets between each method's predicted output (network − Σ of the removed rows'
 * contributions) and the retrained output.
 */
export interface LdsEvaluation {
  formatVersion: 1;
  runDir: string;
  subsets: number;
  fraction: number;
  seed: number;
  /** Test-split rows scored. */
  rows: number[];
  methods: Record<LdsMethod, LdsScore>;
  /** Retraining on all rows reproduced the run's outputs exactly (the same backend replays training bit for bit). */
  reproduced: boolean;
  backend: BackendName;
  createdAt: string;
  ms: number;
}

/** The row's agreement in the run's LDS evaluation, when there is one and it scored the row (multiclass: on its margin). */
export interface RowLdsAgreement {
  subsets: number;
  fraction: number;
  /** This row's Spearman correlation per method (null: its outputs did not vary). */
  row: Record<LdsMethod, number | null>;
  /** The evaluation's mean per method. */
  mean: Record<LdsMethod, number | null>;
}

export const trustVerify = new EngineRequest<typeof verifyParams, VerifyResult>('trust/verify', verifyParams);

export const kernelEvolutionParams = z.strictObject({
  runDir: filePath,
  /** Training rows sampled for the kernel matrices (default and maximum 200). */
  sample: integerIn(LIMITS.kernelSample).optional(),
  /** Checkpoints for the alignment curve (default 20). */
  checkpoints: integerIn(LIMITS.kernelCheckpoints).optional(),
  /** Include the full sample-by-sample matrices (default true). */
  matrices: z.boolean().optional(),
  /** Sampled rows whose same-class share is computed (each needs a full explanation; default 50). */
  shareRows: integerIn(LIMITS.kernelShareRows).optional(),
});
export type KernelEvolutionParams = z.infer<typeof kernelEvolutionParams>;

export interface KernelMatrices {
  /** Tangent kernel of the explained outputs at w_0. */
  initial: number[][];
  /** Tangent kernel at w_T. */
  final: number[][];
  /** Path kernel K^p(x_j, x_i): row j is the query, column i the training example. */
  path: number[][];
}

export interface KernelEvolution {
  runDir: string;
  /** Training-matrix rows of the sample, and their labels. */
  sample: number[];
  labels: string[];
  /** The explained output of each sampled row (chosen at w_T, as an explanation would). */
  outputs: { kind: OutputKind; class: string | null }[];
  /** Centered kernel-target alignment (Cortes et al. 2012) of each kernel with the labels. */
  alignment: { initial: number; final: number; path: number };
  /** Alignment of the tangent kernel along training. */
  alignmentCurve: { step: number; epoch: number; alignment: number }[];
  /** How far the network moved from a fixed kernel: 1 − ⟨K_0, K_T⟩/(‖K_0‖‖K_T‖), and ‖K_T − K_0‖/‖K_0‖. */
  drift: { kernelDistance: number; relativeChange: number };
  /** Per explained sampled row (`shareRows` of them, spread over the sample): the share of Σ|c_i| from training rows of the predicted class, and the signed sums. */
  sameClass: { index: number; predicted: string; shareAbs: number; sameSum: number; otherSum: number }[];
  /** Mean of sameClass.shareAbs (classification), null for regression. */
  meanSameClassShare: number | null;
  matrices?: KernelMatrices;
  ms: number;
}

/** The tangent kernel at the start and end of training against the path kernel (`kernel-lens kernel`). */
export const trustKernel = new EngineRequest<typeof kernelEvolutionParams, KernelEvolution>('trust/kernel', kernelEvolutionParams);
