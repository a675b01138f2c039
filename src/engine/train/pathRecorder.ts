import type { PathFactors, ReplayCheckpoints, TrainingPath } from '../run/trainingPath';
import type { PathLayout } from '../run/pathLayout';
import { weightsFingerprint } from '../run/weightsFingerprint';
import type { StepFactors, TrainingStepper } from './trainingStepper';

type RecordedPart = Pick<TrainingPath, 'weights' | 'adamV' | 'checkpoints' | 'replay' | 'factors'>;

/** Records the path while training runs, as its layout says; `finish` closes it at the step training stopped. */
export interface PathRecorder {
  /** Whether `afterStep` wants the step's per-example factors. */
  readonly wantsFactors: boolean;
  start(stepper: TrainingStepper): void;
  afterStep(stepper: TrainingStepper, step: number, factors: StepFactors[] | null): void;
  finish(stepper: TrainingStepper, steps: number): RecordedPart;
}

/** The shape of what is recorded: parameters, planned steps, the batch plan, the layers' widths. */
export interface RecordedShape {
  P: number;
  T: number;
  adam: boolean;
  batches: Int32Array;
  width: number;
  layers: readonly { inputs: number; outputs: number }[];
  /** Whether a full path keeps the per-example factors as the fast method's index (dense networks only). */
  indexed: boolean;
}

export function pathRecorder(layout: PathLayout, shape: RecordedShape): PathRecorder {
  const { P, T, adam } = shape;
  switch (layout.kind) {
    case 'full':
      return fullRecorder(shape);
    case 'approximate':
      return layout.stride > 1 ? strideRecorder(P, T, adam, layout.stride) : fullRecorder(shape);
    case 'checkpoints':
      return layout.every > 1 ? checkpointRecorder(P, T, layout.every) : fullRecorder(shape);
  }
}

/** Every step's weights, Adam's second moments, and for dense networks the per-example factors (the path index, stored beside them). */
function fullRecorder(shape: RecordedShape): PathRecorder {
  const { P, T, adam } = shape;
  const weights = new Float32Array((T + 1) * P);
  const adamV = adam ? new Float32Array(T * P) : null;
  const factors = shape.indexed ? newPathFactors(shape, T) : null;
  return {
    wantsFactors: factors !== null,
    start: (stepper) => weights.set(stepper.weights(), 0),
    afterStep: (stepper, step, stepFactors) => {
      weights.set(stepper.weights(), (step + 1) * P);
      if (adamV) adamV.set(stepper.secondMoment() as Float32Array, step * P);
      if (factors && stepFactors) placeStepFactors(factors, shape, step, step, stepFactors);
    },
    finish: (_, steps) => ({
      weights: weights.subarray(0, (steps + 1) * P),
      adamV: adamV ? adamV.subarray(0, steps * P) : null,
      checkpoints: null,
      replay: null,
      factors:
        factors?.map(({ a, delta }, l) => ({
          a: a.subarray(0, steps * shape.width * shape.layers[l].inputs),
          delta: delta.subarray(0, steps * shape.width * shape.layers[l].outputs),
        })) ?? null,
    }),
  };
}

/** Zeroed factor storage for `steps` steps of the shape's batch width. */
export function newPathFactors(shape: Pick<RecordedShape, 'width' | 'layers'>, steps: number): PathFactors[] {
  return shape.layers.map((l) => ({
    a: new Float32Array(steps * shape.width * l.inputs),
    delta: new Float32Array(steps * shape.width * l.outputs),
  }));
}

/** One step's factors (its B rows in batch order) into the slots of step `at`, skipping the plan's padding. */
export function placeStepFactors(
  into: PathFactors[],
  shape: Pick<RecordedShape, 'batches' | 'width' | 'layers'>,
  step: number,
  at: number,
  stepFactors: StepFactors[],
): void {
  const W = shape.width;
  let k = 0;
  for (let b = 0; b < W; b++) {
    if (shape.batches[step * W + b] < 0) continue;
    shape.layers.forEach(({ inputs, outputs }, l) => {
      if (stepFactors[l].a.length > 0) into[l].a.set(stepFactors[l].a.subarray(k * inputs, (k + 1) * inputs), (at * W + b) * inputs);
      into[l].delta.set(stepFactors[l].delta.subarray(k * outputs, (k + 1) * outputs), (at * W + b) * outputs);
    });
    k++;
  }
}

/** Every k-th weight row, and Adam's second moment after the first step of each stretch (approximate explanations). */
function strideRecorder(P: number, T: number, adam: boolean, stride: number): PathRecorder {
  const stretches = Math.ceil(T / stride);
  const weights = new Float32Array((stretches + 1) * P);
  const adamV = adam ? new Float32Array(stretches * P) : null;
  const kept = [0];
  return {
    wantsFactors: false,
    start: (stepper) => weights.set(stepper.weights(), 0),
    afterStep: (stepper, step) => {
      if (adamV && step % stride === 0) adamV.set(stepper.secondMoment() as Float32Array, (step / stride) * P);
      if ((step + 1) % stride === 0 || step + 1 === T) {
        weights.set(stepper.weights(), kept.length * P);
        kept.push(step + 1);
      }
    },
    finish: (stepper, steps) => {
      // Close the last, shorter stretch at the step where training stopped.
      if (kept[kept.length - 1] !== steps) {
        weights.set(stepper.weights(), kept.length * P);
        kept.push(steps);
      }
      return {
        weights: weights.subarray(0, kept.length * P),
        adamV: adamV ? adamV.subarray(0, (kept.length - 1) * P) : null,
        checkpoints: Int32Array.from(kept),
        replay: null,
        factors: null,
      };
    },
  };
}

/** The optimizer's whole state every K steps, and at the last step (path-kernel.md §3.2). */
function checkpointRecorder(P: number, T: number, every: number): PathRecorder {
  const rows = Math.ceil(T / every) + 2;
  const weights = new Float32Array(rows * P);
  let first: Float32Array | null = null;
  let second: Float32Array | null = null;
  let powers: Float32Array | null = null;
  const steps: number[] = [];
  const fingerprints: string[] = [];
  const keep = (stepper: TrainingStepper, step: number) => {
    const m = steps.length;
    const w = stepper.weights();
    weights.set(w, m * P);
    const state = stepper.state();
    if (state.first) (first ??= new Float32Array(rows * P)).set(state.first, m * P);
    if (state.second) (second ??= new Float32Array(rows * P)).set(state.second, m * P);
    if (state.powers) (powers ??= new Float32Array(rows * 2)).set(state.powers, m * 2);
    steps.push(step);
    fingerprints.push(weightsFingerprint(w));
  };
  return {
    wantsFactors: false,
    start: (stepper) => keep(stepper, 0),
    afterStep: (stepper, step) => {
      if ((step + 1) % every === 0 || step + 1 === T) keep(stepper, step + 1);
    },
    finish: (stepper, taken) => {
      if (steps[steps.length - 1] !== taken) keep(stepper, taken);
      const M = steps.length;
      const replay: ReplayCheckpoints = {
        every,
        steps: Int32Array.from(steps),
        weights: weights.subarray(0, M * P),
        first: first ? first.subarray(0, M * P) : null,
        second: second ? second.subarray(0, M * P) : null,
        powers: powers ? powers.subarray(0, M * 2) : null,
        fingerprints,
      };
      return { weights: new Float32Array(0), adamV: null, checkpoints: null, replay, factors: null };
    },
  };
}
