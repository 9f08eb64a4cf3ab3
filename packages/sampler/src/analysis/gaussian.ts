/**
 * Gaussian laws `N(mean, covariance)` as the exact analysis passes them around,
 * their validation, and the OU forward marginals `q_t` of Gaussian data.
 * @packageDocumentation
 */
import {
  InvalidArgumentError,
  ShapeMismatchError,
  cholesky,
  expectAllFinite,
  gemv,
  symmetricEigen,
} from '@sgmkit/tensor';
import type { Tensor } from '@sgmkit/tensor';

/** A Gaussian law: mean vector of length `d` and `d × d` float64 covariance. */
export interface GaussianLaw {
  readonly mean: Float64Array;
  readonly covariance: Tensor<Float64Array>;
}

/** A symmetric matrix's eigenpairs: `Σ = U diag(values) Uᵀ`, `U` row-major `d × d` with eigenvectors in columns. */
export interface Eigenbasis {
  readonly values: Float64Array;
  readonly vectors: Float64Array;
}

/** Row-major `d × d` float64 matrix tensor wrapping `data`. */
export function squareMatrix(d: number, data: Float64Array = new Float64Array(d * d)): Tensor<Float64Array> {
  return { data, shape: [d, d], stride: [d, 1], offset: 0 };
}

/** Copies a `d × d` matrix (any strides) into a new row-major Float64Array. */
export function denseCopy(a: Tensor, d: number): Float64Array {
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < d; j++) out[i * d + j] = a.data[a.offset + i * a.stride[0]! + j * a.stride[1]!]!;
  return out;
}

/**
 * Validates a Gaussian law argument: `mean` a finite Float64Array (of length `d` when
 * given), `covariance` a `d × d` symmetric positive definite matrix. Returns `d`.
 * @throws {InvalidArgumentError} naming `${argument}.mean` or `${argument}.covariance`
 * @throws {NotPositiveDefiniteError} when the covariance is not SPD
 */
export function expectGaussianLaw(fn: string, argument: string, law: unknown, d?: number): number {
  if (law === null || typeof law !== 'object')
    throw new InvalidArgumentError(fn, argument, law, 'an object { mean: Float64Array, covariance: Tensor }');
  const { mean, covariance } = law as GaussianLaw;
  if (!(mean instanceof Float64Array)) throw new InvalidArgumentError(fn, `${argument}.mean`, mean, 'a Float64Array');
  if (mean.length === 0) throw new ShapeMismatchError(fn, `${argument}.mean`, mean, 'a vector of length d >= 1');
  if (d !== undefined && mean.length !== d)
    throw new ShapeMismatchError(fn, `${argument}.mean`, mean, `a vector of length ${d}`);
  expectAllFinite(fn, `${argument}.mean`, mean);
  const dim = mean.length;
  const c = covariance as Tensor | undefined;
  if (
    !c ||
    typeof c !== 'object' ||
    !Array.isArray(c.shape) ||
    c.shape.length !== 2 ||
    c.shape[0] !== dim ||
    c.shape[1] !== dim
  ) {
    throw new ShapeMismatchError(
      fn,
      `${argument}.covariance`,
      covariance,
      `a ${dim} × ${dim} matrix (d = ${dim} from ${argument}.mean)`,
    );
  }
  cholesky(c, { fn, argument: `${argument}.covariance` });
  return dim;
}

/**
 * A validated Gaussian law `N(mean, covariance)` for the exact analysis, built
 * from plain arrays: `mean` of length `d ≥ 1` and `covariance` a symmetric
 * positive definite `d × d` matrix given as `d` rows of `d` numbers or as a
 * `[d, d]` tensor (any strides). The values are copied.
 * @throws {InvalidArgumentError} naming `mean` or `covariance` (lengths, non-finite entries)
 * @throws {NotPositiveDefiniteError} when the covariance is not SPD
 *
 * @example
 * ```ts
 * import { exactDDPMLaw, gaussianKL, gaussianLaw, uniformGrid } from '@sgmkit/sampler';
 * const data = gaussianLaw([1, -1], [[2, 0.5], [0.5, 1]]);
 * const out = exactDDPMLaw(data, { T: 5, grid: uniformGrid(5, 100), method: 'exponential-integrator' });
 * gaussianKL(out, data);
 * ```
 */
