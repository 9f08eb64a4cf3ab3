/**
 * Sliced 2-Wasserstein distance between two samples: the root of the average over
 * random directions θ of the exact 1-D `W2²` between the projected samples.
 * @packageDocumentation
 */
import {
  InvalidArgumentError,
  RandomStream,
  ShapeMismatchError,
  expectBatch,
  expectInteger,
  expectSeed,
} from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';

/** Options of {@link slicedWasserstein}. */
export interface SlicedWassersteinOptions {
  /** Number of random directions, ≥ 2 (so the Monte Carlo error can be estimated). */
  readonly projections: number;
  /** Seed of the directions: direction p is the normalised next `d` normals of `new RandomStream(seed, 0)`. */
  readonly seed: number;
}

/** The estimate and its Monte Carlo error over directions. */
export interface SlicedWassersteinResult {
  /** `SW2 = √(mean_θ W2²(θ·x, θ·y))`. */
  readonly distance: number;
  /** `mean_θ W2²(θ·x, θ·y)` (`SW2²`). */
  readonly squared: number;
  /** Standard error of `squared` over the random directions (sample sd / √projections). */
  readonly squaredStandardError: number;
}

/**
 * Monte Carlo sliced W2 between the empirical measures of `x` (`n × d`) and `y` (`m × d`;
 * `n ≠ m` allowed). Each projection's `W2²` is exact: the integral over `u ∈ (0, 1)` of the
 * squared difference of the two sorted samples' quantile functions, whose breakpoints are
 * `i/n` and `j/m`.
 * @throws {InvalidArgumentError} for non-batches, empty samples, different widths, bad projections or seed
 *
 * @example
 * ```ts
 * const { distance, squaredStandardError } = slicedWasserstein(samples, reference, { projections: 200, seed: 1 });
 * ```
 */
export function slicedWasserstein(x: Batch, y: Batch, options: SlicedWassersteinOptions): SlicedWassersteinResult {
  const fn = 'slicedWasserstein';
  const [n, d] = expectBatch(fn, 'x', x);
  const [m] = expectBatch(fn, 'y', y);
  if (y.shape[1] !== d) throw new ShapeMismatchError(fn, 'y', y, `a batch with d = ${d} columns like x`);
  if (n === 0) throw new InvalidArgumentError(fn, 'x', x, 'a batch with at least 1 row');
  if (m === 0) throw new InvalidArgumentError(fn, 'y', y, 'a batch with at least 1 row');
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { projections, seed }');
  const projections = expectInteger(fn, 'options.projections', options.projections, 2);
  const random = new RandomStream(expectSeed(fn, 'options.seed', options.seed), 0);
  const direction = new Float64Array(d);
  const [px, py] = [new Float64Array(n), new Float64Array(m)];
  let sum = 0;
  let sumSquares = 0;
  for (let p = 0; p < projections; p++) {
    randomDirection(random, direction);
    project(x, direction, px);
    project(y, direction, py);
    const w2 = sortedW2Squared(px.sort(), py.sort());
    sum += w2;
    sumSquares += w2 * w2;
  }
  const squared = sum / projections;
  const variance = Math.max(0, (sumSquares - projections * squared * squared) / (projections - 1));
  return { distance: Math.sqrt(squared), squared, squaredStandardError: Math.sqrt(variance / projections) };
}

/** A uniform direction on the sphere: a normalised standard normal vector. */
function randomDirection(random: RandomStream, out: Float64Array): void {
  let norm: number;
  do {
    norm = 0;
    for (let k = 0; k < out.length; k++) {
      out[k] = random.normal();
      norm += out[k]! * out[k]!;
    }
  } while (norm === 0);
  const scale = 1 / Math.sqrt(norm);
  for (let k = 0; k < out.length; k++) out[k] = out[k]! * scale;
}

function project(x: Batch, direction: Float64Array, out: Float64Array): void {
  const d = direction.length;
  for (let i = 0; i < out.length; i++) {
    let dot = 0;
    for (let k = 0; k < d; k++) dot += x.data[x.offset + i * d + k]! * direction[k]!;
    out[i] = dot;
  }
}

/**
 * Exact `W2²` between the uniform empirical measures of two sorted samples: walk the
 * merged breakpoints `i/n`, `j/m` (compared as integers `i·m` vs `j·n`, so ties are exact).
 */
export function sortedW2Squared(a: Float64Array, b: Float64Array): number {
  const [n, m] = [a.length, b.length];
  let [i, j, previous, sum] = [0, 0, 0, 0];
  while (i < n && j < m) {
    const [endA, endB] = [(i + 1) * m, (j + 1) * n];
    const end = Math.min(endA, endB);
    const difference = a[i]! - b[j]!;
    sum += (end - previous) * difference * difference;
    previous = end;
    if (endA === end) i++;
    if (endB === end) j++;
  }
  return sum / (n * m);
}
