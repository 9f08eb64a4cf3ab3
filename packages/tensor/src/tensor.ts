/**
 * The tensor core: a typed array plus shape, stride and offset, and nothing
 * more (as in scijs ndarray). Kernels take the raw `(data, offset, stride)`
 * so inner loops make no wrapper calls.
 * @packageDocumentation
 */
import ndarray from 'ndarray';
import type { NdArray } from 'ndarray';
import {
  allocating,
  DTypeMismatchError,
  InvalidArgumentError,
  NonContiguousError,
  ShapeMismatchError,
} from './errors.js';

/** Element types sgmkit computes in. Float32 paths keep their constants in double precision. */
export type DType = 'float64' | 'float32';

/** The typed arrays behind a tensor. */
export type FloatArray = Float64Array | Float32Array;

/** A strided view over a typed array. Plain data: copying the object is free, the buffer is shared. */
export interface Tensor<A extends FloatArray = FloatArray> {
  /** The backing buffer; element `(i, j)` lives at `offset + i*stride[0] + j*stride[1]`. */
  readonly data: A;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  readonly offset: number;
}

/**
 * A batch of `n` particles in `d` dimensions: a 2-D tensor of shape `[n, d]`.
 * Fused kernels need it contiguous row-major (`stride = [d, 1]`); any offset is fine.
 */
export type Batch<A extends FloatArray = FloatArray> = Tensor<A>;

/** Returns the dtype name of a typed array or tensor. */
export function dtypeOf(x: FloatArray | Tensor): DType {
  const data = ArrayBuffer.isView(x) ? x : x.data;
  return data instanceof Float32Array ? 'float32' : 'float64';
}

/** Allocates a typed array of the given dtype. */
export function allocate(dtype: 'float64', length: number): Float64Array;
export function allocate(dtype: 'float32', length: number): Float32Array;
export function allocate(dtype: DType, length: number): FloatArray;
export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(length) : new Float64Array(length);
}

/** Row-major strides for a shape. */
export function rowMajorStride(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    stride[k] = s;
    s *= shape[k]!;
  }
  return stride;
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const s of shape) p *= s;
  return p;
}

function checkShape(fn: string, shape: readonly number[]): void {
  if (
    !Array.isArray(shape) ||
    shape.length === 0 ||
    shape.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 0)
  ) {
    throw new ShapeMismatchError(fn, 'shape', shape, 'a non-empty array of non-negative integers');
  }
}

/** Wraps existing data as a tensor (zero copy). Defaults to row-major strides and offset 0. */
export function tensor<A extends FloatArray>(
  data: A,
  shape: readonly number[],
  strideArgument?: readonly number[],
  offset = 0,
): Tensor<A> {
  const fn = 'tensor';
  if (!(data instanceof Float64Array || data instanceof Float32Array)) {
    throw new DTypeMismatchError(fn, 'data', data, 'a Float64Array or Float32Array');
  }
  checkShape(fn, shape);
  // the default strides are computed only once the shape is known to be valid
  const stride = strideArgument ?? rowMajorStride(shape);
  if (!Array.isArray(stride))
    throw new ShapeMismatchError(fn, 'stride', stride, `an integer array of length ${shape.length}`);
  if (stride.length !== shape.length || stride.some((s) => !Number.isInteger(s))) {
    throw new ShapeMismatchError(fn, 'stride', stride, `an integer array of length ${shape.length}`);
  }
  if (!Number.isInteger(offset) || offset < 0) throw new InvalidArgumentError(fn, 'offset', offset, 'an integer >= 0');
  if (product(shape) > 0) {
    let lo = offset;
    let hi = offset;
    for (let k = 0; k < shape.length; k++) {
      const span = (shape[k]! - 1) * stride[k]!;
      if (span < 0) lo += span;
      else hi += span;
    }
    if (lo < 0 || hi >= data.length) {
      throw new ShapeMismatchError(
        fn,
        'shape',
        shape,
        `to fit in data of length ${data.length} with stride [${stride.join(', ')}] and offset ${offset}`,
      );
    }
  }
  return { data, shape: [...shape], stride: [...stride], offset };
}

