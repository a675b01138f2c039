import type {
  BackendName,
  DatasetFileRecord,
  EpochMetrics,
  ExperimentConfig,
  LayoutEntry,
  ModelLayer,
  OptimizerRecord,
  PathLayoutName,
  Preprocessing,
  RunStatus,
  TaskKind,
} from '../../protocol';
import type { EngineVersions } from '../engineVersions';

/** The content of a run's `run.json`. */
export interface RunRecord {
  /** 1: before run digests; 2: complete runs carry `digests` and `recordSha256`. */
  formatVersion: 1 | 2;
  id: string;
  name: string;
  /** Experiment file path relative to the run directory (so a moved workspace still resolves). */
  experimentFile: string;
  experiment: ExperimentConfig;
  status: RunStatus;
  message: string | null;
  createdAt: string;
  finishedAt: string | null;
  /** Process that wrote a `running` record; a dead pid means the run was interrupted. */
  pid: number;
  backend: BackendName;
  task: TaskKind;
  preprocessing: Preprocessing;
  files: DatasetFileRecord[];
  layout: LayoutEntry[];
  optimizer: OptimizerRecord;
  epochs: number;
  batchSize: number;
  seed: number;
  steps: number;
  parameters: number;
  trainRows: number;
  testRows: number;
  metrics: EpochMetrics[];
  explain: { quadratureNodes: number; tolerance: number };
  /** The inputs' image shape (channels last; written without channels before convolution: 1). */
  image: { width: number; height: number; channels?: number } | null;
  /** The hidden layers with every default filled in (written since convolution; older runs are dense: `layout`). */
  model?: { layers: ModelLayer[] };
  label?: string;
  annotation?: string;
  pinned?: boolean;
  /** How the path is recorded (pathLayout.ts); absent in runs written before checkpoints: `full`, or `approximate` with a pathStride. */
  pathLayout?: PathLayoutName;
  /** A checkpointed run: the steps between checkpoints and the sha256 of each checkpoint's weights (runFiles.ts). */
  replay?: { every: number; fingerprints: string[]; versions?: EngineVersions };
  /** Approximate runs: every k-th weight row kept; absent or 1: the exact path. */
  pathStride?: number;
  /** Explanations of this run are approximate (checkpoint subsampling). */
  approximate?: boolean;
  /** The path index stored in index/ when training ended: its build time and size. */
  pathIndex?: { buildMs: number; bytes: number };
  /** Complete runs: size and sha256 of every file in the run folder (runDigests.ts), checked on load. */
  digests?: Record<string, { size: number; sha256: string }>;
  /** Complete runs: sha256 of this record without label, annotation, pinned and the fingerprints. */
  recordSha256?: string;
}

/** The run.json layout this engine writes and reads; older or newer records say so instead of failing obscurely. */
export const RUN_FORMAT_VERSION = 2;

export const RUN_FILE = 'run.json';
export const PARTIAL_SUFFIX = '.partial';

/** A run trained on an image folder: its inputs are the images' pixels in [0, 1] (no columns), its rows image files. */
export function isImageFolderRun(record: Pick<RunRecord, 'image' | 'preprocessing'>): boolean {
  return record.image !== null && record.image !== undefined && record.preprocessing.columns.length === 0;
}
