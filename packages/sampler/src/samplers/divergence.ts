/**
 * The divergence guard: every sampler run reports how many particles ended
 * outside a stated box (or non-finite), so a run that blew up never passes
 * silently.
 *
 * Default box, per coordinate `i`, in the space the sampler runs in:
 * `mean_i ± w_i`, `w_i = k·√(s_i² + v) + (1 − e^{−δ})|mean_i|`, or `[min_i − w_i, max_i + w_i]`
 * when the moments carry the data's range (point clouds, trained networks), with
 * `k = DEFAULT_DIVERGENCE_K = 10`, `(mean, std)` the score's `dataMoments`,
 * `s_i = max(std_i, rms(std))` and `v = max(1 − e^{−2δ}, e^{2h} − 1)`, `h` the
 * grid's last step for a DDPM sampler that injects noise (0 for probability flow
 * and CLD). The sampler targets `q_δ`, whose coordinate `i` has mean
 * `e^{−δ}mean_i` and variance `e^{−2δ}std_i² + 1 − e^{−2δ} ≤ s_i² + v`, so the box
 * contains `q_δ`'s own `±k` standard deviations. The floor `rms(std)` (the data's
 * typical scale) keeps the box of a coordinate that is constant or nearly so in
 * the data (an image's border pixels) at the data's scale: divergence means
 * leaving the data's scale, not being noisy in a degenerate coordinate.
 *
 * The last step's noise: a DDPM step of size `h` adds independent Gaussian noise
 * of variance `e^{2h} − 1` (exponential integrator; `2h` for Euler–Maruyama and
 * less for ancestral) whatever the score, so on a coarse grid even a coordinate
 * that is constant in the data ends with that spread (a uniform grid of 20 steps
 * from T = 10 ends with noise std 1.31, 4.3 times the rms pixel std of 8×8
 * digits in pixel units). Without `v` such a run flags most particles although
 * the score is exact. Real divergence is not hidden by it: `v` is a property of
 * the grid, at most `e^{2h} − 1` (2.7 standard units at h = 1), while a diverging
 * run leaves the data's scale by orders of magnitude.
 *
 * The data's range: a coordinate that is nearly constant in the data (a pixel lit
 * in a few of the images) has rows tens of its standard deviations from its mean
 * (sklearn's 8×8 digits: 34 of 1797 rows have a pixel beyond mean ± 10 std), so a
 * box of `k` standard deviations alone flags genuine samples near those rows; it
 * is widened to contain every data row, plus the same margin `w_i`.
 *
 * False alarms: if the output law is Gaussian data's `q_δ` itself, a particle is
 * flagged with probability at most `d·erfc(k/√2)`, `1.5·10⁻²³·d` at `k = 10`
 * (so below `10⁻¹⁰` for `n·d` up to `10¹³` particle-coordinates). For other data
 * only Chebyshev's distribution-free `1/k² = 1%` per coordinate holds: a data
 * set with genuine outliers beyond 10 standard deviations needs a larger `k` or
 * an explicit box.
 *
 * Without `dataMoments` the box is that of the start law `N(0, I)`
 * (`mean = 0`, `std = 1`), i.e. `|x_i| ≤ k` up to the δ-widening.
 * @packageDocumentation
 */
import { InvalidArgumentError, expectPositive, expm1 } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import type { DataMoments } from '@sgmkit/score';

/** Default number of data standard deviations of the divergence box. */
export const DEFAULT_DIVERGENCE_K = 10;

/**
 * The box outside which a particle counts as diverged: `{ k }` standard
 * deviations of the data (see the module doc), or explicit per-coordinate
 * bounds `{ lower, upper }` in the space the sampler runs in (the standardised
 * space for a score with a `normalization`).
 */
export type DivergenceRegion =
  { readonly k: number } | { readonly lower: ArrayLike<number>; readonly upper: ArrayLike<number> };

/** A resolved box, as reported with the result. */
export interface ResolvedRegion {
  /** Per-coordinate lower bounds (sampling space). */
  readonly lower: Float64Array;
  /** Per-coordinate upper bounds (sampling space). */
  readonly upper: Float64Array;
  /** Where the box came from: the score's `dataMoments`, the start law `N(0, I)` (no moments), or the caller's bounds. */
  readonly source: 'data-moments' | 'start-law' | 'caller';
  /** The number of standard deviations, when the box was built from moments. */
  readonly k?: number;
}

/** How many particles left the box, reported by every sampler run. */
export interface DivergenceReport {
  /** Particles with a coordinate outside the box or non-finite. */
  readonly count: number;
  /** Of those, particles with a non-finite coordinate. */
  readonly nonFinite: number;
  /** `count / n`. */
  readonly fraction: number;
  /** The box. */
  readonly region: ResolvedRegion;
}

