/**
 * The law of an affine-Gaussian Markov chain `y ← M y + b + ξ`, `ξ ~ N(0, Q)`, stays
 * Gaussian: mean `m ← M m + b`, covariance `P ← M P Mᵀ + Q`. These helpers apply one
 * such update to a dense law in place; the exact analysis is a sequence of them.
 * @packageDocumentation
 */
import { gemmUnchecked } from '@sgmkit/tensor';
import { squareMatrix } from './gaussian.js';

/** A mutable dense Gaussian law: mean and row-major covariance of order `d`. */
export interface DenseLaw {
  readonly d: number;
  mean: Float64Array;
  covariance: Float64Array;
}

/** `m ← M m + b`, `P ← M P Mᵀ + Q` (`M` = `a`, `Q` = `q`, row-major `d × d`; `q` may be omitted for no noise). */
export function applyAffineUpdate(law: DenseLaw, a: Float64Array, b: Float64Array, q?: Float64Array): void {
  const d = law.d;
  const mean = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = b[i]!;
    for (let j = 0; j < d; j++) sum += a[i * d + j]! * law.mean[j]!;
    mean[i] = sum;
  }
  const ap = squareMatrix(d);
  const next = squareMatrix(d);
  gemmUnchecked(false, false, 1, squareMatrix(d, a), squareMatrix(d, law.covariance), 0, ap);
  gemmUnchecked(false, true, 1, ap, squareMatrix(d, a), 0, next);
  if (q) for (let i = 0; i < d * d; i++) next.data[i] = next.data[i]! + q[i]!;
  symmetrise(next.data, d);
  law.mean = mean;
  law.covariance = next.data;
}

/** Replaces both off-diagonal halves by their average: rounding must not make P asymmetric. */
export function symmetrise(p: Float64Array, d: number): void {
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const mean = 0.5 * (p[i * d + j]! + p[j * d + i]!);
      p[i * d + j] = mean;
      p[j * d + i] = mean;
    }
  }
}

/** `c·I` as a row-major `d × d` array. */
export function scaledIdentity(d: number, c: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) out[i * d + i] = c;
  return out;
}