export function gaussianLaw(mean: ArrayLike<number>, covariance: ArrayLike<ArrayLike<number>> | Tensor): GaussianLaw {
  const fn = 'gaussianLaw';
  if (mean === null || typeof mean !== 'object' || typeof mean.length !== 'number')
    throw new InvalidArgumentError(fn, 'mean', mean, 'an array of d >= 1 numbers');
  const m = Float64Array.from(mean);
  if (m.length === 0) throw new ShapeMismatchError(fn, 'mean', mean, 'an array of d >= 1 numbers');
  expectAllFinite(fn, 'mean', m);
  const d = m.length;
  const law: GaussianLaw = { mean: m, covariance: squareMatrix(d, covarianceData(fn, covariance, d)) };
  cholesky(law.covariance, { fn, argument: 'covariance' }); // symmetric positive definite
  return law;
}

/** The `d × d` covariance of {@link gaussianLaw} as a new row-major array, shape and entries checked. */
function covarianceData(fn: string, covariance: unknown, d: number): Float64Array {
  const c = covariance as Partial<Tensor> & ArrayLike<ArrayLike<number>>;
  if (c !== null && typeof c === 'object' && ArrayBuffer.isView(c.data) && Array.isArray(c.shape)) {
    if (c.shape.length !== 2 || c.shape[0] !== d || c.shape[1] !== d)
      throw new ShapeMismatchError(fn, 'covariance', covariance, `a ${d} × ${d} matrix (d from mean)`);
    return denseCopy(c as Tensor, d);
  }
  if (c === null || typeof c !== 'object' || c.length !== d)
    throw new ShapeMismatchError(
      fn,
      'covariance',
      covariance,
      `${d} rows of ${d} numbers (d from mean), or a [${d}, ${d}] tensor`,
    );
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    const row = c[i];
    if (row === null || typeof row !== 'object' || row.length !== d)
      throw new ShapeMismatchError(fn, `covariance[${i}]`, row, `a row of ${d} numbers`);
    for (let j = 0; j < d; j++) {
      const value = row[j]!;
      if (typeof value !== 'number' || !Number.isFinite(value))
        throw new InvalidArgumentError(fn, `covariance[${i}][${j}]`, value, 'a finite number');
      out[i * d + j] = value;
    }
  }
  return out;
}

/** Eigenbasis of a symmetric matrix (eigenvectors in the columns of a row-major array). */
export function eigenbasis(a: Tensor): Eigenbasis {
  const { values, vectors } = symmetricEigen(a);
  return { values, vectors: denseCopy(vectors, values.length) };
}

/** `Uᵀ x`: coordinates of `x` in the eigenbasis. */
export function toEigenCoordinates(basis: Eigenbasis, x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  gemv(true, 1, squareMatrix(x.length, basis.vectors), x, 0, out);
  return out;
}

/** `U y`: back from eigen-coordinates. */
export function fromEigenCoordinates(basis: Eigenbasis, y: Float64Array): Float64Array {
  const out = new Float64Array(y.length);
  gemv(false, 1, squareMatrix(y.length, basis.vectors), y, 0, out);
  return out;
}

/** `U diag(w) Uᵀ`, exactly symmetric (entry (i, j) and (j, i) are one computed value). */
export function fromEigenDiagonal(basis: Eigenbasis, w: Float64Array): Tensor<Float64Array> {
  const d = w.length;
  const u = basis.vectors;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += u[i * d + k]! * w[k]! * u[j * d + k]!;
      out[i * d + j] = sum;
      out[j * d + i] = sum;
    }
  }
  return squareMatrix(d, out);
}

/**
 * Variance `e^{−2t}λ + 1 − e^{−2t}` at OU time `t` of a direction with data variance `λ`,
 * written `λ − (λ − 1)(1 − e^{−2t})` with `expm1` so it stays accurate for tiny `t`.
 */
export function ouVariance(lambda: number, t: number): number {
  return lambda - (lambda - 1) * -Math.expm1(-2 * t);
}

/**
 * The OU forward marginal `q_t = N(e^{−t}μ, e^{−2t}Σ + (1 − e^{−2t}) I)` of data
 * `N(μ, Σ)` (forward process `dX = −X dt + √2 dB`).
 */
export function ouMarginal(data: GaussianLaw, t: number): GaussianLaw {
  const fn = 'ouMarginal';
  const d = expectGaussianLaw(fn, 'data', data);
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
    throw new InvalidArgumentError(fn, 't', t, 'a finite number >= 0');
  const decay = Math.exp(-t);
  const noise = -Math.expm1(-2 * t);
  const mean = data.mean.map((m) => decay * m);
  const sigma = denseCopy(data.covariance, d);
  for (let i = 0; i < d * d; i++) sigma[i] = decay * decay * sigma[i]!;
  for (let i = 0; i < d; i++) sigma[i * d + i] = sigma[i * d + i]! + noise;
  return { mean, covariance: squareMatrix(d, sigma) };
}
