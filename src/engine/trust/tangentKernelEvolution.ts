import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { finalWeights, type LoadedRun } from '../explain/shared/loadedRun';
import { pathSegments } from '../explain/replay/pathSegments';
import * as tf from '@tensorflow/tfjs-core';
import { tidyRead } from '../model/tidyRead';
import type { ExplainQuery, KernelEvolution, OutputKind } from '../../protocol';
import { explainWithIndex, indexedRun, type IndexedRun } from '../explain/explainService';
import { gaussLegendre } from '../explain/shared/gaussLegendre';
import { resolveOutput } from '../explain/shared/outputSelector';
import { createRng, shuffleInPlace } from '../random';
import { throwIfCancelled } from '../errors';
import { explainedOutputKernel } from './explainedOutputKernel';
import { centeredAlignment, kernelDrift, targetKernel } from './kernelAlignment';
import { LIMITS } from '../../protocol/limits';

export interface KernelEvolutionOptions {
  /** Training rows in the sample (at most 200). */
  sample?: number;
  checkpoints?: number;
  matrices?: boolean;
  /** Sampled rows explained for the same-class shares (default 50). */
  shareRows?: number;
  /** Quadrature nodes for Φ_s in the path kernel (default: the run's). */
  nodes?: number;
  signal?: AbortSignal;
}

const MAX_SAMPLE = LIMITS.kernelSample.max;

export async function kernelEvolution(runDir: string, options: KernelEvolutionOptions = {}): Promise<KernelEvolution> {
  return kernelEvolutionOf(await indexedRun(runDir), options);
}

/**
 * "Watch the kernel learn": on a seeded sample of training rows, the tangent kernel of the explained output at
 * w_0 and w_T, the path kernel, their alignment with the labels, the alignment along training, and how much of
 * each sampled prediction the training rows of its predicted class explain.
 */
