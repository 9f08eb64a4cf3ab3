/**
 * Covariances kept in spectral form `Σ = V diag(λ) Vᵀ`. Under the OU forward process
 * a covariance evolves as `Σ_t = e^{−2t}Σ + (1 − e^{−2t})I`, which keeps the eigenvectors
 * and maps each eigenvalue to `e^{−2t}λ + 1 − e^{−2t}`. So precisions, log-determinants
 * and Lipschitz constants at any t cost O(d²) (O(d) when diagonal) and never fail once
 * the data covariance was checked positive definite.
 * @packageDocumentation
 */
import {
  cholesky,
  get2,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
  symmetricEigen,
  tensor,
  type Tensor,
} from '@sgmkit/tensor';
import { exp, expm1 } from '@sgmkit/tensor';

/** A covariance as users give it: isotropic `σ²`, a diagonal, or a full symmetric matrix. */
export type CovarianceInput = number | readonly number[] | readonly (readonly number[])[] | Tensor;

/** JSON form of a covariance inside a spec. */
export type CovarianceJson = number | number[] | number[][];

export interface SpectralCovariance {
  readonly dim: number;
  /** Eigenvalues, all > 0. */
  readonly values: Float64Array;
  /** Row-major `d × d`, column k the k-th unit eigenvector; null when Σ is diagonal (eigenbasis = axes). */
  readonly vectors: Float64Array | null;
  /** The covariance as it goes into a spec. */
  readonly json: CovarianceJson;
}

/**
 * Smallest variance (eigenvalue) a data covariance may have: below it `1/λ` overflows double precision and
 * the score near t = 0 would be NaN. Far below any variance a real data set has.
 */
export const MIN_VARIANCE = 1e-300;

/** Eigenvalue `λ_t = e^{−2t}λ + (1 − e^{−2t})` of `Σ_t`; a sum of positive terms, so accurate for small t and λ. */
export function ouEigenvalueAt(lambda: number, t: number): number {
  return exp(-2 * t) * lambda - expm1(-2 * t);
}

/** Writes `V diag(coefficient(k)) Vᵀ` (row-major `d × d`, V = I when Σ is diagonal) into `out`. */
export function fillConjugated(
  covariance: SpectralCovariance,
  coefficient: (k: number) => number,
  out: Float64Array,
): void {
  const { dim: d, vectors } = covariance;
  out.fill(0);
  for (let k = 0; k < d; k++) {
    const ck = coefficient(k);
    if (vectors === null) {
      out[k * d + k] = ck;
      continue;
    }
    for (let i = 0; i < d; i++) {
      const vik = ck * vectors[i * d + k]!;
      for (let j = 0; j < d; j++) out[i * d + j] += vik * vectors[j * d + k]!;
    }
  }
}

/** Writes `f(Σ_t) = V diag(f(λ_{k,t})) Vᵀ` into `out`. */
export function fillSpectralFunction(
  covariance: SpectralCovariance,
  t: number,
  f: (lambdaT: number) => number,
  out: Float64Array,
): void {
  fillConjugated(covariance, (k) => f(ouEigenvalueAt(covariance.values[k]!, t)), out);
}

/** Writes the precision `Σ_t^{-1}` (row-major `d × d`) into `out`. */
export function fillOUPrecision(covariance: SpectralCovariance, t: number, out: Float64Array): void {
  fillSpectralFunction(covariance, t, (lambdaT) => 1 / lambdaT, out);
}

/** Sum over eigenvalues of `f(λ_{i,t})`: traces and log-determinants of functions of `Σ_t`. */
export function sumSpectralFunction(covariance: SpectralCovariance, t: number, f: (lambdaT: number) => number): number {
  let sum = 0;
  for (let k = 0; k < covariance.dim; k++) sum += f(ouEigenvalueAt(covariance.values[k]!, t));
  return sum;
}

/** `tr Σ` at t = 0. */
export function covarianceTrace(covariance: SpectralCovariance): number {
  return sumSpectralFunction(covariance, 0, (lambda) => lambda);
}

/** Smallest eigenvalue of the data covariance. */
export function smallestEigenvalue(covariance: SpectralCovariance): number {
  return Math.min(...covariance.values);
}

