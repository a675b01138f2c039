import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunInfo, TrainProgress } from '../../protocol';
import { readExperiment } from '../data/experimentFile';
import { prepareData } from '../data/prepare';
import type { PreparedData, ResolvedExperiment } from '../data/preparedData';
import { buildLayout, factorWidth, isDenseOnly } from '../model/parameterLayout';
import { displayPath } from '../data/displayPath';
import { initialWeights } from '../model/initialWeights';
import { currentBackend } from '../backend';
import { engineVersions } from '../engineVersions';
import { runTrainingLoop } from '../train/trainLoop';
import type { BatchPlan } from '../train/batchSchedule';
import { runDataBytes, writeRunData, writeTrainingPath } from '../run/runFiles';
import { PARTIAL_SUFFIX, RUN_FORMAT_VERSION, type RunRecord } from '../run/runRecord';
import { markActive, newRunId, runInfoFromRecord, runsFolder, writeRunRecord } from '../run/runStore';
import { storePathIndex } from '../explain/pathIndex/pathIndex';
import { messageOf } from '../../shared/messageOf';
import { UserError } from '../errors';
import { assertStillClaimed, claimRunFolder, releaseRunFolder, stillClaimed } from '../run/runLock';
import { digestRunFiles, recordSha256 } from '../run/runDigests';
import { trainingMemory } from './trainingMemory';
import { choosePathLayout, type PathLayoutRequest } from './pathLayoutChoice';

export interface TrainOptions {
  /** Explicit run directory (else `.kernel-lens/runs/<name>/<run-id>/` beside the experiment). */
  out?: string;
  onProgress?: (progress: TrainProgress) => void;
  /** Checked between batches; an aborted training leaves a `cancelled` run. */
  signal?: AbortSignal;
  /** A fixed batch plan instead of the seeded schedule (retraining in the original order without some rows). */
  schedule?: BatchPlan;
  /** How the path is stored: the run-folder budget (default 256 MiB), a forced checkpoint spacing, or approximate. */
  pathLayout?: PathLayoutRequest;
  /** Echoed in each progress event (the request's `progressToken`). */
  progressToken?: string;
  /** Refuses (throws) a training whose estimated peak memory is over the caller's budget (trainingMemory.ts). */
  checkMemory?: (what: string, bytes: number) => void;
}

/**
 * Trains an experiment file and records its path into a run directory. The run is written into
 * `<dir>.partial/` and renamed when training ends, so a crash never leaves a run that reads as complete.
 */
export async function trainExperiment(experimentFile: string, options: TrainOptions = {}): Promise<RunInfo> {
  const experiment = await readExperiment(path.resolve(experimentFile));
  const data = await prepareData(experiment);
  for (const warning of data.warnings ?? []) console.error(`warning: ${displayPath(experiment.file)}: ${warning}`);
  return trainPrepared(experiment, data, options);
}

