/**
 * Standardisation of training data and its inverse. A network trained on `y = N⁻¹(x)` learns the
 * score of the OU process started from the standardised data; samplers run in `y` and map each
 * final sample back with `x = N(y)` (see `DataNormalization` in `types.ts`).
 *
 * Why standardise: the OU forward process has unit stationary variance in every coordinate, so
 * raw coordinates with scales far from 1 (pixels in [0, 1] with std 0.01–0.4, tabular columns in
 * the thousands) give a score whose Lipschitz constant at small t is `1/Var` in some directions
 * and a forward process that has barely moved in others; both make the learned score's errors
 * blow up in the reverse SDE (see docs/learned-scores.md for the measured effect).
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError, expectBatch, symmetricEigen, type Batch } from '@sgmkit/tensor';
import type { DataMoments, DataNormalization } from '../types.js';
import { columnRange } from '../analytic/data-moments.js';

/** Which standardisation `fitNormalization` fits. */
export type NormalizationKind = 'affine' | 'whitening';

/**
 * A coordinate whose standard deviation is at most this fraction of the largest one (or 0) is
 * treated as constant: its scale is set to the mean scale of the others, so it is not divided by
 * (nearly) zero.
 */
export const CONSTANT_COORDINATE_TOLERANCE = 1e-12;

/** Options of {@link fitNormalization}. */
export interface FitNormalizationOptions {
  /**
   * Standard deviation of each standardised coordinate (`scale = std/standardizedStd`), unless the range
   * cap below binds. Default 1.
   */
  readonly standardizedStd?: number;
  /**
   * Largest range `(max − min)/scale` a coordinate may span in the standardised space: each scale is
   * `max(std/standardizedStd, (max − min)/maxStandardizedRange)`. A coordinate that is nearly constant with
   * rare large values (an image border pixel lit in a few images) has a tiny std; dividing by it alone
   * stretches its values over tens of units. Default `Infinity` (no cap).
   */
  readonly maxStandardizedRange?: number;
}

/** Whitening floors the covariance eigenvalues at this fraction of the largest one, so the map stays invertible. */
export const WHITENING_EIGENVALUE_FLOOR = 1e-8;

/**
 * Fits a standardisation to the rows of `data` (n × d, n ≥ 2):
 * - `'affine'`: `x = mean + scale ⊙ y` with the per-coordinate sample mean and `scale =
 *   max(std/standardizedStd, range/maxStandardizedRange)` (std with divisor n; with the default options the
 *   plain std; a constant coordinate gets the mean scale of the others).
 * - `'whitening'`: `x = mean + diag(s)·C^{1/2} y` with `s` the affine scales and `C^{1/2}` the symmetric
 *   square root of the sample correlation matrix, eigenvalues floored at `WHITENING_EIGENVALUE_FLOOR`
 *   of the largest (so the standardised data have covariance standardizedStd²·I on the non-degenerate directions).
 * @throws {InvalidArgumentError} bad kind, fewer than 2 rows, non-finite data
 * @example
 * ```ts
 * const normalization = fitNormalization(data, 'affine');
 * const y = standardizeBatch(normalization, data);   // per-coordinate mean 0, std 1
 * ```
 */
export function fitNormalization(
  data: Batch,
  kind: NormalizationKind = 'affine',
  options: FitNormalizationOptions = {},
): DataNormalization {
  const fn = 'fitNormalization';
  const [n, d] = expectBatch(fn, 'data', data);
  if (n < 2) throw new InvalidArgumentError(fn, 'data', data, 'a batch with at least 2 rows');
  if (kind !== 'affine' && kind !== 'whitening')
    throw new InvalidArgumentError(fn, 'kind', kind, "'affine' or 'whitening'");
  if (typeof options !== 'object' || options === null)
    throw new InvalidArgumentError(fn, 'options', options, 'an options object');
  const maxRange = options.maxStandardizedRange ?? Infinity;
  if (typeof maxRange !== 'number' || !(maxRange > 0))
    throw new InvalidArgumentError(fn, 'options.maxStandardizedRange', maxRange, 'a number > 0 (Infinity: no floor)');
  const target = options.standardizedStd ?? 1;
  if (typeof target !== 'number' || !(target > 0 && target < Infinity))
    throw new InvalidArgumentError(fn, 'options.standardizedStd', target, 'a finite number > 0');
  expectFiniteData(fn, data, n, d);
  const mean = columnMeans(data, n, d);
  const scale = affineScales(data, mean, n, d, target, maxRange);
  if (kind === 'affine') return { kind, mean, scale };
  return { kind, mean, matrix: covarianceSquareRoot(data, mean, n, d, scale, target) };
}

