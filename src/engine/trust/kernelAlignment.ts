/** Centered kernel-target alignment (Cortes, Mohri, Rostamizadeh 2012) and kernel distances, in float64. */

/** H M H for a square n×n matrix (row-major), H = I − 11ᵀ/n. */
function centered(m: ArrayLike<number>, n: number): Float64Array {
  const out = Float64Array.from(m as ArrayLike<number>);
  const rowMean = new Float64Array(n);
  const colMean = new Float64Array(n);
  let mean = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const v = out[j * n + i];
      rowMean[j] += v / n;
      colMean[i] += v / n;
      mean += v / (n * n);
    }
  }
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[j * n + i] += mean - rowMean[j] - colMean[i];
  return out;
}

/** (K + Kᵀ) / 2: the explained-output kernels are not symmetric for multiclass outputs. */
export function symmetrized(k: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) out[j * n + i] = (k[j * n + i] + k[i * n + j]) / 2;
  return out;
}

/** ⟨A, B⟩_F / (‖A‖_F ‖B‖_F); 0 when either is zero. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * The target kernel: same-class indicator (classification) or y yᵀ (regression), for centered alignment.
 */
export function targetKernel(labels: ArrayLike<number>, regression: boolean): Float64Array {
  const n = labels.length;
  const y = new Float64Array(n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) y[j * n + i] = regression ? labels[j] * labels[i] : labels[j] === labels[i] ? 1 : 0;
  return y;
}

/** Centered alignment of K (symmetrized) with the target kernel Y. */
export function centeredAlignment(k: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  return cosine(centered(symmetrized(k, n), n), centered(y, n));
}

/** 1 − ⟨K_0, K_T⟩/(‖K_0‖‖K_T‖) (Fort et al. 2020) and ‖K_T − K_0‖/‖K_0‖. */
export function kernelDrift(k0: ArrayLike<number>, kT: ArrayLike<number>): { kernelDistance: number; relativeChange: number } {
  let diff = 0;
  let base = 0;
  for (let i = 0; i < k0.length; i++) {
    diff += (kT[i] - k0[i]) ** 2;
    base += k0[i] ** 2;
  }
  return { kernelDistance: 1 - cosine(k0, kT), relativeChange: base > 0 ? Math.sqrt(diff / base) : 0 };
}
