/**
 * General matrix multiply, the validating API over the blocked kernel in `gemm-kernel.ts`.
 * @packageDocumentation
 */
import { DTypeMismatchError, InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import { dtypeOf, type FloatArray, type Tensor } from '../tensor.js';
import { expectFinite } from '../validate.js';
import { expectContiguousMatrix, expectMatrix, expectVector } from './checks.js';
import { gemmKernel, type MatrixOperand } from './gemm-kernel.js';

/** The operand `op(t)` as the kernel sees it: transposition folds into swapped strides. */
export function matrixOperand(t: Tensor, transposed: boolean): MatrixOperand {
  const [s0, s1] = t.stride as [number, number];
  return { data: t.data, offset: t.offset, rowStride: transposed ? s1 : s0, colStride: transposed ? s0 : s1 };
}

function sharesStorage(x: FloatArray, y: FloatArray): boolean {
  if (x.buffer !== y.buffer) return false;
  return x.byteOffset < y.byteOffset + y.byteLength && y.byteOffset < x.byteOffset + x.byteLength;
}

/**
 * `C ← α·op(A)·op(B) + β·C`, where `op(X)` is `X` or `Xᵀ`. A and B may be any strided
 * views; C must be contiguous row-major and must not share storage with A or B.
 * All three share one dtype. Float64 results are identical on both backends (`setGemmBackend`);
 * float32 products are accumulated in float32 by the wasm SIMD kernel (as BLAS sgemm does) and
 * in double by the scalar one.
 * β = 0 never reads C, so NaN or garbage in C is overwritten.
 * @throws {InvalidArgumentError} non-finite α or β, non-matrix operands, C aliasing A or B
 * @throws {ShapeMismatchError} when the inner or outer dimensions disagree
 * @throws {DTypeMismatchError} when the dtypes differ
 * @throws {NonContiguousError} when C is a strided view
 */
export function gemm(
  transA: boolean,
  transB: boolean,
  alpha: number,
  a: Tensor,
  b: Tensor,
  beta: number,
  c: Tensor,
): void {
  const fn = 'gemm';
  expectFinite(fn, 'alpha', alpha);
  expectFinite(fn, 'beta', beta);
  const [ar, ac] = expectMatrix(fn, 'a', a);
  const [br, bc] = expectMatrix(fn, 'b', b);
  const [cr, cc] = expectMatrix(fn, 'c', c);
  const [m, k] = transA ? [ac, ar] : [ar, ac];
  const [kb, n] = transB ? [bc, br] : [br, bc];
  if (kb !== k)
    throw new ShapeMismatchError(
      fn,
      'b',
      b,
      `${transB ? 'a transposed ' : 'a '}matrix with ${k} ${transB ? 'columns' : 'rows'} to match op(a) of shape [${m}, ${k}]`,
    );
  if (cr !== m || cc !== n) throw new ShapeMismatchError(fn, 'c', c, `a matrix of shape [${m}, ${n}] (op(a)·op(b))`);
  if (dtypeOf(b) !== dtypeOf(a)) throw new DTypeMismatchError(fn, 'b', b, `of dtype ${dtypeOf(a)} like a`);
  if (dtypeOf(c) !== dtypeOf(a)) throw new DTypeMismatchError(fn, 'c', c, `of dtype ${dtypeOf(a)} like a`);
  expectContiguousMatrix(fn, 'c', c);
  if (sharesStorage(c.data, a.data) || sharesStorage(c.data, b.data)) {
    throw new InvalidArgumentError(fn, 'c', c, 'a matrix whose storage does not overlap a or b');
  }
  gemmUnchecked(transA, transB, alpha, a, b, beta, c);
}

/** `gemm` without validation, for callers that checked their operands once up front (e.g. network layers). */
export function gemmUnchecked(
  transA: boolean,
  transB: boolean,
  alpha: number,
  a: Tensor,
  b: Tensor,
  beta: number,
  c: Tensor,
): void {
  const m = c.shape[0]!;
  const n = c.shape[1]!;
  const k = transA ? a.shape[0]! : a.shape[1]!;
  gemmKernel(m, n, k, alpha, matrixOperand(a, transA), matrixOperand(b, transB), beta, c.data, c.offset, n);
}

/**
 * `y ← α·op(A)·x + β·y` for a matrix A (any strides) and vectors x, y of A's dtype.
 * β = 0 never reads y. Sums are accumulated in double.
 */
export function gemv(trans: boolean, alpha: number, a: Tensor, x: FloatArray, beta: number, y: FloatArray): void {
  const fn = 'gemv';
  expectFinite(fn, 'alpha', alpha);
  expectFinite(fn, 'beta', beta);
  const [ar, ac] = expectMatrix(fn, 'a', a);
  const [m, k] = trans ? [ac, ar] : [ar, ac];
  expectVector(fn, 'x', x, k, a);
  expectVector(fn, 'y', y, m, a);
  if (sharesStorage(y, x) || sharesStorage(y, a.data))
    throw new InvalidArgumentError(fn, 'y', y, 'a vector whose storage does not overlap a or x');
  gemvKernel(m, k, alpha, matrixOperand(a, trans), x, beta, y);
}

/** Raw matrix-vector kernel over an operand with folded transpose. */
export function gemvKernel(
  m: number,
  k: number,
  alpha: number,
  a: MatrixOperand,
  x: FloatArray,
  beta: number,
  y: FloatArray,
): void {
  const { data, rowStride, colStride } = a;
  for (let i = 0; i < m; i++) {
    let sum = 0;
    let src = a.offset + i * rowStride;
    for (let p = 0; p < k; p++, src += colStride) sum += data[src]! * x[p]!;
    y[i] = beta === 0 ? alpha * sum : alpha * sum + beta * y[i]!;
  }
}