/** `y = N⁻¹(x)` for every row: `(x − mean)/scale`, or `matrix⁻¹(x − mean)`. Returns a new float64 batch. */
export function standardizeBatch(normalization: DataNormalization, x: Batch): Batch<Float64Array> {
  const fn = 'standardizeBatch';
  const d = expectNormalization(fn, 'normalization', normalization);
  const [n] = expectBatch(fn, 'x', x, d);
  const out = new Float64Array(n * d);
  const centred = new Float64Array(d);
  const inverse =
    normalization.kind === 'whitening' ? invertMatrix(fn, 'normalization.matrix', normalization.matrix, d) : undefined;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) centred[j] = x.data[x.offset + i * d + j]! - normalization.mean[j]!;
    if (normalization.kind === 'affine') {
      for (let j = 0; j < d; j++) out[i * d + j] = centred[j]! / normalization.scale[j]!;
    } else {
      multiplyRow(inverse!, centred, d, out, i * d);
    }
  }
  return { data: out, shape: [n, d], stride: [d, 1], offset: 0 };
}

/** `x = N(y)` for every row of `y`, written into `out` (same shape; may be `y` itself). */
export function unstandardizeBatch(normalization: DataNormalization, y: Batch, out: Batch = y): Batch {
  const fn = 'unstandardizeBatch';
  const d = expectNormalization(fn, 'normalization', normalization);
  const [n] = expectBatch(fn, 'y', y, d);
  expectBatch(fn, 'out', out, d, n);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = y.data[y.offset + i * d + j]!;
    unstandardizeRow(normalization, row, d, out.data, out.offset + i * d);
  }
  return out;
}

/** Writes `N(y)` for one row `y` (length d) into `out[offset…]`: the kernel of `unstandardizeBatch`. */
export function unstandardizeRow(
  normalization: DataNormalization,
  y: Float64Array,
  d: number,
  out: Float64Array | Float32Array,
  offset: number,
): void {
  const { mean } = normalization;
  if (normalization.kind === 'affine') {
    for (let j = 0; j < d; j++) out[offset + j] = mean[j]! + normalization.scale[j]! * y[j]!;
    return;
  }
  const m = normalization.matrix;
  for (let j = 0; j < d; j++) {
    let sum = mean[j]!;
    for (let k = 0; k < d; k++) sum += m[j * d + k]! * y[k]!;
    out[offset + j] = sum;
  }
}

/** Per-coordinate mean and standard deviation (divisor n) of the rows of `data`. */
export function dataMomentsOf(data: Batch): DataMoments {
  const fn = 'dataMomentsOf';
  const [n, d] = expectBatch(fn, 'data', data);
  if (n < 1) throw new InvalidArgumentError(fn, 'data', data, 'a batch with at least 1 row');
  const mean = columnMeans(data, n, d);
  return { mean, std: columnStds(data, mean, n, d), ...columnRange(data.data, n, d, data.offset) };
}

/**
 * Checks a normalization (kind, finite entries, lengths, positive scales, invertible matrix)
 * and returns its dimension; `dim` when given must match.
 * @throws {InvalidArgumentError} naming `argument.<field>`
 */
export function expectNormalization(fn: string, argument: string, value: unknown, dim?: number): number {
  if (typeof value !== 'object' || value === null)
    throw new InvalidArgumentError(fn, argument, value, "a normalization { kind: 'affine' | 'whitening', ... }");
  const v = value as Record<string, unknown>;
  if (v.kind !== 'affine' && v.kind !== 'whitening')
    throw new InvalidArgumentError(fn, `${argument}.kind`, v.kind, "'affine' or 'whitening'");
  const mean = expectFiniteVector(fn, `${argument}.mean`, v.mean, dim);
  const d = mean.length;
  if (d === 0) throw new InvalidArgumentError(fn, `${argument}.mean`, v.mean, 'a non-empty Float64Array');
  if (v.kind === 'affine') {
    const scale = expectFiniteVector(fn, `${argument}.scale`, v.scale, d);
    scale.forEach((s, j) => {
      if (!(s > 0)) throw new InvalidArgumentError(fn, `${argument}.scale[${j}]`, s, 'a finite number > 0');
    });
  } else {
    expectFiniteVector(fn, `${argument}.matrix`, v.matrix, d * d);
    invertMatrix(fn, `${argument}.matrix`, v.matrix as Float64Array, d);
  }
  return d;
}

