/**
 * Maximum mean discrepancy between two samples with a Gaussian kernel: the unbiased
 * U-statistic estimate of `MMD²` (Gretton et al. 2012, Lemma 6 with all cross pairs).
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError, expectBatch } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';

/** Options of {@link mmd}. */
export interface MMDOptions {
  /** The only kernel: `k(a, b) = exp(−|a − b|² / (2σ²))`. */
  readonly kernel?: 'gaussian';
  /** `σ > 0`; when omitted, the median heuristic (see {@link mmd}). */
  readonly bandwidth?: number;
}

/** The estimate and the kernel it used. */
export interface MMDResult {
  /** Unbiased estimate of `MMD²` (can be slightly negative when the laws agree). */
  readonly squared: number;
  readonly bandwidth: number;
  readonly kernel: 'gaussian';
}

/** Pooled points the median heuristic looks at, at most: it is O(points²). */
export const MEDIAN_HEURISTIC_POINTS = 1000;

/**
 * Unbiased `MMD²_u = 1/(n(n−1)) Σ_{i≠j} k(x_i, x_j) + 1/(m(m−1)) Σ_{i≠j} k(y_i, y_j) − 2/(nm) Σ_{i,j} k(x_i, y_j)`
 * with the Gaussian kernel `k(a, b) = exp(−|a − b|²/(2σ²))`. Its expectation is exactly
 * `MMD²(p, q)`, 0 when the two laws are equal.
 *
 * Median heuristic (no `bandwidth`): `σ` = the median Euclidean distance over all pairs of
 * the pooled sample `[x; y]`, or, above {@link MEDIAN_HEURISTIC_POINTS} pooled points, over
 * pairs of that many pooled points at evenly spaced indices. A symmetric function of the
 * pooled sample, so `MMD²_u` stays unbiased under the null.
 * @throws {InvalidArgumentError} for non-batches, fewer than 2 rows, different widths, a bad kernel or bandwidth
 *
 * @example
 * ```ts
 * const { squared, bandwidth } = mmd(samples, reference); // median-heuristic bandwidth
 * ```
 */
export function mmd(x: Batch, y: Batch, options: MMDOptions = {}): MMDResult {
  const fn = 'mmd';
  const [n, d] = expectBatch(fn, 'x', x);
  const [m] = expectBatch(fn, 'y', y);
  if (y.shape[1] !== d) throw new ShapeMismatchError(fn, 'y', y, `a batch with d = ${d} columns like x`);
  if (n < 2)
    throw new InvalidArgumentError(fn, 'x', x, 'a batch with at least 2 rows (the unbiased estimate needs pairs)');
  if (m < 2)
    throw new InvalidArgumentError(fn, 'y', y, 'a batch with at least 2 rows (the unbiased estimate needs pairs)');
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { kernel?, bandwidth? }');
  if ((options.kernel ?? 'gaussian') !== 'gaussian')
    throw new InvalidArgumentError(fn, 'options.kernel', options.kernel, "'gaussian'");
  const bandwidth = options.bandwidth ?? medianDistance(x, y, d);
  if (typeof bandwidth !== 'number' || !Number.isFinite(bandwidth) || !(bandwidth > 0)) {
    throw new InvalidArgumentError(
      fn,
      options.bandwidth === undefined ? 'x' : 'options.bandwidth',
      options.bandwidth === undefined ? x : bandwidth,
      options.bandwidth === undefined
        ? 'samples with a positive median pairwise distance (the median heuristic gave 0)'
        : 'a finite number > 0',
    );
  }
  const scale = -1 / (2 * bandwidth * bandwidth);
  const within = (a: Batch, count: number) =>
    (2 * kernelSum(a, a, count, count, d, scale, true)) / (count * (count - 1));
  const cross = (2 * kernelSum(x, y, n, m, d, scale, false)) / (n * m);
  return { squared: within(x, n) + within(y, m) - cross, bandwidth, kernel: 'gaussian' };
}

/** `Σ_{i<j} k(a_i, a_j)` when `upper`, else `Σ_{i,j} k(a_i, b_j)`. */
function kernelSum(a: Batch, b: Batch, na: number, nb: number, d: number, scale: number, upper: boolean): number {
  const [ad, bd] = [a.data, b.data];
  let sum = 0;
  for (let i = 0; i < na; i++) {
    const ai = a.offset + i * d;
    for (let j = upper ? i + 1 : 0; j < nb; j++) {
      const bj = b.offset + j * d;
      let squared = 0;
      for (let k = 0; k < d; k++) {
        const diff = ad[ai + k]! - bd[bj + k]!;
        squared += diff * diff;
      }
      sum += Math.exp(scale * squared);
    }
  }
  return sum;
}

/** Median pairwise distance of the pooled sample (or of an evenly spaced subset of it). */
export function medianDistance(x: Batch, y: Batch, d: number): number {
  const [n, m] = [x.shape[0]!, y.shape[0]!];
  const total = n + m;
  const count = Math.min(total, MEDIAN_HEURISTIC_POINTS);
  const row = (k: number): [Batch, number] => (k < n ? [x, k] : [y, k - n]);
  const picked = Array.from({ length: count }, (_, k) => row(Math.floor((k * total) / count)));
  const distances = new Float64Array((count * (count - 1)) / 2);
  let p = 0;
  for (let i = 0; i < count; i++) {
    const [a, ia] = picked[i]!;
    for (let j = i + 1; j < count; j++) {
      const [b, jb] = picked[j]!;
      let squared = 0;
      for (let k = 0; k < d; k++) {
        const diff = a.data[a.offset + ia * d + k]! - b.data[b.offset + jb * d + k]!;
        squared += diff * diff;
      }
      distances[p++] = Math.sqrt(squared);
    }
  }
  distances.sort();
  const mid = distances.length >> 1;
  return distances.length % 2 === 1 ? distances[mid]! : 0.5 * (distances[mid - 1]! + distances[mid]!);
}
