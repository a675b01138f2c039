import type { BackendName, Contribution, Explanation, OutputKind, Prediction, Split } from '../../protocol';
import type { LoadedRun } from './shared/loadedRun';
import { isImageFolderRun } from '../run/runRecord';
import type { RawExplanation } from './shared/blockTypes';
import { rowsByMagnitude } from './shared/topRows';
import type { ResolvedOutput } from './shared/outputSelector';

export interface ExplainedRow {
  split: Split | 'input';
  row: number;
  file: string;
  line: number | null;
  label: string | null;
  values: { name: string; value: string }[];
  /** The row's inputs (an image folder's pixels in [0, 1]). */
  x: Float32Array;
  /** Network outputs at w_T (logits or standardized value). */
  finalOutput: Float32Array;
  output: ResolvedOutput;
}

/**
 * Turns raw numbers (model units) into the protocol's Explanation: target units for regression
 * (b' = μ + σb, c' = σc), contributions sorted by |c|, the top K with K^p and a_i, and the residual.
 */
export function buildExplanation(
  run: LoadedRun,
  row: ExplainedRow,
  raw: RawExplanation,
  options: { top: number; full: boolean; tolerance: number; backend: BackendName },
): Explanation {
  const targetScale = run.record.preprocessing.targetScale;
  const sigma = run.record.task === 'regression' && targetScale ? targetScale.std : 1;
  const mu = run.record.task === 'regression' && targetScale ? targetScale.mean : 0;
  let sum = 0;
  for (const c of raw.contributions) sum += c;
  const kernelMachine = raw.bias + sum;
  const signed = raw.network - kernelMachine;
  const rel = Math.abs(signed) / Math.max(Math.abs(raw.network - raw.bias), 0.01);

  const order = rowsByMagnitude(raw.contributions);
  // An image folder's inputs are its pixels in [0, 1]: thumbnails come from them (a CSV's come from its cells).
  const pixelsShown = isImageFolderRun(run.record);
  const F = run.data.featureCount;
  const shown = options.full ? order : order.slice(0, options.top);
  const labels = run.data.raw.train.labels;
  const maxKernel = Math.max(0, ...Array.from(raw.kernel.values(), Math.abs));
  const contributions: Contribution[] = shown.map((i) => {
    const kernel = raw.kernel.get(i);
    const c = raw.contributions[i];
    const coefficient = kernel === undefined || Math.abs(kernel) < 1e-12 * maxKernel || kernel === 0 ? null : (sigma * c) / kernel;
    return {
      index: i,
      file: run.data.rows.train[i].file,
      line: run.data.rows.train[i].line,
      label: labels[i],
      contribution: sigma * c,
      kernel: kernel ?? null,
      coefficient,
      ...(options.full ? {} : { values: run.data.raw.train.values[i] }),
      ...(pixelsShown && !options.full ? { pixels: pixelBytes(run.data.trainX, i, F) } : {}),
    };
  });

  const byLabelMap = new Map<string, { sum: number; count: number }>();
  let totalAbs = 0;
  raw.contributions.forEach((c, i) => {
    const entry = byLabelMap.get(labels[i]) ?? { sum: 0, count: 0 };
    entry.sum += sigma * c;
    entry.count++;
    byLabelMap.set(labels[i], entry);
    totalAbs += Math.abs(c);
  });
  let running = 0;
  let half = 0;
  let ninety = 0;
  for (let k = 0; k < order.length; k++) {
    running += Math.abs(raw.contributions[order[k]]);
    if (!half && running >= 0.5 * totalAbs) half = k + 1;
    if (!ninety && running >= 0.9 * totalAbs) {
      ninety = k + 1;
      break;
    }
  }

  const explanation: Explanation = {
    run: run.dir,
    split: row.split,
    row: row.row,
    file: row.file,
    line: row.line,
    label: row.label,
    prediction: prediction(run, row.finalOutput),
    output: { kind: row.output.kind as OutputKind, class: row.output.class, units: run.record.task === 'regression' ? 'target' : 'logit' },
    network: mu + sigma * raw.network,
    bias: mu + sigma * raw.bias,
    kernelMachine: mu + sigma * kernelMachine,
    residual: {
      signed: sigma * signed,
      abs: sigma * Math.abs(signed),
      rel,
      tolerance: options.tolerance,
      flagged: !(rel <= options.tolerance),
    },
    backend: options.backend,
    contributions,
    byLabel: Array.from(byLabelMap, ([label, v]) => ({ label, sum: v.sum, count: v.count })).sort((a, b) => a.label.localeCompare(b.label)),
    concentration: { half, ninety, totalAbs: sigma * totalAbs },
    values: row.values,
    ...(pixelsShown ? { pixels: pixelBytes(row.x, 0, F) } : {}),
  };
  if (run.approximate) explanation.approximate = true;
  if (!options.full && order.length > shown.length) {
    let restSum = 0;
    for (let k = shown.length; k < order.length; k++) restSum += raw.contributions[order[k]];
    explanation.rest = { count: order.length - shown.length, sum: sigma * restSum };
  }
  return explanation;
}

function prediction(run: LoadedRun, output: Float32Array): Prediction {
  const { task, preprocessing } = run.record;
  if (task === 'regression') {
    const scale = preprocessing.targetScale ?? { mean: 0, std: 1 };
    return { value: scale.mean + scale.std * output[0] };
  }
  const classes = preprocessing.classes as string[];
  if (task === 'binary') {
    const p = 1 / (1 + Math.exp(-output[0]));
    return p > 0.5 ? { label: classes[1], probability: p } : { label: classes[0], probability: 1 - p };
  }
  const max = Math.max(...output);
  const exps = Array.from(output, (v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  let best = 0;
  for (let k = 1; k < exps.length; k++) if (exps[k] > exps[best]) best = k;
  return { label: classes[best], probability: exps[best] / total };
}

/** Row `i` of [N, F] pixels in [0, 1] as 0–255 integers. */
function pixelBytes(x: Float32Array, i: number, F: number): number[] {
  return Array.from(x.subarray(i * F, (i + 1) * F), (v) => Math.round(255 * v));
}
