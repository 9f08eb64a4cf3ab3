// Shared test helpers for the exact-analysis tests (not a test file itself).
import { gaussianLaw, type GaussianLaw } from '@sgmkit/sampler';

/** A validated Gaussian law from plain arrays (the public `gaussianLaw`). */
export const law = gaussianLaw;

/** A law object built by hand, not validated: for the bad-input tests of functions that take laws. */
export function unvalidatedLaw(mean: number[], covariance: number[][]): GaussianLaw {
  const d = mean.length;
  return {
    mean: Float64Array.from(mean),
    covariance: { data: Float64Array.from(covariance.flat()), shape: [d, d], stride: [d, 1], offset: 0 },
  };
}

/** `N` equal steps from T down to δ (last entry exactly δ). */
export function uniformTimes(T: number, steps: number, delta = 0): Float64Array {
  const grid = Float64Array.from({ length: steps + 1 }, (_, k) => T - (k * (T - delta)) / steps);
  grid[steps] = delta;
  return grid;
}

/** Least-squares slope of y on x. */
export function leastSquaresSlope(x: number[], y: number[]): number {
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxy / sxx;
}

/** A rotation in the (i, j) plane by angle θ composed into a d × d orthogonal matrix, as nested arrays. */
export function givensProduct(d: number, angles: number[]): number[][] {
  const q = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0) as number));
  let a = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) {
      const theta = angles[a++ % angles.length]!;
      const [c, s] = [Math.cos(theta), Math.sin(theta)];
      for (let r = 0; r < d; r++) {
        const [qi, qj] = [q[r]![i]!, q[r]![j]!];
        q[r]![i] = c * qi - s * qj;
        q[r]![j] = s * qi + c * qj;
      }
    }
  }
  return q;
}

/** Q diag(values) Qᵀ as nested arrays. */
export function rotatedDiagonal(q: number[][], values: number[]): number[][] {
  const d = values.length;
  return Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += q[i]![k]! * values[k]! * q[j]![k]!;
      return sum;
    }),
  );
}

/** Matrix entries as a flat array (row-major). */
export function entries(t: { data: Float64Array; shape: readonly number[] }): number[] {
  return Array.from(t.data.subarray(0, t.shape[0]! * t.shape[1]!));
}

// Expects a throw of `type` whose `argument` names the argument.
export { expectArgumentError } from '../helpers/errors';