/** A new zero-filled row-major tensor (float64 unless `dtype` says otherwise; the return type follows `dtype`). */
export function zeros(shape: readonly number[], dtype?: 'float64'): Tensor<Float64Array>;
export function zeros(shape: readonly number[], dtype: 'float32'): Tensor<Float32Array>;
export function zeros(shape: readonly number[], dtype?: DType): Tensor;
export function zeros(shape: readonly number[], dtype: DType = 'float64'): Tensor {
  checkShape('zeros', shape);
  const length = product(shape);
  const data = allocating('zeros', 'shape', shape, length * bytesPerElement(dtype), () => allocate(dtype, length));
  return { data, shape: [...shape], stride: rowMajorStride(shape), offset: 0 };
}

/** A new zero-filled `n × d` batch (float64 unless `dtype` says otherwise; the return type follows `dtype`). */
export function batch(n: number, d: number, dtype?: 'float64'): Batch<Float64Array>;
export function batch(n: number, d: number, dtype: 'float32'): Batch<Float32Array>;
export function batch(n: number, d: number, dtype?: DType): Batch;
export function batch(n: number, d: number, dtype: DType = 'float64'): Batch {
  return zeros([n, d], dtype);
}

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'float32' ? 4 : 8;
}

/**
 * A row-major tensor copied from nested arrays (`number[][]`) or a flat array with a shape.
 * Float64 unless `dtype` says otherwise; the return type follows `dtype`, so
 * `fromArray([[1, 0], [0, 1]])` is a `Tensor<Float64Array>` where a float64 matrix is required.
 * @example
 * ```ts
 * const covariance: Tensor<Float64Array> = fromArray([[1, 0.5], [0.5, 2]]);
 * const weights = fromArray([1, 2, 3, 4], [2, 2], 'float32'); // Tensor<Float32Array>
 * ```
 */
export function fromArray(values: readonly (readonly number[])[], dtype?: 'float64'): Tensor<Float64Array>;
export function fromArray(values: readonly (readonly number[])[], dtype: 'float32'): Tensor<Float32Array>;
export function fromArray(values: readonly (readonly number[])[], dtype?: DType): Tensor;
export function fromArray(values: ArrayLike<number>, shape: readonly number[], dtype?: 'float64'): Tensor<Float64Array>;
export function fromArray(values: ArrayLike<number>, shape: readonly number[], dtype: 'float32'): Tensor<Float32Array>;
export function fromArray(values: ArrayLike<number>, shape: readonly number[], dtype?: DType): Tensor;
export function fromArray(values: unknown, a?: unknown, b?: unknown): Tensor {
  if (Array.isArray(values) && Array.isArray(values[0])) {
    const rows = values as number[][];
    const dtype = (a as DType | undefined) ?? 'float64';
    const d = rows[0]!.length;
    const out = zeros([rows.length, d], dtype);
    rows.forEach((row, i) => {
      if (row.length !== d)
        throw new ShapeMismatchError('fromArray', `values[${i}]`, row, `an array of length ${d} like values[0]`);
      out.data.set(row, i * d);
    });
    return out;
  }
  const flat = values as ArrayLike<number>;
  const shape = a as number[];
  const dtype = (b as DType | undefined) ?? 'float64';
  checkShape('fromArray', shape);
  if (product(shape) !== flat.length)
    throw new ShapeMismatchError('fromArray', 'shape', shape, `to hold exactly ${flat.length} elements`);
  const out = zeros(shape, dtype);
  out.data.set(flat);
  return out;
}

/** True when the tensor is row-major contiguous (any offset). */
export function isContiguous(t: Tensor): boolean {
  let s = 1;
  for (let k = t.shape.length - 1; k >= 0; k--) {
    if (t.shape[k]! !== 1 && t.stride[k]! !== s) return false;
    s *= t.shape[k]!;
  }
  return true;
}

/** Number of elements. */
export function size(t: Tensor): number {
  return product(t.shape);
}

/** Element `(i, j)` of a 2-D tensor. Convenience accessor; kernels index `data` directly. */
export function get2(t: Tensor, i: number, j: number): number {
  return t.data[t.offset + i * t.stride[0]! + j * t.stride[1]!]!;
}

/** Sets element `(i, j)` of a 2-D tensor. */
export function set2(t: Tensor, i: number, j: number, value: number): void {
  t.data[t.offset + i * t.stride[0]! + j * t.stride[1]!] = value;
}

