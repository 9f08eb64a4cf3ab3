/**
 * Divergences between Gaussian laws in closed form: KL, W2 (Bures) and Hellinger
 * (total variation is in `total-variation.ts`).
 *
 * Everything is computed in the whitened frame of `q` (Cholesky `Σ_q = L Lᵀ`), where
 * `q = N(0, I)` and `p = N(δ, W)` with `δ = L⁻¹(m_p − m_q)`, `W = L⁻¹ Σ_p L⁻ᵀ`. The
 * eigenvalues `λ` of `W` (the relative spectrum) enter through `λ − 1 − ln λ` and
 * `log1p` forms that stay accurate when the two laws are very close.
 * @packageDocumentation
 */
import { ShapeMismatchError, cholesky, matmul, solveLowerTriangular, symmetricEigen } from '@sgmkit/tensor';
import { symmetrise } from './affine-recursion.js';
import {
  denseCopy,
  eigenbasis,
  expectGaussianLaw,
  fromEigenDiagonal,
  squareMatrix,
  type GaussianLaw,
} from './gaussian.js';

/** `p` relative to `q`: whitened mean difference, relative spectrum and its eigenvectors. */
export interface RelativeFrame {
  readonly d: number;
  readonly whitenedMeanDifference: Float64Array;
  readonly spectrum: Float64Array;
  /** Eigenvectors of W in the columns of a row-major `d × d` array. */
  readonly vectors: Float64Array;
}

export function expectPair(fn: string, p: unknown, q: unknown): number {
  const d = expectGaussianLaw(fn, 'p', p);
  const dq = expectGaussianLaw(fn, 'q', q);
  if (dq !== d)
    throw new ShapeMismatchError(fn, 'q.mean', (q as GaussianLaw).mean, `a vector of length ${d} like p.mean`);
  return d;
}

export function relativeFrame(p: GaussianLaw, q: GaussianLaw, fn: string): RelativeFrame {
  const d = p.mean.length;
  const l = cholesky(q.covariance, { fn, argument: 'q.covariance' });
  const half = solveLowerTriangular(l, squareMatrix(d, denseCopy(p.covariance, d)));
  const transposed = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) transposed[i * d + j] = half.data[j * d + i]!;
  const w = solveLowerTriangular(l, squareMatrix(d, transposed));
  symmetrise(w.data, d);
  const { values, vectors } = symmetricEigen(w);
  const difference = p.mean.map((m, i) => m - q.mean[i]!);
  return {
    d,
    whitenedMeanDifference: solveLowerTriangular(l, difference),
    spectrum: values,
    vectors: denseCopy(vectors, d),
  };
}

/** `u − ln(1 + u)` without cancellation: its series below |u| = 0.1, where the direct form loses digits. */
export function xMinusLog1p(u: number): number {
  if (Math.abs(u) >= 0.1) return u - Math.log1p(u);
  let power = u * u;
  let sum = 0;
  for (let n = 2; n < 60; n++) {
    const term = power / n;
    sum += n % 2 === 0 ? term : -term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    power *= u;
  }
  return sum;
}

export function squaredNorm(x: Float64Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return sum;
}

/**
 * `KL(p ‖ q) = ½ [Σ_i (λ_i − 1 − ln λ_i) + |δ|²]` in nats (λ: relative spectrum, δ:
 * whitened mean difference; see the module notes).
 * @throws {InvalidArgumentError} / {NotPositiveDefiniteError} for bad laws; {ShapeMismatchError} when dimensions differ
 *
 * @example
 * ```ts
 * const law = (m: number, v: number) => ({ mean: Float64Array.of(m), covariance: { data: Float64Array.of(v), shape: [1, 1], stride: [1, 1], offset: 0 } });
 * gaussianKL(law(0, 2), law(1, 1)); // ½(2 − 1 − ln 2 + 1) ≈ 0.653
 * ```
 */
