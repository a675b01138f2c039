import type { LayerLayout, PoolLayout } from '../../model/parameterLayout';
import type { Activation } from '../../../protocol';

/**
 * Kinks along a step located exactly instead of by bisection. x is fixed and the weights move linearly in t, so the
 * first layer's pre-activations are linear in t, and where the first layer is piecewise linear (ReLU, or none) and its
 * pattern fixed, the second layer's are quadratic. A ReLU switches where its pre-activation crosses zero; a max-pool
 * window's arg-max moves where two of its members cross while both are the window's maximum (after a monotone
 * activation the arg-max of the activations is the arg-max of z; after a ReLU a window at or below zero passes no
 * gradient whichever unit it picks). Layers deeper than these are bisected (kinkDetection.ts).
 */

/** Activations for which the arg-max of σ(z) over a window is the arg-max of z. */
const MONOTONE: readonly Activation[] = ['relu', 'tanh', 'sigmoid', 'softplus', 'linear'];

/** Whether every kink of a layer (its ReLU, its pools' arg-maxes) is found from its pre-activations as polynomials. */
function covered(layer: LayerLayout): boolean {
  const pools = layer.pools;
  return pools.every((p) => p.kind === 'avgPool2d') || (pools.length === 1 && MONOTONE.includes(layer.activation));
}

/**
 * How many leading layers' kinks are located analytically: the first when covered, the second too when the first is
 * piecewise linear (so the second's pre-activations are quadratic between the first's kinks).
 */
export function analyticLayerCount(layers: readonly LayerLayout[]): number {
  if (layers.length < 2 || !covered(layers[0])) return 0;
  const piecewiseLinear = layers[0].activation === 'relu' || layers[0].activation === 'linear';
  return layers.length > 2 && piecewiseLinear && covered(layers[1]) ? 2 : 1;
}

/** A unit's pre-activation along a piece, as a function of the local coordinate u ∈ [0, 1]. */
interface Curves {
  at(unit: number, u: number): number;
  /** Roots in (0, 1) of unit a's curve minus unit b's (b = -1: of a's curve itself). */
  roots(a: number, b: number): number[];
}

/** Lines through z0 (u = 0) and z1 (u = 1), one per unit. */
export function lines(z0: ArrayLike<number>, z1: ArrayLike<number>): Curves {
  const c = new Float64Array(3 * z0.length);
  for (let unit = 0; unit < z0.length; unit++) {
    c[3 * unit] = z0[unit];
    c[3 * unit + 1] = z1[unit] - z0[unit];
  }
  return polynomials(c);
}

/** Parabolas through z0 (u = 0), zm (u = ½) and z1 (u = 1), one per unit. */
export function parabolas(z0: ArrayLike<number>, zm: ArrayLike<number>, z1: ArrayLike<number>): Curves {
  const c = new Float64Array(3 * z0.length);
  for (let unit = 0; unit < z0.length; unit++) {
    c[3 * unit] = z0[unit];
    c[3 * unit + 1] = -3 * z0[unit] + 4 * zm[unit] - z1[unit];
    c[3 * unit + 2] = 2 * z0[unit] - 4 * zm[unit] + 2 * z1[unit];
  }
  return polynomials(c);
}

/**
 * c0 + c1 u + c2 u² per unit from its coefficients [units · 3], computed once: the kink search evaluates each unit
 * many times.
 */
function polynomials(c: Float64Array): Curves {
  return {
    at: (unit, u) => c[3 * unit] + u * (c[3 * unit + 1] + u * c[3 * unit + 2]),
    roots: (a, b) =>
      b < 0
        ? quadraticRoots(c[3 * a], c[3 * a + 1], c[3 * a + 2])
        : quadraticRoots(c[3 * a] - c[3 * b], c[3 * a + 1] - c[3 * b + 1], c[3 * a + 2] - c[3 * b + 2]),
  };
}

function inside(ts: number[]): number[] {
  return ts.filter((t) => t > 0 && t < 1);
}

/** Real roots in (0, 1) of c0 + c1 u + c2 u² (the cancellation-free form of the formula). */
function quadraticRoots(c0: number, c1: number, c2: number): number[] {
  const scale = Math.abs(c0) + Math.abs(c1) + Math.abs(c2);
  if (scale === 0) return [];
  if (Math.abs(c2) <= 1e-12 * scale) return c1 === 0 ? [] : inside([-c0 / c1]);
  const discriminant = c1 * c1 - 4 * c2 * c0;
  if (discriminant < 0) return [];
  const q = -0.5 * (c1 + (c1 >= 0 ? 1 : -1) * Math.sqrt(discriminant));
  return inside(q === 0 ? [0] : [q / c2, c0 / q]);
}

/** Cut points in (0, 1), unsorted, of one layer's ReLU and max-pool kinks along a piece. */
export function layerCuts(layer: LayerLayout, curves: Curves): number[] {
  const cuts: number[] = [];
  const relu = layer.activation === 'relu';
  if (relu) for (let u = 0; u < layer.outputs; u++) cuts.push(...curves.roots(u, -1));
  const pool = layer.pools[0];
  if (pool && pool.kind === 'maxPool2d') poolCuts(pool, relu, curves, cuts);
  return cuts;
}

/** Arg-max switches of every window of a max-pool (stride = size, `valid`). */
function poolCuts(pool: PoolLayout, relu: boolean, curves: Curves, cuts: number[]): void {
  const { size, input, output } = pool;
  const members = new Int32Array(size * size);
  for (let oy = 0; oy < output.height; oy++)
    for (let ox = 0; ox < output.width; ox++)
      for (let c = 0; c < output.channels; c++) {
        let m = 0;
        for (let dy = 0; dy < size; dy++)
          for (let dx = 0; dx < size; dx++) members[m++] = ((oy * size + dy) * input.width + ox * size + dx) * input.channels + c;
        for (let i = 0; i < m; i++)
          for (let j = i + 1; j < m; j++)
            for (const t of curves.roots(members[i], members[j])) {
              const top = curves.at(members[i], t);
              // A window whose maximum is at or below zero after a ReLU passes no gradient: its arg-max does not matter.
              if (relu && top <= 0) continue;
              let isMax = true;
              for (let k = 0; k < m && isMax; k++) if (k !== i && k !== j && curves.at(members[k], t) > top) isMax = false;
              if (isMax) cuts.push(t);
            }
      }
}
