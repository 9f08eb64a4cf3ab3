/**
 * Boundary checks shared by the analytic scores: times, evaluation batches and
 * parameter vectors. Each throws a typed error naming the caller's argument.
 * @packageDocumentation
 */
import {
  expectBatch,
  expectSameDType,
  InvalidArgumentError,
  ShapeMismatchError,
  toArray,
  type Batch,
  type Tensor,
} from '@sgmkit/tensor';

/** Forward time `t ≥ 0` (finite). */
export function expectTime(fn: string, t: unknown): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || !(t >= 0))
    throw new InvalidArgumentError(fn, 't', t, 'a finite forward time >= 0');
  return t;
}

/** Forward time `t > 0` (finite), for scores singular at `t = 0`. */
export function expectPositiveTime(fn: string, t: unknown, why: string): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || !(t > 0))
    throw new InvalidArgumentError(fn, 't', t, `a finite forward time > 0 (${why})`);
  return t;
}

/**
 * Smallest time at which the score of an empirical measure is evaluated: its `1/(1 − e^{−2t}) ≈ 1/(2t)`
 * multiplies squared distances, and below this it overflows double precision (NaN scores, silently).
 */
export const MIN_EMPIRICAL_TIME = 1e-300;

/** Throws unless `t` is a finite time `≥ MIN_EMPIRICAL_TIME`, for the scores of empirical measures (singular at 0). */
export function expectEmpiricalTime(fn: string, t: unknown): number {
  if (typeof t !== 'number' || !Number.isFinite(t) || !(t >= MIN_EMPIRICAL_TIME)) {
    throw new InvalidArgumentError(
      fn,
      't',
      t,
      `a finite forward time >= ${MIN_EMPIRICAL_TIME} (the score of an empirical measure is singular at t = 0, and 1/(1 − e^{−2t}) overflows below)`,
    );
  }
  return t;
}

/** True when two batches share storage over overlapping element ranges. */
function overlaps(a: Tensor, b: Tensor): boolean {
  if (a.data.buffer !== b.data.buffer) return false;
  const aStart = a.data.byteOffset + a.offset * a.data.BYTES_PER_ELEMENT;
  const bStart = b.data.byteOffset + b.offset * b.data.BYTES_PER_ELEMENT;
  const aEnd = aStart + a.shape[0]! * a.shape[1]! * a.data.BYTES_PER_ELEMENT;
  const bEnd = bStart + b.shape[0]! * b.shape[1]! * b.data.BYTES_PER_ELEMENT;
  return aStart < bEnd && bStart < aEnd;
}

/** Throws unless `out` (already shape-checked) has `input`'s dtype and does not overlap it. */
function expectSeparateOutput(fn: string, out: Batch, input: Batch, inputName: string): void {
  expectSameDType(fn, 'out', input, out);
  if (overlaps(input, out))
    throw new InvalidArgumentError(fn, 'out', out, `a batch that does not overlap '${inputName}'`);
}

/**
 * Checks an output batch against the (already checked) input batch it is computed from, and
 * optionally a second one: `n × d`, contiguous, same dtype, overlapping neither. Returns `n`.
 * Allocates nothing, as `evaluate` calls it on every call.
 */
export function expectOutputBatch(
  fn: string,
  d: number,
  out: unknown,
  input: Batch,
  inputName: string,
  second?: Batch,
  secondName = '',
): number {
  const n = input.shape[0]!;
  expectBatch(fn, 'out', out, d, n);
  expectSeparateOutput(fn, out as Batch, input, inputName);
  if (second) expectSeparateOutput(fn, out as Batch, second, secondName);
  return n;
}

/** Checks `x` (n × d) and `out` (n × d, same dtype, not overlapping x). Returns `n`. */
export function expectScoreBatches(fn: string, d: number, x: unknown, out: unknown): number {
  expectBatch(fn, 'x', x, d);
  return expectOutputBatch(fn, d, out, x as Batch, 'x');
}

/**
 * `jacobianTraceInto`'s arguments (`perRow` 1) and `jacobianDiagonalInto`'s (`perRow` d): `x` an `n × d` batch,
 * `out` a Float64Array with room for `n · perRow` values; returns n.
 */
export function expectTraceArguments(fn: string, d: number, x: unknown, out: unknown, perRow = 1): number {
  expectBatch(fn, 'x', x, d);
  const n = (x as Batch).shape[0]!;
  if (!(out instanceof Float64Array) || out.length < n * perRow) {
    const what = perRow === 1 ? 'one trace per row of x' : `the ${perRow} diagonal entries of each row of x`;
    throw new InvalidArgumentError(fn, 'out', out, `a Float64Array of length >= ${n * perRow} (${what})`);
  }
  return n;
}

/** A finite vector given as `number[]` or a typed array, copied to a Float64Array; `length` checked when given. */
export function toVector(fn: string, argument: string, value: unknown, length?: number): Float64Array {
  if (!(Array.isArray(value) || value instanceof Float64Array || value instanceof Float32Array)) {
    throw new InvalidArgumentError(fn, argument, value, 'an array of finite numbers');
  }
  const values = value as ArrayLike<unknown>;
  if (length !== undefined && values.length !== length)
    throw new ShapeMismatchError(fn, argument, value, `an array of length ${length}`);
  if (values.length === 0) throw new ShapeMismatchError(fn, argument, value, 'a non-empty array');
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new InvalidArgumentError(fn, `${argument}[${i}]`, v, 'a finite number');
    out[i] = v;
  }
  return out;
}

/** A non-empty array argument (of anything), for lists such as `means` or `points`. */
export function expectNonEmptyArray(fn: string, argument: string, value: unknown): readonly unknown[] {
  if (!Array.isArray(value) || value.length === 0)
    throw new InvalidArgumentError(fn, argument, value, 'a non-empty array');
  return value;
}

/** Plain `number[]` copy of a typed array, for JSON specs. */
export function toJsonArray(values: ArrayLike<number>): number[] {
  return Array.from(values);
}

/** Rows of an `m × d` tensor or nested arrays, validated and packed row-major (point-cloud score and sampler). */
export function parsePoints(fn: string, points: unknown): { m: number; d: number; values: Float64Array } {
  const t = points as Tensor;
  if (t && typeof t === 'object' && ArrayBuffer.isView((t as Tensor).data) && Array.isArray(t.shape)) {
    if (t.shape.length !== 2 || t.shape[0]! < 1 || t.shape[1]! < 1)
      throw new InvalidArgumentError(fn, 'points', points, 'a non-empty m × d tensor or array of points');
    return parsePoints(fn, toArray(t));
  }
  const list = expectNonEmptyArray(fn, 'points', points);
  const d = toVector(fn, 'points[0]', list[0]).length;
  const values = new Float64Array(list.length * d);
  list.forEach((p, j) => values.set(toVector(fn, `points[${j}]`, p, d), j * d));
  return { m: list.length, d, values };
}
