/**
 * Cholesky factorisation `A = L Lᵀ` of small symmetric positive definite matrices,
 * triangular solves and the log-determinant.
 * @packageDocumentation
 */
import { InvalidArgumentError, NotPositiveDefiniteError, ShapeMismatchError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { copySquareToFloat64, expectFiniteMatrix, expectSquare, expectSymmetricForSpd } from './checks.js';
import { log } from '../math/portable.js';

/** Who is asking, for error messages: the public function and its argument holding the matrix. */
export interface MatrixContext {
  readonly fn: string;
  readonly argument: string;
}

/**
 * Lower Cholesky factor `L` (row-major `d × d`, zero above the diagonal) of a
 * symmetric positive definite matrix, in double precision whatever A's dtype.
 * `context` lets callers (e.g. `gaussianScore`) have errors name their own argument.
 * @throws {InvalidArgumentError} naming the first non-finite entry
 * @throws {NotPositiveDefiniteError} when A is not symmetric or a pivot is not positive
 */
export function cholesky(a: Tensor, context: MatrixContext = { fn: 'cholesky', argument: 'a' }): Tensor<Float64Array> {
  const { fn, argument } = context;
  const d = expectSquare(fn, argument, a);
  const values = copySquareToFloat64(a, d);
  expectFiniteMatrix(fn, argument, values, d);
  expectSymmetricForSpd(fn, argument, a, values, d);
  const pivot = choleskyInPlace(values, d);
  if (pivot >= 0) throw new NotPositiveDefiniteError(fn, argument, a, pivot);
  return { data: values, shape: [d, d], stride: [d, 1], offset: 0 };
}

/**
 * Overwrites the row-major `d × d` array with its lower Cholesky factor (reading only
 * the lower triangle, zeroing the upper). Returns −1 on success, else the failing pivot.
 */
export function choleskyInPlace(l: Float64Array, d: number): number {
  for (let j = 0; j < d; j++) {
    let diag = l[j * d + j]!;
    for (let p = 0; p < j; p++) diag -= l[j * d + p]! * l[j * d + p]!;
    if (!(diag > 0)) return j;
    const ljj = Math.sqrt(diag);
    l[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let sum = l[i * d + j]!;
      for (let p = 0; p < j; p++) sum -= l[i * d + p]! * l[j * d + p]!;
      l[i * d + j] = sum / ljj;
    }
    for (let i = 0; i < j; i++) l[i * d + j] = 0;
  }
  return -1;
}

/** A right-hand side: one vector, or the columns of a `d × k` matrix. */
export type RightHandSide = Float64Array | Tensor<Float64Array>;

function expectTriangular(fn: string, l: Tensor): number {
  const d = expectSquare(fn, 'l', l);
  if (!(l.data instanceof Float64Array)) throw new InvalidArgumentError(fn, 'l', l, 'a float64 matrix');
  for (let i = 0; i < d; i++) {
    const diag = l.data[l.offset + i * l.stride[0]! + i * l.stride[1]!]!;
    if (!Number.isFinite(diag) || diag === 0)
      throw new InvalidArgumentError(fn, `l[${i}][${i}]`, diag, 'a finite non-zero diagonal entry');
  }
  return d;
}

/** Copies the right-hand side into a new row-major `d × k` array; returns it with k. */
function rightHandSide(fn: string, b: unknown, d: number): [Float64Array, number] {
  if (b instanceof Float64Array) {
    if (b.length !== d) throw new ShapeMismatchError(fn, 'b', b, `a vector of length ${d}`);
    return [Float64Array.from(b), 1];
  }
  const t = b as Tensor;
  if (
    !t ||
    typeof t !== 'object' ||
    !(t.data instanceof Float64Array) ||
    !Array.isArray(t.shape) ||
    t.shape.length !== 2
  ) {
    throw new InvalidArgumentError(fn, 'b', b, 'a Float64Array or a 2-D float64 tensor');
  }
  if (t.shape[0] !== d) throw new ShapeMismatchError(fn, 'b', b, `a matrix with ${d} rows`);
  const k = t.shape[1]!;
  const out = new Float64Array(d * k);
  for (let i = 0; i < d; i++)
    for (let j = 0; j < k; j++) out[i * k + j] = t.data[t.offset + i * t.stride[0]! + j * t.stride[1]!]!;
  return [out, k];
}

function wrapLike<B extends RightHandSide>(b: B, values: Float64Array, d: number, k: number): B {
  if (b instanceof Float64Array) return values as B;
  return { data: values, shape: [d, k], stride: [k, 1], offset: 0 } as unknown as B;
}

/** Solves `L X = B` by forward substitution using the lower triangle of `l`; returns a new X shaped like B. */
export function solveLowerTriangular<B extends RightHandSide>(l: Tensor<Float64Array>, b: B): B {
  const fn = 'solveLowerTriangular';
  const d = expectTriangular(fn, l);
  const [x, k] = rightHandSide(fn, b, d);
  forwardSubstitute(l, d, x, k);
  return wrapLike(b, x, d, k);
}

/** Solves `U X = B` by back substitution using the upper triangle of `u`; returns a new X shaped like B. */
export function solveUpperTriangular<B extends RightHandSide>(u: Tensor<Float64Array>, b: B): B {
  const fn = 'solveUpperTriangular';
  const d = expectTriangular(fn, u);
  const [x, k] = rightHandSide(fn, b, d);
  backSubstitute(u, d, x, k, false);
  return wrapLike(b, x, d, k);
}

/** Solves `A X = B` given the Cholesky factor `L` of A (`L Lᵀ X = B`); returns a new X shaped like B. */
export function choleskySolve<B extends RightHandSide>(l: Tensor<Float64Array>, b: B): B {
  const fn = 'choleskySolve';
  const d = expectTriangular(fn, l);
  const [x, k] = rightHandSide(fn, b, d);
  forwardSubstitute(l, d, x, k);
  backSubstitute(l, d, x, k, true);
  return wrapLike(b, x, d, k);
}

/** `ln det A = 2 Σ ln L_ii` from the Cholesky factor of A. */
export function logDetFromCholesky(l: Tensor<Float64Array>): number {
  const d = expectTriangular('logDetFromCholesky', l);
  let sum = 0;
  for (let i = 0; i < d; i++) sum += log(Math.abs(l.data[l.offset + i * l.stride[0]! + i * l.stride[1]!]!));
  return 2 * sum;
}

/** In place on row-major `d × k` x: x ← L⁻¹ x. */
function forwardSubstitute(l: Tensor<Float64Array>, d: number, x: Float64Array, k: number): void {
  const [s0, s1] = l.stride as [number, number];
  for (let i = 0; i < d; i++) {
    const row = l.offset + i * s0;
    for (let j = 0; j < k; j++) {
      let sum = x[i * k + j]!;
      for (let p = 0; p < i; p++) sum -= l.data[row + p * s1]! * x[p * k + j]!;
      x[i * k + j] = sum / l.data[row + i * s1]!;
    }
  }
}

/** In place: x ← U⁻¹ x, where U is the upper triangle of `t`, or Lᵀ from its lower triangle when `transposed`. */
function backSubstitute(t: Tensor<Float64Array>, d: number, x: Float64Array, k: number, transposed: boolean): void {
  const [r0, r1] = t.stride as [number, number];
  const [s0, s1] = transposed ? [r1, r0] : [r0, r1];
  for (let i = d - 1; i >= 0; i--) {
    const row = t.offset + i * s0;
    for (let j = 0; j < k; j++) {
      let sum = x[i * k + j]!;
      for (let p = i + 1; p < d; p++) sum -= t.data[row + p * s1]! * x[p * k + j]!;
      x[i * k + j] = sum / t.data[row + i * s1]!;
    }
  }
}