export async function kernelEvolutionOf(indexed: IndexedRun, options: KernelEvolutionOptions = {}): Promise<KernelEvolution> {
  const started = performance.now();
  const { run } = indexed;
  const N = run.record.trainRows;
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const S = Math.min(options.sample ?? MAX_SAMPLE, MAX_SAMPLE, N);
  const order = Int32Array.from({ length: N }, (_, i) => i);
  shuffleInPlace(order, createRng(run.record.seed));
  const sample = Array.from(order.subarray(0, S)).sort((a, b) => run.data.trainY[a] - run.data.trainY[b] || a - b);
  const x = new Float32Array(S * F);
  sample.forEach((i, j) => x.set(run.data.trainX.subarray(i * F, (i + 1) * F), j * F));

  // Each sampled row's explained output, chosen at w_T as an explanation would (default selector).
  const finalOut = tidyRead(() => run.network.forward(tf.tensor2d(finalWeights(run), [1, P]), tf.tensor3d(x, [1, S, F])).output);
  const resolved = sample.map((_, j) =>
    resolveOutput(run.record.task, run.record.preprocessing.classes, finalOut.subarray(j * C, (j + 1) * C), { kind: 'default' }),
  );
  const e = new Float32Array(S * C);
  resolved.forEach((r, j) => e.set(r.e, j * C));

  // Tangent kernels at ~`checkpoints` steps, w_0 and w_T included.
  // A checkpointed run holds the weights of its checkpoints only: the curve takes its points among them.
  const replay = run.path.replay;
  const stored = replay ? replay.steps.length - 1 : T;
  const count = Math.max(2, Math.min(options.checkpoints ?? LIMITS.kernelCheckpoints.default, stored + 1));
  const rowsAt = Array.from(new Set(Array.from({ length: count }, (_, k) => Math.round((k * stored) / (count - 1)))));
  const steps = replay ? rowsAt.map((m) => replay.steps[m]) : rowsAt;
  const tangent = tidyRead(() => {
    const weights = tf.tensor2d(gatherSteps(replay ? replay.weights : run.path.weights, rowsAt, P), [steps.length, P]);
    return explainedOutputKernel(run.network, weights, weights, tf.tensor3d(x, [1, S, F]), tf.tensor2d(e, [S, C]));
  });
  const kernelAt = (k: number) => tangent.subarray(k * S * S, (k + 1) * S * S);
  const regression = run.record.task === 'regression';
  const target = targetKernel(
    sample.map((i) => run.data.trainY[i]),
    regression,
  );
  const stepsPerEpoch = Math.ceil(N / run.path.batchWidth);
  const alignmentCurve = steps.map((step, k) => ({
    step,
    epoch: step / stepsPerEpoch,
    alignment: centeredAlignment(kernelAt(k), target, S),
  }));

  const pathKernel = await samplePathKernel(indexed, sample, x, e, options.nodes ?? run.record.explain.quadratureNodes, options.signal);
  const initial = kernelAt(0);
  const final = kernelAt(steps.length - 1);

  // Spread over the label-sorted sample, so every class is represented.
  const shareCount = Math.min(S, options.shareRows ?? LIMITS.kernelShareRows.default);
  const shared = Array.from(new Set(Array.from({ length: shareCount }, (_, k) => Math.floor((k * S) / shareCount))));
  const sameClass = await sameClassShares(
    indexed,
    shared.map((j) => sample[j]),
    shared.map((j) => resolved[j].class),
    options.signal,
  );
  const classification = !regression;
  const result: KernelEvolution = {
    runDir: run.dir,
    sample,
    labels: sample.map((i) => run.data.raw.train.labels[i]),
    outputs: resolved.map((r) => ({ kind: r.kind as OutputKind, class: r.class })),
    alignment: {
      initial: centeredAlignment(initial, target, S),
      final: centeredAlignment(final, target, S),
      path: centeredAlignment(pathKernel, target, S),
    },
    alignmentCurve,
    drift: kernelDrift(initial, final),
    sameClass,
    meanSameClassShare: classification && sameClass.length > 0 ? sameClass.reduce((s, r) => s + r.shareAbs, 0) / sameClass.length : null,
    ms: 0,
  };
  if (options.matrices !== false) result.matrices = { initial: rows(initial, S), final: rows(final, S), path: rows(pathKernel, S) };
  result.ms = performance.now() - started;
  return result;
}

function gatherSteps(weights: Float32Array, steps: number[], P: number): Float32Array {
  const out = new Float32Array(steps.length * P);
  steps.forEach((s, k) => out.set(weights.subarray(s * P, (s + 1) * P), k * P));
  return out;
}

function rows(m: ArrayLike<number>, n: number): number[][] {
  return Array.from({ length: n }, (_, j) => Array.from({ length: n }, (_, i) => Number(m[j * n + i].toPrecision(6))));
}

/**
 * K^p(x_j, x_i) = Σ_{s: i∈B_s} (η_s/|B_s|) Φ_s(x_j) · φ(x_i; w_s) on the sample (path-kernel.md §2.4), with
 * Φ_s by Gauss–Legendre quadrature along the step, in float64 over steps.
 */
async function samplePathKernel(
  indexed: IndexedRun,
  sample: number[],
  x: Float32Array,
  e: Float32Array,
  nodes: number,
  signal?: AbortSignal,
): Promise<Float64Array> {
  const kernel = new Float64Array(sample.length * sample.length);
  for await (const segment of pathSegments(indexed.run, { signal }))
    await addSamplePathKernel(segment, sample, x, e, nodes, kernel, signal);
  return kernel;
}