function boundsVector(fn: string, argument: string, value: unknown, d: number): Float64Array {
  if (
    value === null ||
    typeof value !== 'object' ||
    typeof (value as ArrayLike<number>).length !== 'number' ||
    (value as ArrayLike<number>).length !== d
  ) {
    throw new InvalidArgumentError(fn, argument, value, `an array of ${d} numbers`);
  }
  const out = Float64Array.from(value as ArrayLike<number>);
  for (let i = 0; i < d; i++) {
    const v = out[i]!;
    if (typeof (value as ArrayLike<unknown>)[i] !== 'number' || Number.isNaN(v))
      throw new InvalidArgumentError(
        fn,
        `${argument}[${i}]`,
        (value as ArrayLike<unknown>)[i],
        'a number (±Infinity allowed)',
      );
  }
  return out;
}

/** The moments the default box is built from: the score's, validated, or the start law's. */
function regionMoments(
  fn: string,
  moments: DataMoments | undefined,
  d: number,
): { mean: Float64Array; std: Float64Array; min?: Float64Array; max?: Float64Array; fromData: boolean } {
  if (moments === undefined) return { mean: new Float64Array(d), std: new Float64Array(d).fill(1), fromData: false };
  const { mean, std, min, max } = moments;
  if (!(mean instanceof Float64Array) || mean.length !== d || !mean.every(Number.isFinite)) {
    throw new InvalidArgumentError(fn, 'score.dataMoments.mean', mean, `a Float64Array of ${d} finite numbers`);
  }
  if (!(std instanceof Float64Array) || std.length !== d || !std.every((s) => Number.isFinite(s) && s >= 0)) {
    throw new InvalidArgumentError(fn, 'score.dataMoments.std', std, `a Float64Array of ${d} finite numbers >= 0`);
  }
  if (min === undefined && max === undefined) return { mean, std, fromData: true };
  if (!(min instanceof Float64Array) || min.length !== d || !min.every(Number.isFinite)) {
    throw new InvalidArgumentError(
      fn,
      'score.dataMoments.min',
      min,
      `a Float64Array of ${d} finite numbers (given with max)`,
    );
  }
  if (!(max instanceof Float64Array) || max.length !== d || !max.every((v, i) => Number.isFinite(v) && v >= min[i]!)) {
    throw new InvalidArgumentError(
      fn,
      'score.dataMoments.max',
      max,
      `a Float64Array of ${d} finite numbers >= min (given with min)`,
    );
  }
  return { mean, std, min, max, fromData: true };
}

/**
 * The per-coordinate noise variance the box allows for at the end of a run:
 * `max(1 − e^{−2δ}, e^{2h} − 1)`, `δ` the grid's last time and `h` its last
 * step when that step injects noise (0 otherwise).
 */
export function finalNoiseVariance(delta: number, lastNoisyStep: number): number {
  return Math.max(-expm1(-2 * delta), expm1(2 * lastNoisyStep));
}

/**
 * Resolves the `region` option of a sampler run of dimension `d` ending at
 * forward time `delta` whose last step, of size `lastNoisyStep`, injects noise
 * (0 when it does not: probability flow, CLD); see the module doc for the box.
 * @throws InvalidArgumentError for a malformed region or malformed data moments
 */
export function resolveRegion(
  fn: string,
  region: unknown,
  moments: DataMoments | undefined,
  d: number,
  delta: number,
  lastNoisyStep = 0,
): ResolvedRegion {
  if (region !== undefined && (region === null || typeof region !== 'object')) {
    throw new InvalidArgumentError(fn, 'options.region', region, 'an object { k } or { lower, upper }');
  }
  const r = region as Partial<{ k: unknown; lower: unknown; upper: unknown }> | undefined;
  if (r !== undefined && (r.lower !== undefined || r.upper !== undefined)) {
    if (r.k !== undefined)
      throw new InvalidArgumentError(fn, 'options.region.k', r.k, 'undefined when lower and upper are given');
    const lower = boundsVector(fn, 'options.region.lower', r.lower, d);
    const upper = boundsVector(fn, 'options.region.upper', r.upper, d);
    for (let i = 0; i < d; i++) {
      if (!(lower[i]! <= upper[i]!))
        throw new InvalidArgumentError(
          fn,
          `options.region.upper[${i}]`,
          upper[i],
          `a number >= options.region.lower[${i}] = ${lower[i]}`,
        );
    }
    return { lower, upper, source: 'caller' };
  }
  if (r !== undefined && r.k === undefined)
    throw new InvalidArgumentError(fn, 'options.region', region, 'an object { k } or { lower, upper }');
  const k = r === undefined ? DEFAULT_DIVERGENCE_K : expectPositive(fn, 'options.region.k', r.k);
  const { mean, std, min, max, fromData } = regionMoments(fn, moments, d);
  let meanSquare = 0;
  for (let i = 0; i < d; i++) meanSquare += std[i]! * std[i]!;
  const floor = Math.sqrt(meanSquare / d); // rms of the standard deviations
  const noiseVariance = finalNoiseVariance(delta, lastNoisyStep);
  const shrink = -expm1(-delta); // 1 − e^{−δ}
  const lower = new Float64Array(d);
  const upper = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    const s = Math.max(std[i]!, floor);
    const halfWidth = k * Math.sqrt(s * s + noiseVariance) + shrink * Math.abs(mean[i]!);
    // With the data's range known, the box is [min − w, max + w]: it contains every data row.
    lower[i] = Math.min(mean[i]!, min === undefined ? Infinity : min[i]!) - halfWidth;
    upper[i] = Math.max(mean[i]!, max === undefined ? -Infinity : max[i]!) + halfWidth;
  }
  return { lower, upper, source: fromData ? 'data-moments' : 'start-law', k };
}

