/**
 * Small dense helpers on `d × d` float64 matrices for setup code (allocating, not for hot loops).
 * @packageDocumentation
 */
import { DTypeMismatchError, InvalidArgumentError, NotPositiveDefiniteError, ShapeMismatchError } from '../errors.js';
import { dtypeOf, type Tensor } from '../tensor.js';
import { expectInteger } from '../validate.js';
import {
  copySquareToFloat64,
  expectFiniteMatrix,
  expectMatrix,
  expectSquare,
  expectSymmetricForSpd,
} from './checks.js';
import { cholesky, choleskySolve } from './cholesky.js';
import { symmetricEigenInPlace } from './eigen.js';
import { gemmUnchecked } from './gemm.js';

function square(d: number, data = new Float64Array(d * d)): Tensor<Float64Array> {
  return { data, shape: [d, d], stride: [d, 1], offset: 0 };
}

/** The `d × d` identity. */
export function identity(d: number): Tensor<Float64Array> {
  expectInteger('identity', 'd', d, 0);
  const out = square(d);
  for (let i = 0; i < d; i++) out.data[i * d + i] = 1;
  return out;
}

/** A new float64 `m × n` product `A·B` of float64 matrices (any strides). */
export function matmul(a: Tensor<Float64Array>, b: Tensor<Float64Array>): Tensor<Float64Array> {
  const fn = 'matmul';
  const [m, k] = expectMatrix(fn, 'a', a);
  const [kb, n] = expectMatrix(fn, 'b', b);
  if (dtypeOf(a) !== 'float64') throw new DTypeMismatchError(fn, 'a', a, 'of dtype float64');
  if (dtypeOf(b) !== 'float64') throw new DTypeMismatchError(fn, 'b', b, 'of dtype float64');
  if (kb !== k) throw new ShapeMismatchError(fn, 'b', b, `a matrix with ${k} rows (the columns of a)`);
  const out: Tensor<Float64Array> = { data: new Float64Array(m * n), shape: [m, n], stride: [n, 1], offset: 0 };
  gemmUnchecked(false, false, 1, a, b, 0, out);
  return out;
}

/** Sum of the diagonal of a square matrix. */
export function trace(a: Tensor): number {
  const d = expectSquare('trace', 'a', a);
  let sum = 0;
  for (let i = 0; i < d; i++) sum += a.data[a.offset + i * a.stride[0]! + i * a.stride[1]!]!;
  return sum;
}

/** Inverse of a symmetric positive definite matrix via its Cholesky factor, symmetrised exactly. */
export function spdInverse(a: Tensor): Tensor<Float64Array> {
  const l = cholesky(a, { fn: 'spdInverse', argument: 'a' });
  const d = l.shape[0]!;
  const inverse = choleskySolve(l, identity(d));
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) {
      const mean = 0.5 * (inverse.data[i * d + j]! + inverse.data[j * d + i]!);
      inverse.data[i * d + j] = inverse.data[j * d + i] = mean;
    }
  }
  return inverse;
}

/**
 * `f(A) = V diag(f(λ)) Vᵀ` for a symmetric positive definite A with eigenpairs (λ, V).
 * @throws {NotPositiveDefiniteError} when A is not symmetric or an eigenvalue is ≤ 0
 * @throws {InvalidArgumentError} when f returns a non-finite value
 */
export function spdFunction(a: Tensor, f: (eigenvalue: number) => number, fn = 'spdFunction'): Tensor<Float64Array> {
  const d = expectSquare(fn, 'a', a);
  const values = copySquareToFloat64(a, d);
  expectFiniteMatrix(fn, 'a', values, d);
  expectSymmetricForSpd(fn, 'a', a, values, d);
  const eigen = symmetricEigenInPlace(values, d);
  const mapped = new Float64Array(d);
  for (let k = 0; k < d; k++) {
    const lambda = eigen.values[k]!;
    if (!(lambda > 0)) throw new NotPositiveDefiniteError(fn, 'a', a, k, `eigenvalue ${k} is ${lambda}, not positive`);
    mapped[k] = f(lambda);
    if (!Number.isFinite(mapped[k]!))
      throw new InvalidArgumentError(fn, 'f', f, `a function returning finite values; f(${lambda}) = ${mapped[k]}`);
  }
  return reassemble(eigen.vectors.data, mapped, d);
}

/** Symmetric positive definite square root `A^{1/2}`. */
export function spdSqrt(a: Tensor): Tensor<Float64Array> {
  return spdFunction(a, Math.sqrt, 'spdSqrt');
}

/** `V diag(w) Vᵀ`, symmetric by construction (each entry summed in one fixed order). */
function reassemble(v: Float64Array, w: Float64Array, d: number): Tensor<Float64Array> {
  const out = square(d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += v[i * d + k]! * w[k]! * v[j * d + k]!;
      out.data[i * d + j] = out.data[j * d + i] = sum;
    }
  }
  return out;
}
