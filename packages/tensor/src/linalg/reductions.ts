/**
 * Batch reductions (mean, covariance) over the rows of an `n × d` batch, accumulated in
 * double precision for float32 and float64 inputs alike.
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import { expectBatch, type Batch, type Tensor } from '../tensor.js';

/**
 * Mean of the rows. Sums deviations from the first row, so a large common offset
 * (e.g. data near 1e9) does not swamp the small spread in rounding error.
 */
export function batchMean(x: Batch): Float64Array {
  const [n, d] = expectBatch('batchMean', 'x', x);
  if (n === 0) throw new ShapeMismatchError('batchMean', 'x', x, 'a batch with at least 1 row');
  return shiftedMean(x, n, d);
}

function shiftedMean(x: Batch, n: number, d: number): Float64Array {
  const { data, offset } = x;
  const sum = new Float64Array(d);
  for (let i = 1; i < n; i++) {
    const row = offset + i * d;
    for (let j = 0; j < d; j++) sum[j] += data[row + j]! - data[offset + j]!;
  }
  for (let j = 0; j < d; j++) sum[j] = data[offset + j]! + sum[j]! / n;
  return sum;
}

/**
 * Sample covariance `Σ (x_i − m)(x_i − m)ᵀ / (n − 1)` by the two-pass algorithm: the mean
 * is computed first (stably, see `batchMean`), then centred products are summed, which
 * avoids the catastrophic cancellation of `E[xxᵀ] − mmᵀ`. Pass `mean` when the sample mean
 * is already known, to skip the first pass; it must be the sample mean of `x`.
 */
export function batchCovariance(x: Batch, mean?: Float64Array): Tensor<Float64Array> {
  const fn = 'batchCovariance';
  const [n, d] = expectBatch(fn, 'x', x);
  if (n < 2) throw new ShapeMismatchError(fn, 'x', x, 'a batch with at least 2 rows');
  if (mean !== undefined) {
    if (!(mean instanceof Float64Array)) throw new InvalidArgumentError(fn, 'mean', mean, 'a Float64Array');
    if (mean.length !== d) throw new ShapeMismatchError(fn, 'mean', mean, `a vector of length ${d}`);
  }
  const m = mean ?? shiftedMean(x, n, d);
  const sums = centredProductSums(x, n, d, m);
  const out = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) out[i * d + j] = out[j * d + i] = sums[i * d + j]! / (n - 1);
  }
  return { data: out, shape: [d, d], stride: [d, 1], offset: 0 };
}

/** Lower triangle of `Σ_i (x_i − m)(x_i − m)ᵀ`, row-major `d × d`. */
function centredProductSums(x: Batch, n: number, d: number, m: Float64Array): Float64Array {
  const { data, offset } = x;
  const sums = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let r = 0; r < n; r++) {
    const row = offset + r * d;
    for (let j = 0; j < d; j++) centred[j] = data[row + j]! - m[j]!;
    for (let i = 0; i < d; i++) {
      const ci = centred[i]!;
      for (let j = 0; j <= i; j++) sums[i * d + j] += ci * centred[j]!;
    }
  }
  return sums;
}