/** Checks data moments (finite means, finite std ≥ 0, both of length `dim`). */
export function expectDataMoments(fn: string, argument: string, value: unknown, dim: number): void {
  if (typeof value !== 'object' || value === null)
    throw new InvalidArgumentError(fn, argument, value, 'an object { mean, std }');
  const v = value as Record<string, unknown>;
  expectFiniteVector(fn, `${argument}.mean`, v.mean, dim);
  expectFiniteVector(fn, `${argument}.std`, v.std, dim).forEach((s, j) => {
    if (!(s >= 0)) throw new InvalidArgumentError(fn, `${argument}.std[${j}]`, s, 'a finite number >= 0');
  });
  if ((v.min === undefined) !== (v.max === undefined))
    throw new InvalidArgumentError(
      fn,
      `${argument}.${v.min === undefined ? 'min' : 'max'}`,
      undefined,
      'given with the other (min and max go together)',
    );
  if (v.min !== undefined) {
    const min = expectFiniteVector(fn, `${argument}.min`, v.min, dim);
    expectFiniteVector(fn, `${argument}.max`, v.max, dim).forEach((x, j) => {
      if (!(x >= min[j]!))
        throw new InvalidArgumentError(
          fn,
          `${argument}.max[${j}]`,
          x,
          `a finite number >= ${argument}.min[${j}] = ${min[j]}`,
        );
    });
  }
}

function expectFiniteVector(fn: string, argument: string, value: unknown, length?: number): Float64Array {
  if (!(value instanceof Float64Array))
    throw new InvalidArgumentError(
      fn,
      argument,
      value,
      `a Float64Array${length === undefined ? '' : ` of length ${length}`}`,
    );
  if (length !== undefined && value.length !== length)
    throw new ShapeMismatchError(fn, argument, value, `a Float64Array of length ${length}`);
  value.forEach((x, j) => {
    if (!Number.isFinite(x)) throw new InvalidArgumentError(fn, `${argument}[${j}]`, x, 'a finite number');
  });
  return value;
}

function expectFiniteData(fn: string, data: Batch, n: number, d: number): void {
  for (let i = 0; i < n * d; i++) {
    const v = data.data[data.offset + i]!;
    if (!Number.isFinite(v))
      throw new InvalidArgumentError(fn, `data[${Math.floor(i / d)}][${i % d}]`, v, 'a finite number');
  }
}

function columnMeans(data: Batch, n: number, d: number): Float64Array {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += data.data[data.offset + i * d + j]!;
  for (let j = 0; j < d; j++) mean[j] /= n;
  return mean;
}

function columnStds(data: Batch, mean: Float64Array, n: number, d: number): Float64Array {
  const std = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const c = data.data[data.offset + i * d + j]! - mean[j]!;
      std[j] += c * c;
    }
  }
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]! / n);
  return std;
}

/**
 * Per-coordinate scales `max(std/target, range/maxRange)`: the standardised coordinate has std
 * `target` unless its range would then exceed `maxRange`. A constant coordinate gets the mean of the
 * other coordinates' `std/target` (1 when every coordinate is constant). Its standardised data are 0
 * whatever the scale, but the sampler's output carries noise σ_δ in every standardised coordinate,
 * and this keeps that noise in the data's own units rather than in units of 1.
 */
function affineScales(
  data: Batch,
  mean: Float64Array,
  n: number,
  d: number,
  target: number,
  maxRange: number,
): Float64Array {
  const std = columnStds(data, mean, n, d);
  const largest = std.reduce((a, s) => Math.max(a, s), 0);
  const constant = (s: number) => !(s > CONSTANT_COORDINATE_TOLERANCE * largest);
  const varying = std.filter((s) => !constant(s));
  const typical = varying.length > 0 ? varying.reduce((a, s) => a + s, 0) / varying.length / target : 1;
  const { min, max } = columnRange(data.data, n, d, data.offset);
  const scale = new Float64Array(d);
  for (let j = 0; j < d; j++)
    scale[j] = constant(std[j]!) ? typical : Math.max(std[j]! / target, (max[j]! - min[j]!) / maxRange);
  return scale;
}

