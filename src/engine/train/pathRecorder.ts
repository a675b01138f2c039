import type { ReplayCheckpoints, TrainingPath } from '../run/trainingPath';
import type { PathLayout } from '../run/pathLayout';
import { weightsFingerprint } from '../run/weightsFingerprint';
import type { TrainingStepper } from './trainingStepper';

type RecordedPart = Pick<TrainingPath, 'weights' | 'adamV' | 'checkpoints' | 'replay'>;

/** Records the path while training runs, as its layout says; `finish` closes it at the step training stopped. */
export interface PathRecorder {
  start(stepper: TrainingStepper): void;
  afterStep(stepper: TrainingStepper, step: number): void;
  finish(stepper: TrainingStepper, steps: number): RecordedPart;
}

export function pathRecorder(layout: PathLayout, P: number, T: number, adam: boolean): PathRecorder {
  switch (layout.kind) {
    case 'full':
      return fullRecorder(P, T, adam);
    case 'approximate':
      return layout.stride > 1 ? strideRecorder(P, T, adam, layout.stride) : fullRecorder(P, T, adam);
    case 'checkpoints':
      return layout.every > 1 ? checkpointRecorder(P, T, layout.every) : fullRecorder(P, T, adam);
  }
}

function fullRecorder(P: number, T: number, adam: boolean): PathRecorder {
  const weights = new Float32Array((T + 1) * P);
  const adamV = adam ? new Float32Array(T * P) : null;
  return {
    start: (stepper) => weights.set(stepper.weights(), 0),
    afterStep: (stepper, step) => {
      weights.set(stepper.weights(), (step + 1) * P);
      if (adamV) adamV.set(stepper.secondMoment() as Float32Array, step * P);
    },
    finish: (_, steps) => ({
      weights: weights.subarray(0, (steps + 1) * P),
      adamV: adamV ? adamV.subarray(0, steps * P) : null,
      checkpoints: null,
      replay: null,
    }),
  };
}

/** Every k-th weight row, and Adam's second moment after the first step of each stretch (approximate explanations). */
function strideRecorder(P: number, T: number, adam: boolean, stride: number): PathRecorder {
  const stretches = Math.ceil(T / stride);
  const weights = new Float32Array((stretches + 1) * P);
  const adamV = adam ? new Float32Array(stretches * P) : null;
  const kept = [0];
  return {
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
      return { weights: new Float32Array(0), adamV: null, checkpoints: null, replay };
    },
  };
}