/** Counts of one batch: particles outside the box (non-finite included), and non-finite ones. */
export interface DivergenceCounts {
  outside: number;
  nonFinite: number;
}

/**
 * Adds to `counts` the rows of the contiguous batch `b` with a coordinate
 * outside `[lower_i, upper_i]` or non-finite (`!(l ≤ v ≤ u)` is true for NaN).
 * One pass, no allocation.
 */
export function countOutside(b: Batch, lower: Float64Array, upper: Float64Array, counts: DivergenceCounts): void {
  const [n, d] = b.shape as [number, number];
  const data = b.data;
  for (let row = 0; row < n; row++) {
    const start = b.offset + row * d;
    let outside = false;
    let finite = true;
    for (let i = 0; i < d; i++) {
      const v = data[start + i]!;
      if (!(v >= lower[i]! && v <= upper[i]!)) {
        outside = true;
        if (!Number.isFinite(v)) finite = false;
      }
    }
    if (outside) counts.outside++;
    if (!finite) counts.nonFinite++;
  }
}

/** The report of a run of `n` particles. */
export function divergenceReport(counts: DivergenceCounts, n: number, region: ResolvedRegion): DivergenceReport {
  return { count: counts.outside, nonFinite: counts.nonFinite, fraction: counts.outside / n, region };
}

/**
 * Counts the rows of `samples` (an `n × d` contiguous batch in the space the
 * sampler ran in) that left `region`: for callers of the integrators
 * (`ddpmExponentialIntegrator`, …), which return only their evaluation count.
 * `options.delta` is the grid's last time and `options.lastNoisyStep` its last
 * step when that step injected noise (both default 0), as the samplers' own box.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { countDiverged, ddpmExponentialIntegrator, uniformGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = batch(1000, 2);
 * fillParticleNormals(y, 42, 0, 0);
 * ddpmExponentialIntegrator(score, y, uniformGrid(5, 100), { seed: 42 });
 * const { count, fraction } = countDiverged(y, score); // 0, 0 (box: 10 data standard deviations)
 * ```
 */
export function countDiverged(
  samples: Batch,
  score: { readonly dim: number; readonly dataMoments?: DataMoments },
  options: { readonly region?: DivergenceRegion; readonly delta?: number; readonly lastNoisyStep?: number } = {},
): DivergenceReport {
  const fn = 'countDiverged';
  if (score === null || typeof score !== 'object')
    throw new InvalidArgumentError(fn, 'score', score, 'a score { dim, dataMoments? }');
  const d = score.dim;
  if (
    samples === null ||
    typeof samples !== 'object' ||
    samples.shape?.length !== 2 ||
    samples.shape[1] !== d ||
    samples.stride?.[0] !== d ||
    samples.stride[1] !== 1
  ) {
    throw new InvalidArgumentError(fn, 'samples', samples, `a contiguous n × ${d} batch`);
  }
  const delta = options.delta === undefined ? 0 : options.delta;
  if (typeof delta !== 'number' || !(delta >= 0) || !Number.isFinite(delta))
    throw new InvalidArgumentError(fn, 'options.delta', delta, 'a finite number >= 0');
  const lastNoisyStep = options.lastNoisyStep === undefined ? 0 : options.lastNoisyStep;
  if (typeof lastNoisyStep !== 'number' || !(lastNoisyStep >= 0) || !Number.isFinite(lastNoisyStep)) {
    throw new InvalidArgumentError(fn, 'options.lastNoisyStep', lastNoisyStep, 'a finite number >= 0');
  }
  const region = resolveRegion(fn, options.region, score.dataMoments, d, delta, lastNoisyStep);
  const counts = { outside: 0, nonFinite: 0 };
  countOutside(samples, region.lower, region.upper, counts);
  return divergenceReport(counts, Math.max(1, samples.shape[0]!), region);
}