/**
 * `diag(scale)·C^{1/2}` with C the sample correlation matrix (covariance of the per-coordinate
 * standardised data) and `C^{1/2} = V diag(√max(λ, floor)) Vᵀ`. Working on C rather than the raw
 * covariance keeps the eigenvalue floor relative to unit-scale coordinates, so a column in units
 * of 1e-3 next to one in units of 1e3 is whitened, not floored away.
 */
function covarianceSquareRoot(
  data: Batch,
  mean: Float64Array,
  n: number,
  d: number,
  scale: Float64Array,
  target: number,
): Float64Array {
  // The correlation is taken on unit-std coordinates (scale·target); the map diag(scale)·C^{1/2} then gives
  // the standardised data covariance target²·I on the non-degenerate directions.
  const corr = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) c[j] = (data.data[data.offset + i * d + j]! - mean[j]!) / (scale[j]! * target);
    for (let j = 0; j < d; j++) for (let k = 0; k <= j; k++) corr[j * d + k] += c[j]! * c[k]!;
  }
  for (let j = 0; j < d; j++) {
    for (let k = 0; k <= j; k++) corr[j * d + k] = corr[k * d + j] = corr[j * d + k]! / n;
  }
  const { values, vectors } = symmetricEigen({ data: corr, shape: [d, d], stride: [d, 1], offset: 0 });
  const largest = Math.max(values[d - 1]!, 0);
  // All-constant data: no direction to whiten; the identity keeps the map invertible.
  const floor = largest > 0 ? WHITENING_EIGENVALUE_FLOOR * largest : 1;
  const root = new Float64Array(d);
  for (let k = 0; k < d; k++) root[k] = Math.sqrt(Math.max(values[k]!, floor));
  const v = vectors.data;
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      let sum = 0;
      for (let k = 0; k < d; k++) sum += v[i * d + k]! * root[k]! * v[j * d + k]!;
      out[i * d + j] = scale[i]! * sum;
    }
  }
  return out;
}

/** `out[offset + j] = Σ_k m[j, k] c[k]`. */
function multiplyRow(m: Float64Array, c: Float64Array, d: number, out: Float64Array, offset: number): void {
  for (let j = 0; j < d; j++) {
    let sum = 0;
    for (let k = 0; k < d; k++) sum += m[j * d + k]! * c[k]!;
    out[offset + j] = sum;
  }
}

/**
 * Inverse of a `d × d` row-major matrix by Gauss–Jordan elimination with partial pivoting (setup
 * code, O(d³)). A pivot below `1e-13 ·` the largest entry means the matrix is numerically singular.
 */
function invertMatrix(fn: string, argument: string, matrix: Float64Array, d: number): Float64Array {
  const a = Float64Array.from(matrix);
  const inv = new Float64Array(d * d);
  for (let i = 0; i < d; i++) inv[i * d + i] = 1;
  const largest = a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(a[r * d + col]!) > Math.abs(a[pivot * d + col]!)) pivot = r;
    const p = a[pivot * d + col]!;
    if (!(Math.abs(p) > 1e-13 * largest))
      throw new InvalidArgumentError(fn, argument, matrix, 'an invertible d × d matrix (it is numerically singular)');
    if (pivot !== col) swapRows(a, inv, pivot, col, d);
    for (let k = 0; k < d; k++) {
      a[col * d + k] = a[col * d + k]! / p;
      inv[col * d + k] = inv[col * d + k]! / p;
    }
    for (let r = 0; r < d; r++) {
      const f = a[r * d + col]!;
      if (r === col || f === 0) continue;
      for (let k = 0; k < d; k++) {
        a[r * d + k] = a[r * d + k]! - f * a[col * d + k]!;
        inv[r * d + k] = inv[r * d + k]! - f * inv[col * d + k]!;
      }
    }
  }
  return inv;
}

function swapRows(a: Float64Array, b: Float64Array, i: number, j: number, d: number): void {
  for (let k = 0; k < d; k++) {
    [a[i * d + k], a[j * d + k]] = [a[j * d + k]!, a[i * d + k]!];
    [b[i * d + k], b[j * d + k]] = [b[j * d + k]!, b[i * d + k]!];
  }
}
