/**
 * Symmetric eigendecomposition of small matrices by the cyclic Jacobi method, which
 * reaches full double accuracy (including small eigenvalues to high relative accuracy
 * for well-scaled matrices) and needs no tridiagonalisation.
 * @packageDocumentation
 */
import { InvalidArgumentError, SgmkitError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { copySquareToFloat64, expectFiniteMatrix, expectSquare, findAsymmetry } from './checks.js';

/** `A = V diag(values) Vᵀ` with eigenvalues ascending and column k of `vectors` the k-th unit eigenvector. */
export interface SymmetricEigen {
  readonly values: Float64Array;
  readonly vectors: Tensor<Float64Array>;
}

/** Jacobi converges quadratically; 60 sweeps is far beyond what any finite matrix needs. */
const MAX_SWEEPS = 60;

/**
 * Eigendecomposition of a real symmetric matrix (any strides, either dtype).
 * @throws {InvalidArgumentError} when A is not square, has a non-finite entry or is not symmetric
 */
export function symmetricEigen(a: Tensor): SymmetricEigen {
  const fn = 'symmetricEigen';
  const d = expectSquare(fn, 'a', a);
  const m = copySquareToFloat64(a, d);
  expectFiniteMatrix(fn, 'a', m, d);
  const pair = findAsymmetry(m, d);
  if (pair)
    throw new InvalidArgumentError(
      fn,
      'a',
      a,
      `a symmetric matrix (entry (${pair[0]}, ${pair[1]}) differs from (${pair[1]}, ${pair[0]}))`,
    );
  return symmetricEigenInPlace(m, d);
}

/** `symmetricEigen` of an already checked (finite, symmetric) row-major `d × d` copy `m`, which it overwrites. */
export function symmetricEigenInPlace(m: Float64Array, d: number): SymmetricEigen {
  const v = new Float64Array(d * d);
  for (let i = 0; i < d; i++) v[i * d + i] = 1;
  if (!jacobiSweeps(m, v, d))
    throw new SgmkitError(
      `symmetricEigen: Jacobi iteration did not converge in ${MAX_SWEEPS} sweeps`,
      'ERR_NO_CONVERGENCE',
    );
  return sortedDecomposition(m, v, d);
}

/** Runs cyclic Jacobi sweeps on `m` (row-major, symmetric), accumulating rotations into `v`. True once diagonal. */
function jacobiSweeps(m: Float64Array, v: Float64Array, d: number): boolean {
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) off += m[p * d + q]! * m[p * d + q]!;
    if (off === 0) return true;
    for (let p = 0; p < d; p++) for (let q = p + 1; q < d; q++) rotateOrZero(m, v, d, p, q, sweep);
  }
  return false;
}

/**
 * Annihilates m[p][q] with one Jacobi rotation (Numerical Recipes §11.1 formulas). After the
 * first sweeps, an entry below rounding of both diagonal entries is set to zero outright:
 * that is what lets the iteration terminate with an exactly diagonal matrix.
 */
function rotateOrZero(m: Float64Array, v: Float64Array, d: number, p: number, q: number, sweep: number): void {
  const apq = m[p * d + q]!;
  if (apq === 0) return;
  const app = m[p * d + p]!;
  const aqq = m[q * d + q]!;
  const g = 100 * Math.abs(apq);
  if (sweep > 3 && Math.abs(app) + g === Math.abs(app) && Math.abs(aqq) + g === Math.abs(aqq)) {
    m[p * d + q] = 0;
    m[q * d + p] = 0;
    return;
  }
  const theta = (aqq - app) / (2 * apq);
  // tan of the rotation angle, smaller root; for huge theta, tan ≈ 1/(2θ) avoids overflow of θ².
  const t =
    Math.abs(theta) > 1e150
      ? 1 / (2 * theta)
      : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
  const c = 1 / Math.sqrt(t * t + 1);
  const s = t * c;
  for (let k = 0; k < d; k++) {
    if (k === p || k === q) continue;
    const akp = m[k * d + p]!;
    const akq = m[k * d + q]!;
    m[k * d + p] = m[p * d + k] = c * akp - s * akq;
    m[k * d + q] = m[q * d + k] = s * akp + c * akq;
  }
  m[p * d + p] = app - t * apq;
  m[q * d + q] = aqq + t * apq;
  m[p * d + q] = m[q * d + p] = 0;
  for (let k = 0; k < d; k++) {
    const vkp = v[k * d + p]!;
    const vkq = v[k * d + q]!;
    v[k * d + p] = c * vkp - s * vkq;
    v[k * d + q] = s * vkp + c * vkq;
  }
}

function sortedDecomposition(m: Float64Array, v: Float64Array, d: number): SymmetricEigen {
  const order = Array.from({ length: d }, (_, i) => i).sort((i, j) => m[i * d + i]! - m[j * d + j]!);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  order.forEach((src, dst) => {
    values[dst] = m[src * d + src]!;
    for (let k = 0; k < d; k++) vectors[k * d + dst] = v[k * d + src]!;
  });
  return { values, vectors: { data: vectors, shape: [d, d], stride: [d, 1], offset: 0 } };
}