/** Adds the steps of `run` (a stored run, or one replayed segment of it) to the sample's path kernel. */
async function addSamplePathKernel(
  run: LoadedRun,
  sample: number[],
  x: Float32Array,
  e: Float32Array,
  nodes: number,
  kernel: Float64Array,
  signal?: AbortSignal,
): Promise<void> {
  const T = run.path.steps;
  const P = run.layout.parameterCount;
  const F = run.data.featureCount;
  const C = run.outputCount;
  const W = run.path.batchWidth;
  const S = sample.length;
  const position = new Map(sample.map((i, j) => [i, j]));
  const rule = gaussLegendre(nodes);
  const chunk = 64;
  for (let s0 = 0; s0 < T; s0 += chunk) {
    throwIfCancelled(signal);
    // Per step only the sampled rows of its batch are on the training side (padded to the chunk's widest).
    const members: { step: number; columns: number[] }[] = [];
    for (let s = s0; s < Math.min(T, s0 + chunk); s++) {
      const columns: number[] = [];
      for (let b = 0; b < W; b++) {
        const j = position.get(run.path.batches[s * W + b]);
        if (j !== undefined) columns.push(j);
      }
      if (columns.length > 0) members.push({ step: s, columns });
    }
    if (members.length === 0) continue;
    const c = members.length;
    const m = Math.max(...members.map((u) => u.columns.length));
    const trainX = new Float32Array(c * m * F);
    const mask = new Float32Array(c * m);
    members.forEach((u, k) => {
      const scale = run.path.learningRates[u.step] / run.batchSizes[u.step];
      u.columns.forEach((j, b) => {
        trainX.set(x.subarray(j * F, (j + 1) * F), (k * m + b) * F);
        mask[k * m + b] = scale;
      });
    });
    const steps = members.map((u) => u.step);
    const values = tidyRead(() => {
      const w0 = tf.tensor2d(gatherSteps(run.path.weights, steps, P), [c, P]);
      const w1 = tf.tensor2d(
        gatherSteps(
          run.path.weights,
          steps.map((s) => s + 1),
          P,
        ),
        [c, P],
      );
      const delta = tf.sub(w1, w0);
      const xs = tf.tensor3d(x, [1, S, F]);
      const xt = tf.tensor3d(trainX, [c, m, F]);
      const es = tf.tensor2d(e, [S, C]);
      let sum: tf.Tensor3D | null = null;
      rule.nodes.forEach((t, k) => {
        const wq = tf.add(w0, tf.mul(delta, t)) as tf.Tensor2D;
        const part = tf.mul(explainedOutputKernel(run.network, wq, w0, xs, es, xt), rule.weights[k]) as tf.Tensor3D;
        sum = sum ? (tf.add(sum, part) as tf.Tensor3D) : part;
      });
      return tf.mul(sum as unknown as tf.Tensor3D, tf.tensor3d(mask, [c, 1, m]));
    });
    members.forEach((u, k) => {
      u.columns.forEach((i, b) => {
        for (let j = 0; j < S; j++) kernel[j * S + i] += values[(k * S + j) * m + b];
      });
    });
    await yieldToEventLoop();
  }
}

/** Per sampled row: the share of Σ|c_i| that training rows of the predicted class hold, and the signed sums. */
async function sameClassShares(
  indexed: IndexedRun,
  sample: number[],
  predicted: (string | null)[],
  signal?: AbortSignal,
): Promise<KernelEvolution['sameClass']> {
  const { run } = indexed;
  if (run.record.task === 'regression') return [];
  const queries: ExplainQuery[] = sample.map((row) => ({ split: 'train', row }));
  // Contributions only: no path kernel of top rows (a checkpointed run would replay again for it).
  const { raw } = await explainWithIndex(indexed, queries, { top: 0, signal });
  const labels = run.data.raw.train.labels;
  return raw.map((r, j) => {
    let same = 0;
    let other = 0;
    let sameAbs = 0;
    let totalAbs = 0;
    r.contributions.forEach((c, i) => {
      totalAbs += Math.abs(c);
      if (labels[i] === predicted[j]) {
        same += c;
        sameAbs += Math.abs(c);
      } else other += c;
    });
    return {
      index: sample[j],
      predicted: predicted[j] ?? '',
      shareAbs: totalAbs > 0 ? sameAbs / totalAbs : 0,
      sameSum: same,
      otherSum: other,
    };
  });
}
