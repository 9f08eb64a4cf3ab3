/**
 * Argument checks shared by the linear-algebra API functions.
 * @packageDocumentation
 */
import {
  DTypeMismatchError,
  InvalidArgumentError,
  NonContiguousError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
} from '../errors.js';
import { dtypeOf, isContiguous, type FloatArray, type Tensor } from '../tensor.js';

/** Throws unless `t` is a 2-D tensor over a Float64Array or Float32Array; returns its shape. */
export function expectMatrix(fn: string, argument: string, t: unknown): [number, number] {
  const x = t as Tensor;
  if (
    !x ||
    typeof x !== 'object' ||
    !(x.data instanceof Float64Array || x.data instanceof Float32Array) ||
    !Array.isArray(x.shape) ||
    !Array.isArray(x.stride)
  ) {
    throw new InvalidArgumentError(fn, argument, t, 'a tensor over a Float64Array or Float32Array');
  }
  if (x.shape.length !== 2) throw new ShapeMismatchError(fn, argument, t, 'a 2-D matrix');
  return [x.shape[0]!, x.shape[1]!];
}

/** Throws unless `t` is a square matrix; returns its order. */
export function expectSquare(fn: string, argument: string, t: unknown): number {
  const [rows, cols] = expectMatrix(fn, argument, t);
  if (rows !== cols) throw new ShapeMismatchError(fn, argument, t, 'a square matrix');
  return rows;
}

/** Throws unless `t` is a contiguous row-major matrix. */
export function expectContiguousMatrix(fn: string, argument: string, t: Tensor): void {
  if (!isContiguous(t)) throw new NonContiguousError(fn, argument, t);
}

/** Throws unless `x` is a Float64Array or Float32Array of the given length and dtype. */
export function expectVector(fn: string, argument: string, x: unknown, length: number, like?: Tensor): FloatArray {
  if (!(x instanceof Float64Array || x instanceof Float32Array))
    throw new InvalidArgumentError(fn, argument, x, 'a Float64Array or Float32Array');
  if (x.length !== length) throw new ShapeMismatchError(fn, argument, x, `a vector of length ${length}`);
  if (like && dtypeOf(x) !== dtypeOf(like))
    throw new DTypeMismatchError(fn, argument, x, `of dtype ${dtypeOf(like)} like the matrix`);
  return x;
}

/** Copies a square matrix (any strides, either dtype) into a new row-major Float64Array. */
export function copySquareToFloat64(a: Tensor, d: number): Float64Array {
  const out = new Float64Array(d * d);
  const [s0, s1] = a.stride as [number, number];
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = a.data[a.offset + i * s0 + j * s1]!;
  return out;
}

/** Throws an InvalidArgumentError naming the first non-finite entry of a row-major square matrix. */
export function expectFiniteMatrix(fn: string, argument: string, values: Float64Array, d: number): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) {
      throw new InvalidArgumentError(fn, `${argument}[${Math.floor(i / d)}][${i % d}]`, values[i], 'a finite number');
    }
  }
}

/**
 * Relative asymmetry accepted as rounding: matrices assembled in floating point
 * (products, inverses) are symmetric only up to a few ulps of their largest entry.
 */
export const SYMMETRY_TOLERANCE = 1e-10;

/** Index pair `[i, j]` of the first entry with `|a_ij − a_ji| > tol·max|a|`, or undefined when symmetric. */
export function findAsymmetry(values: Float64Array, d: number): [number, number] | undefined {
  let scale = 0;
  for (let i = 0; i < values.length; i++) scale = Math.max(scale, Math.abs(values[i]!));
  const tolerance = SYMMETRY_TOLERANCE * scale;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < i; j++) if (Math.abs(values[i * d + j]! - values[j * d + i]!) > tolerance) return [i, j];
  }
  return undefined;
}

/** Throws NotPositiveDefiniteError when the matrix is not symmetric. */
export function expectSymmetricForSpd(fn: string, argument: string, a: Tensor, values: Float64Array, d: number): void {
  const pair = findAsymmetry(values, d);
  if (pair) {
    const [i, j] = pair;
    throw new NotPositiveDefiniteError(
      fn,
      argument,
      a,
      i,
      `it is not symmetric: entry (${i}, ${j}) = ${values[i * d + j]} but (${j}, ${i}) = ${values[j * d + i]}`,
    );
  }
}