/** Trains on already prepared data (also used to retrain with rows removed). */
export async function trainPrepared(experiment: ResolvedExperiment, data: PreparedData, options: TrainOptions = {}): Promise<RunInfo> {
  const id = newRunId();
  const finalDir = path.resolve(options.out ?? path.join(runsFolder(experiment.file), id));
  const partialDir = finalDir + PARTIAL_SUFFIX;
  const layout = buildLayout(data.featureCount, data.image, experiment.model.layers, data.outputCount, displayPath(experiment.file));
  const stepsPerEpoch = Math.ceil(data.train.count / Math.min(experiment.training.batchSize, data.train.count));
  const shape = {
    trainRows: data.train.count,
    testRows: data.test.count,
    features: data.featureCount,
    network: { parameters: layout.parameterCount, factorWidth: factorWidth(layout), indexed: isDenseOnly(layout) },
    epochs: experiment.training.epochs,
    batchSize: experiment.training.batchSize,
    optimizer: experiment.training.optimizer,
  };
  const pathLayout = choosePathLayout(shape, runDataBytes(data), options.pathLayout ?? {}).layout;
  const memory = trainingMemory({ ...shape, layout: pathLayout });
  // Before any folder exists: a training that cannot fit leaves nothing behind.
  options.checkMemory?.(`Training (${memory.steps} steps × ${memory.parameters} parameters)`, memory.peakBytes);
  if (fs.existsSync(finalDir)) throw new UserError('run directory already exists; choose another --out', { file: finalDir });
  // Exclusive: a second training of the same folder is refused, never allowed to delete this one's files.
  const token = await claimRunFolder(partialDir);
  markActive(partialDir, true);
  // The trainer stops when its folder is deleted under it (the lock file goes with it).
  const folderGone = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, folderGone.signal]) : folderGone.signal;
  let record: RunRecord | null = null;
  try {
    record = {
      formatVersion: RUN_FORMAT_VERSION,
      id: path.basename(finalDir),
      name: experiment.name,
      experimentFile: path.relative(finalDir, experiment.file),
      experiment: experiment.raw,
      status: 'running',
      message: null,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      pid: process.pid,
      backend: currentBackend().backend,
      task: data.preprocessing.task,
      preprocessing: data.preprocessing,
      files: data.files,
      layout: layout.entries,
      optimizer: {
        name: experiment.training.optimizer,
        learningRate: experiment.training.learningRate,
        momentum: 0,
        nesterov: false,
        beta1: 0,
        beta2: 0,
        epsilon: 0,
      },
      epochs: experiment.training.epochs,
      batchSize: experiment.training.batchSize,
      seed: experiment.training.seed,
      steps: stepsPerEpoch * experiment.training.epochs,
      parameters: layout.parameterCount,
      trainRows: data.train.count,
      testRows: data.test.count,
      metrics: [],
      explain: experiment.explain,
      image: data.image,
      model: { layers: experiment.model.layers },
    };
    record.pathLayout = pathLayout.kind;
    if (pathLayout.kind === 'approximate') {
      record.pathStride = pathLayout.stride;
      record.approximate = true;
    }
    await writeRunData(partialDir, data);
    await writeRunRecord(partialDir, record);

    const plannedSteps = record.steps;
    const result = await runTrainingLoop(
      {
        layout,
        task: data.preprocessing.task,
        initial: initialWeights(layout, experiment.training.seed),
        train: data.train,
        test: data.test,
        featureCount: data.featureCount,
        training: experiment.training,
        targetStd: data.preprocessing.targetScale?.std ?? null,
        schedule: options.schedule,
        pathLayout,
      },
      {
        signal,
        onStep: (step, totalSteps, epoch, loss) =>
          options.onProgress?.({
            runDir: finalDir,
            token: options.progressToken,
            step: step + 1,
            totalSteps,
            epoch: epoch + 1,
            epochs: experiment.training.epochs,
            loss,
          }),
        onEpoch: (metrics) => {
          if (!stillClaimed(partialDir, token)) folderGone.abort();
          options.onProgress?.({
            runDir: finalDir,
            token: options.progressToken,
            step: metrics.step,
            totalSteps: plannedSteps,
            epoch: metrics.epoch,
            epochs: experiment.training.epochs,
            loss: metrics.trainLoss,
            metrics,
            ...(metrics.testConfusion && data.preprocessing.classes ? { classes: data.preprocessing.classes } : {}),
          });
        },
      },
    );
    assertStillClaimed(partialDir, token);
    await writeTrainingPath(partialDir, result.path, layout.parameterCount);
    if (result.path.replay)
      record.replay = { every: result.path.replay.every, fingerprints: result.path.replay.fingerprints, versions: engineVersions() };
    record.optimizer = result.optimizer;
    record.metrics = result.metrics;
    record.steps = result.path.steps;
    record.message = result.status === 'complete' ? null : result.message;
    record.finishedAt = new Date().toISOString();
    // A checkpointed run has no stored index: explanations replay its segments and index each in memory.
    // A convolutional run has none either: its explanations recompute the factors from the stored weights.
    if (result.status === 'complete' && !result.path.replay && result.path.factors) {
      // The path index is part of a complete run: `explain` reads it and never rebuilds it. run.json still says
      // `running` on disk meanwhile, so a kill here never leaves a folder that reads as complete.
      try {
        record.pathIndex = await storePathIndex(partialDir, { ...record, status: 'complete' }, result.path.factors);
      } catch (error) {
        console.error(`path index not stored (explanations will build it): ${messageOf(error)}`);
      }
    }
    record.status = result.status;
    if (record.status === 'complete') {
      record.digests = await digestRunFiles(partialDir);
      record.recordSha256 = recordSha256(record);
    }
    assertStillClaimed(partialDir, token);
    await writeRunRecord(partialDir, record);
    await fs.promises.rename(partialDir, finalDir);
    // The lock leaves with the folder's last name: until the rename the folder is ours.
    await releaseRunFolder(finalDir);
    markActive(partialDir, false);
    return runInfoFromRecord(finalDir, record, false);
  } catch (error) {
    // A training that fails leaves a failed run that says why (not one that reads as running), unless its folder is gone.
    if (record !== null && stillClaimed(partialDir, token)) {
      record.status = 'failed';
      record.message = messageOf(error);
      record.finishedAt = new Date().toISOString();
      await writeRunRecord(partialDir, record).catch(() => undefined);
    }
    if (stillClaimed(partialDir, token)) await releaseRunFolder(partialDir).catch(() => undefined);
    throw error;
  } finally {
    markActive(partialDir, false);
  }
}
