import type { OptimizerRecord } from '../../../protocol';

/**
 * Turns the query side Φ_r into the vector each step's per-example gradients are dotted with:
 * c_i(x) = −Σ_{r: i∈B_r} coef_r · U_r(x) · G_{i,r}   (path-kernel.md §2.1–2.3)
 * - sgd:      U_r = η_r Φ_r,                                    coef_r = 1/|B_r|
 * - momentum: Q_r = η_r Φ_r + μ Q_{r+1}; U_r = Q_r (Nesterov: η_r Φ_r + μ Q_r), coef_r = 1/|B_r|
 * - adam:     Q_r = η_r D_r ⊙ Φ_r + β1 Q_{r+1}; U_r = Q_r,     coef_r = (1−β1)/|B_r|
 * The reverse sweep runs in place over typed arrays with a float64 carry (an order of magnitude
 * faster than tensor ops that allocate per step).
 */
export interface SweepInput {
  optimizer: OptimizerRecord;
  learningRates: Float32Array;
  /** Adam: [T, P] second moments. */
  adamV: Float32Array | null;
  batchSizes: Int32Array;
  parameterCount: number;
  queries: number;
  /** The absolute index of step 0 here (a replayed segment's first step): Adam's bias correction counts from training's start. */
  firstStep?: number;
}

/** Carry between chunks of steps processed from last to first: one float64 vector per query. */
export function newSweepCarry(input: SweepInput): Float64Array {
  return new Float64Array(input.queries * input.parameterCount);
}

export function stepCoefficient(input: SweepInput, r: number): number {
  const scale = input.optimizer.name === 'adam' ? Math.fround(1 - input.optimizer.beta1) : 1;
  return scale / input.batchSizes[r];
}

/**
 * TensorFlow.js's Adam keeps β1, β2 and their running powers β^{s+1} as float32 scalars; at small s the
 * bias correction 1 − β2^{s+1} is tiny, so float64 constants would differ by ~1e-5. Emulate float32.
 */
export function adamBiasCorrections(beta1: number, beta2: number, steps: number): { c1: Float64Array; c2: Float64Array } {
  const b1 = Math.fround(beta1);
  const b2 = Math.fround(beta2);
  const c1 = new Float64Array(steps);
  const c2 = new Float64Array(steps);
  let acc1 = b1;
  let acc2 = b2;
  for (let s = 0; s < steps; s++) {
    c1[s] = Math.fround(1 - acc1);
    c2[s] = Math.fround(1 - acc2);
    acc1 = Math.fround(acc1 * b1);
    acc2 = Math.fround(acc2 * b2);
  }
  return { c1, c2 };
}

const corrections = new WeakMap<SweepInput, { c1: Float64Array; c2: Float64Array }>();

/** The constants of Adam's diagonal at step r: c1 = 1 − β1^{r+1}, c2 = 1 − β2^{r+1} (bias corrections) and ε as float32. */
export function adamCorrections(input: SweepInput, r: number): { c1: number; c2: number; epsilon: number } {
  const { beta1, beta2, epsilon } = input.optimizer;
  const first = input.firstStep ?? 0;
  let table = corrections.get(input);
  if (!table) {
    table = adamBiasCorrections(beta1, beta2, first + input.learningRates.length);
    corrections.set(input, table);
  }
  return { c1: table.c1[first + r], c2: table.c2[first + r], epsilon: Math.fround(epsilon) };
}

/** Adam's fixed diagonal D_r = 1 / ((1 − β1^{r+1}) (sqrt(v_r / (1 − β2^{r+1})) + ε)). */
export function adamDiagonal(input: SweepInput, r: number, out: Float64Array): void {
  const P = input.parameterCount;
  const v = input.adamV as Float32Array;
  const { c1, c2, epsilon: eps } = adamCorrections(input, r);
  for (let p = 0; p < P; p++) out[p] = 1 / (c1 * (Math.sqrt(v[r * P + p] / c2) + eps));
}

/**
 * Steps [s0, s0 + c) of Φ ([c, Q, P], float32) → U ([c, Q, P], float32), from the last step backwards,
 * continuing `carry` (which holds Q_{s0+c} on entry and Q_{s0} on return).
 */
export function sweepChunk(input: SweepInput, phi: Float32Array, s0: number, c: number, carry: Float64Array): Float32Array {
  const P = input.parameterCount;
  const Q = input.queries;
  const { name, nesterov } = input.optimizer;
  // The optimizers hold μ and β1 as float32 scalars.
  const momentum = Math.fround(input.optimizer.momentum);
  const beta1 = Math.fround(input.optimizer.beta1);
  const u = new Float32Array(c * Q * P);
  const diagonal = name === 'adam' ? new Float64Array(P) : null;
  for (let local = c - 1; local >= 0; local--) {
    const r = s0 + local;
    const eta = input.learningRates[r];
    if (diagonal) adamDiagonal(input, r, diagonal);
    for (let q = 0; q < Q; q++) {
      const base = (local * Q + q) * P;
      const carryBase = q * P;
      if (name === 'sgd') {
        for (let p = 0; p < P; p++) u[base + p] = eta * phi[base + p];
      } else if (name === 'momentum') {
        for (let p = 0; p < P; p++) {
          const step = eta * phi[base + p];
          const next = step + momentum * carry[carryBase + p];
          carry[carryBase + p] = next;
          u[base + p] = nesterov ? step + momentum * next : next;
        }
      } else {
        const d = diagonal as Float64Array;
        for (let p = 0; p < P; p++) {
          const next = eta * d[p] * phi[base + p] + beta1 * carry[carryBase + p];
          carry[carryBase + p] = next;
          u[base + p] = next;
        }
      }
    }
  }
  return u;
}