/** Validates a covariance argument of dimension `d` and brings it to spectral form. */
export function parseCovariance(fn: string, argument: string, value: unknown, d: number): SpectralCovariance {
  if (typeof value === 'number') return isotropic(fn, argument, value, d);
  if (Array.isArray(value) && value.length > 0 && !Array.isArray(value[0])) return diagonal(fn, argument, value, d);
  return full(fn, argument, value, d);
}

function isotropic(fn: string, argument: string, variance: number, d: number): SpectralCovariance {
  if (!Number.isFinite(variance))
    throw new InvalidArgumentError(
      fn,
      argument,
      variance,
      'a finite variance > 0, a diagonal or a symmetric positive definite matrix',
    );
  if (!(variance >= MIN_VARIANCE))
    throw new NotPositiveDefiniteError(
      fn,
      argument,
      variance,
      0,
      `an isotropic variance must be >= ${MIN_VARIANCE} (smaller ones are not invertible in double precision)`,
    );
  return { dim: d, values: new Float64Array(d).fill(variance), vectors: null, json: variance };
}

function diagonal(fn: string, argument: string, entries: readonly unknown[], d: number): SpectralCovariance {
  if (entries.length !== d) throw new ShapeMismatchError(fn, argument, entries, `a diagonal of length ${d}`);
  const values = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const v = entries[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new InvalidArgumentError(fn, `${argument}[${i}]`, v, 'a finite number');
    if (!(v >= MIN_VARIANCE))
      throw new NotPositiveDefiniteError(
        fn,
        argument,
        entries,
        i,
        `diagonal entry ${i} must be >= ${MIN_VARIANCE} (smaller ones are not invertible in double precision)`,
      );
    values[i] = v;
  }
  return { dim: d, values, vectors: null, json: Array.from(values) };
}

/** Row-major copy of a `d × d` matrix given as nested arrays or a tensor, shape-checked. */
function matrixValues(fn: string, argument: string, value: unknown, d: number): Float64Array {
  const expected = `a number, a diagonal of length ${d}, or a ${d} × ${d} matrix`;
  if (Array.isArray(value)) {
    if (value.length !== d || value.some((row) => !Array.isArray(row) || row.length !== d))
      throw new ShapeMismatchError(fn, argument, value, expected);
    const out = new Float64Array(d * d);
    value.forEach((row: unknown[], i) => row.forEach((v, j) => (out[i * d + j] = typeof v === 'number' ? v : NaN)));
    return out;
  }
  const t = value as Tensor;
  if (!t || typeof t !== 'object' || !ArrayBuffer.isView(t.data) || !Array.isArray(t.shape))
    throw new InvalidArgumentError(fn, argument, value, expected);
  if (t.shape.length !== 2 || t.shape[0] !== d || t.shape[1] !== d)
    throw new ShapeMismatchError(fn, argument, value, expected);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = get2(t, i, j);
  return out;
}

function isDiagonal(values: Float64Array, d: number): boolean {
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j && values[i * d + j] !== 0) return false;
  return true;
}

function full(fn: string, argument: string, value: unknown, d: number): SpectralCovariance {
  const values = matrixValues(fn, argument, value, d);
  const matrix = tensor(values, [d, d]);
  cholesky(matrix, { fn, argument }); // names the argument on NaN, asymmetry or a non-positive pivot
  const json = Array.from({ length: d }, (_, i) => Array.from(values.subarray(i * d, i * d + d)));
  if (isDiagonal(values, d)) {
    return { dim: d, values: Float64Array.from({ length: d }, (_, i) => values[i * d + i]!), vectors: null, json };
  }
  const eigen = symmetricEigen(matrix);
  if (!(eigen.values[0]! >= MIN_VARIANCE))
    throw new NotPositiveDefiniteError(
      fn,
      argument,
      value,
      0,
      `its smallest eigenvalue ${eigen.values[0]} is below ${MIN_VARIANCE} (not invertible in double precision)`,
    );
  return { dim: d, values: eigen.values, vectors: Float64Array.from(eigen.vectors.data), json };
}

/** Diagonal `Σ_ii = Σ_k V_ik² λ_k` of the covariance. */
export function covarianceDiagonal(covariance: SpectralCovariance): Float64Array {
  const { dim: d, values, vectors } = covariance;
  if (vectors === null) return Float64Array.from(values);
  const diagonal = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let sum = 0;
    for (let k = 0; k < d; k++) sum += vectors[i * d + k]! * vectors[i * d + k]! * values[k]!;
    diagonal[i] = sum;
  }
  return diagonal;
}