/** A zero-copy view of rows `[start, end)` of a 2-D tensor. */
export function rows<A extends FloatArray>(t: Tensor<A>, start: number, end: number): Tensor<A> {
  const n = t.shape[0]!;
  if (t.shape.length !== 2) throw new ShapeMismatchError('rows', 't', t, 'a 2-D tensor');
  if (!Number.isInteger(start) || start < 0 || start > n)
    throw new InvalidArgumentError('rows', 'start', start, `an integer in [0, ${n}]`);
  if (!Number.isInteger(end) || end < start || end > n)
    throw new InvalidArgumentError('rows', 'end', end, `an integer in [${start}, ${n}]`);
  return { data: t.data, shape: [end - start, t.shape[1]!], stride: t.stride, offset: t.offset + start * t.stride[0]! };
}

/** A zero-copy transposed view of a 2-D tensor. */
export function transpose<A extends FloatArray>(t: Tensor<A>): Tensor<A> {
  if (t.shape.length !== 2) throw new ShapeMismatchError('transpose', 't', t, 'a 2-D tensor');
  return { data: t.data, shape: [t.shape[1]!, t.shape[0]!], stride: [t.stride[1]!, t.stride[0]!], offset: t.offset };
}

/** A contiguous row-major copy (or the tensor itself when it already is one and `copy` is false). */
export function toContiguous<A extends FloatArray>(t: Tensor<A>, copy = false): Tensor<A> {
  if (!copy && isContiguous(t)) return t;
  const out = zeros(t.shape, dtypeOf(t)) as Tensor<A>;
  const idx = new Array<number>(t.shape.length).fill(0);
  const total = size(t);
  for (let flat = 0; flat < total; flat++) {
    let src = t.offset;
    for (let k = 0; k < idx.length; k++) src += idx[k]! * t.stride[k]!;
    out.data[flat] = t.data[src]!;
    for (let k = idx.length - 1; k >= 0; k--) {
      if (++idx[k]! < t.shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Copies a tensor's values out as nested arrays (`number[][]` for 2-D). */
export function toArray(t: Tensor): number[][] {
  if (t.shape.length !== 2) throw new ShapeMismatchError('toArray', 't', t, 'a 2-D tensor');
  const out: number[][] = [];
  for (let i = 0; i < t.shape[0]!; i++) {
    const row: number[] = [];
    for (let j = 0; j < t.shape[1]!; j++) row.push(get2(t, i, j));
    out.push(row);
  }
  return out;
}

/** Zero-copy view of an `ndarray` (float32 or float64 storage) as a tensor. */
export function fromNdarray(nd: NdArray): Tensor {
  const data = nd.data as unknown;
  if (!(data instanceof Float64Array || data instanceof Float32Array)) {
    throw new DTypeMismatchError('fromNdarray', 'nd', nd, 'an ndarray backed by a Float64Array or Float32Array');
  }
  return tensor(data, nd.shape, nd.stride, nd.offset);
}

/** Zero-copy view of a tensor as an `ndarray`, e.g. to hand to ndarray-ops. */
export function toNdarray<A extends FloatArray>(t: Tensor<A>): NdArray<A> {
  return ndarray(t.data, [...t.shape], [...t.stride], t.offset);
}

/**
 * Validates a batch argument: 2-D, float storage, contiguous row-major, and
 * (when given) the expected width `d` and row count `n`. Returns `[n, d]`: the
 * batch's own `shape` array, not a copy, so per-step validation allocates nothing.
 */
export function expectBatch(
  fn: string,
  argument: string,
  t: unknown,
  d?: number,
  n?: number,
): readonly [number, number] {
  const x = t as Tensor;
  if (
    !x ||
    typeof x !== 'object' ||
    !(x.data instanceof Float64Array || x.data instanceof Float32Array) ||
    !Array.isArray(x.shape)
  ) {
    throw new InvalidArgumentError(fn, argument, t, 'a tensor over a Float64Array or Float32Array');
  }
  if (x.shape.length !== 2) throw new ShapeMismatchError(fn, argument, t, 'a 2-D batch of shape [n, d]');
  if (d !== undefined && x.shape[1] !== d)
    throw new ShapeMismatchError(fn, argument, t, `a batch with d = ${d} columns`);
  if (n !== undefined && x.shape[0] !== n) throw new ShapeMismatchError(fn, argument, t, `a batch with n = ${n} rows`);
  if (!isContiguous(x)) throw new NonContiguousError(fn, argument, t);
  return x.shape as unknown as readonly [number, number];
}

/** Throws unless `b` has the same dtype as `a`. */
export function expectSameDType(fn: string, argument: string, a: Tensor, b: Tensor): void {
  if (dtypeOf(a) !== dtypeOf(b))
    throw new DTypeMismatchError(fn, argument, b, `of dtype ${dtypeOf(a)} like the other operands`);
}