export function gaussianKL(p: GaussianLaw, q: GaussianLaw): number {
  const fn = 'gaussianKL';
  expectPair(fn, p, q);
  const frame = relativeFrame(p, q, fn);
  let sum = squaredNorm(frame.whitenedMeanDifference);
  for (const lambda of frame.spectrum) sum += xMinusLog1p(lambda - 1);
  return 0.5 * sum;
}

/**
 * The 2-Wasserstein distance `W2(p, q)` (not squared) between Gaussians, whose square
 * is the Bures formula `|m_p − m_q|² + tr Σ_p + tr Σ_q − 2 tr (Σ_q^{1/2} Σ_p Σ_q^{1/2})^{1/2}`.
 * Evaluated as `|m_p − m_q|² + ‖S⁻¹ ((S Σ_p S)^{1/2} − Σ_q)‖_F²` with `S = Σ_q^{1/2}`
 * (the optimal map's displacement), which equals the Bures form but has no cancellation
 * between traces, so nearby laws get W2 to relative accuracy instead of `√ε_machine`.
 */
export function gaussianW2(p: GaussianLaw, q: GaussianLaw): number {
  const fn = 'gaussianW2';
  const d = expectPair(fn, p, q);
  const qBasis = eigenbasis(q.covariance);
  const root = fromEigenDiagonal(qBasis, qBasis.values.map(Math.sqrt)).data;
  const inverseRoot = fromEigenDiagonal(
    qBasis,
    qBasis.values.map((s) => 1 / Math.sqrt(s)),
  ).data;
  const sandwiched = multiply(multiply(root, denseCopy(p.covariance, d), d), root, d);
  symmetrise(sandwiched, d);
  const sandwichedBasis = eigenbasis(squareMatrix(d, sandwiched));
  const displacement = fromEigenDiagonal(
    sandwichedBasis,
    sandwichedBasis.values.map((k) => Math.sqrt(Math.max(k, 0))),
  ).data;
  const qCovariance = denseCopy(q.covariance, d);
  for (let i = 0; i < d * d; i++) displacement[i] = displacement[i]! - qCovariance[i]!;
  const covariancePart = squaredNorm(multiply(inverseRoot, displacement, d));
  const meanPart = squaredNorm(p.mean.map((m, i) => m - q.mean[i]!));
  return Math.sqrt(meanPart + covariancePart);
}

/** Row-major product of two `d × d` arrays. */
function multiply(a: Float64Array, b: Float64Array, d: number): Float64Array {
  return matmul(squareMatrix(d, a), squareMatrix(d, b)).data;
}

/** `ln BC(p, q)`, the log Bhattacharyya coefficient `ln ∫ √(p q)`. */
export function logBhattacharyya(frame: RelativeFrame): number {
  let sum = 0;
  for (const lambda of frame.spectrum) {
    // ¼ ln λ − ½ ln((1 + λ)/2) = −½ ln(1 + (1 − √λ)²/(2√λ)): no cancellation near λ = 1.
    const root = Math.sqrt(lambda);
    sum -= 0.5 * Math.log1p(((1 - root) * (1 - root)) / (2 * root));
  }
  // Mahalanobis term ⅛ δᵀ ((W + I)/2)⁻¹ δ, in W's eigenbasis.
  const { d, vectors, whitenedMeanDifference: delta } = frame;
  for (let k = 0; k < d; k++) {
    let projection = 0;
    for (let i = 0; i < d; i++) projection += vectors[i * d + k]! * delta[i]!;
    sum -= (projection * projection) / (4 * (frame.spectrum[k]! + 1));
  }
  return sum;
}

/**
 * The Hellinger distance `H(p, q) = √(1 − BC)` with `BC = ∫ √(p q)` (so `H² = ½ ∫ (√p − √q)²`
 * and `0 ≤ H ≤ 1`); returned not squared.
 */
export function gaussianHellinger(p: GaussianLaw, q: GaussianLaw): number {
  const fn = 'gaussianHellinger';
  expectPair(fn, p, q);
  return Math.sqrt(-Math.expm1(logBhattacharyya(relativeFrame(p, q, fn))));
}
