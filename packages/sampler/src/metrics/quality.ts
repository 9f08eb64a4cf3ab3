/**
 * The quality report of a learned run: how far the samples are from held-out
 * data, next to how far the training data itself is from it (the noise floor a
 * perfect model would reach with as many rows), and how close the samples sit
 * to the training rows compared with held-out rows (memorisation).
 *
 * Conventions:
 * - `train` are the rows the model was trained on, `heldOut` rows of the same
 *   law it never saw. The caller says which is which (the CLI's `--train` and
 *   `--reference`).
 * - Every set is standardised by the training rows' per-coordinate mean and
 *   standard deviation (1 for a constant coordinate) first, so no coordinate's
 *   units dominate the distances.
 * - Sliced W2 compares `min(n, m_train)` rows of the samples and of the
 *   training set against all held-out rows, so both figures carry the same
 *   finite-sample bias; the directions are the same for both.
 * - MMD² (Gaussian kernel, unbiased) uses at most `mmdRows` rows of each set
 *   and one bandwidth for both comparisons (the median heuristic on the
 *   training and held-out rows).
 * - Memorisation ratio: median nearest-training-row distance of the samples
 *   over that of the held-out rows. About 1 for a model that generalises; much
 *   below 1 when samples copy training rows. When more than half the held-out
 *   rows repeat a training row exactly (data with repeated rows: a law with
 *   atoms, e.g. low-resolution or binary images), the held-out median is 0 and
 *   the ratio is undefined: it is `null`, not `Infinity`.
 * - Closer than held-out: `P(D_s < D_h) + ½·P(D_s = D_h)` for the nearest-
 *   training distance `D_s` of a sample and `D_h` of a held-out row drawn
 *   independently (the Mann–Whitney statistic over all pairs). 1/2 for samples
 *   that sit as close to the training rows as fresh data, towards 1 when they
 *   copy them. Ties count half, so it is defined for any data, with repeated
 *   rows or not; `heldOutRepeats` is the fraction of held-out rows at distance 0.
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError, expectBatch, expectInteger, expectSeed } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import { medianDistance, mmd } from './mmd.js';
import { slicedWasserstein } from './sliced-wasserstein.js';
import { nearestNeighbourDistances } from './nearest-neighbour.js';

/** Options of {@link qualityReport}. */
export interface QualityReportOptions {
  /** Sliced-W2 directions (default 200). */
  readonly projections?: number;
  /** Seed of the directions (default 0). */
  readonly seed?: number;
  /** Most rows of each set in the O(n²) MMD (default 1000). */
  readonly mmdRows?: number;
}

/** Distances of one set to the held-out rows. */
export interface SetDistances {
  /** Rows of the set used for sliced W2. */
  readonly rows: number;
  /** Sliced W2 to the held-out rows, and its Monte Carlo standard error over directions (of `SW2²`). */
  readonly slicedW2: number;
  readonly slicedW2SquaredStandardError: number;
  /** Unbiased MMD² to the held-out rows. */
  readonly mmdSquared: number;
}

/** Nearest-training-row distances of one set (standardised units). */
export interface NearestSummary {
  readonly median: number;
  readonly mean: number;
  /** 5% quantile: the closest copies. */
  readonly quantile05: number;
}

/** What {@link qualityReport} returns. */
export interface QualityReport {
  /** Samples against held-out rows. */
  readonly samples: SetDistances;
  /** Training rows against held-out rows: the noise floor. */
  readonly noiseFloor: SetDistances;
  /** `samples.slicedW2 / noiseFloor.slicedW2`. */
  readonly slicedW2Ratio: number;
  /** The MMD kernel's bandwidth (standardised units). */
  readonly mmdBandwidth: number;
  /** Nearest-training-row distances of the samples and of the held-out rows. */
  readonly nearestTraining: { readonly samples: NearestSummary; readonly heldOut: NearestSummary };
  /**
   * `nearestTraining.samples.median / nearestTraining.heldOut.median`; `null` when the held-out median is 0
   * (over half the held-out rows repeat a training row: use `closerThanHeldOut`).
   */
  readonly memorisationRatio: number | null;
  /** `P(D_s < D_h) + ½P(D_s = D_h)` over all (sample, held-out row) pairs: 1/2 like fresh data, → 1 copying. */
  readonly closerThanHeldOut: number;
  /** Fraction of held-out rows that repeat a training row exactly (nearest distance 0). */
  readonly heldOutRepeats: number;
}

/**
 * `P(A < B) + ½·P(A = B)` for A uniform over `a` and B uniform over `b` (all pairs), by sorting `b` and two
 * binary searches per element of `a`.
 */
export function probabilityLess(a: Float64Array, b: Float64Array): number {
  const sorted = Float64Array.from(b).sort();
  const firstAtLeast = (v: number, strict: boolean): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (strict ? sorted[mid]! <= v : sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  let wins = 0;
  for (const v of a) {
    const below = firstAtLeast(v, false); // b < v
    const notAbove = firstAtLeast(v, true); // b ≤ v
    wins += sorted.length - notAbove + 0.5 * (notAbove - below);
  }
  return wins / (a.length * sorted.length);
}

/** Per-coordinate mean and standard deviation (1 where constant) of a batch. */
function standardisation(b: Batch): { mean: Float64Array; std: Float64Array } {
  const [n, d] = b.shape as [number, number];
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) mean[i] += b.data[b.offset + r * d + i]!;
  for (let i = 0; i < d; i++) mean[i] /= n;
  for (let r = 0; r < n; r++) for (let i = 0; i < d; i++) std[i] += (b.data[b.offset + r * d + i]! - mean[i]!) ** 2;
  for (let i = 0; i < d; i++) std[i] = n > 1 && std[i]! > 0 ? Math.sqrt(std[i]! / (n - 1)) : 1;
  return { mean, std };
}

/** The first `rows` rows of `b`, standardised, as a fresh float64 batch. */
function standardised(b: Batch, rows: number, s: { mean: Float64Array; std: Float64Array }): Batch {
  const d = b.shape[1]!;
  const data = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < d; i++) data[r * d + i] = (b.data[b.offset + r * d + i]! - s.mean[i]!) / s.std[i]!;
  return { data, shape: [rows, d], stride: [d, 1], offset: 0 };
}

function head(b: Batch, rows: number): Batch {
  const d = b.shape[1]!;
  return { data: b.data, shape: [rows, d], stride: [d, 1], offset: b.offset };
}

function summary(distances: Float64Array): NearestSummary {
  const sorted = Float64Array.from(distances).sort();
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { median: at(0.5), mean: sum / sorted.length, quantile05: at(0.05) };
}

/**
 * Quality of `samples` against held-out data, beside the training data's own
 * distance to it (see the module doc for every convention).
 * @throws InvalidArgumentError / ShapeMismatchError for non-batches, different widths, fewer than 2 rows in a set, a non-finite row, or bad options
 * @example
 * ```ts
 * const report = qualityReport(samples, trainRows, heldOutRows);
 * report.slicedW2Ratio;     // ≤ 1.5 is within 1.5× of the noise floor
 * report.memorisationRatio; // ≈ 1: no copying of training rows
 * ```
 */
export function qualityReport(
  samples: Batch,
  train: Batch,
  heldOut: Batch,
  options: QualityReportOptions = {},
): QualityReport {
  const fn = 'qualityReport';
  const [n, d] = expectBatch(fn, 'samples', samples);
  const [mTrain] = expectBatch(fn, 'train', train);
  const [mHeld] = expectBatch(fn, 'heldOut', heldOut);
  for (const [name, b] of [
    ['train', train],
    ['heldOut', heldOut],
  ] as const) {
    if (b.shape[1] !== d) throw new ShapeMismatchError(fn, name, b, `a batch with d = ${d} columns like samples`);
  }
  for (const [name, b, rows] of [
    ['samples', samples, n],
    ['train', train, mTrain],
    ['heldOut', heldOut, mHeld],
  ] as const) {
    if (rows < 2) throw new InvalidArgumentError(fn, name, b, 'a batch with at least 2 rows');
    const values = b.data.subarray(b.offset, b.offset + rows * d);
    if (!values.every(Number.isFinite))
      throw new InvalidArgumentError(fn, name, b, 'finite rows (drop or count diverged samples first)');
  }
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { projections?, seed?, mmdRows? }');
  const projections = expectInteger(fn, 'options.projections', options.projections ?? 200, 2);
  const seed = expectSeed(fn, 'options.seed', options.seed ?? 0);
  const mmdRows = expectInteger(fn, 'options.mmdRows', options.mmdRows ?? 1000, 2);
  const s = standardisation(train);
  const rows = Math.min(n, mTrain);
  const x = standardised(samples, n, s);
  const t = standardised(train, mTrain, s);
  const h = standardised(heldOut, mHeld, s);
  const mmdHeld = head(h, Math.min(mHeld, mmdRows));
  const bandwidth = medianDistance(head(t, Math.min(mTrain, mmdRows)), mmdHeld, d);
  const distances = (set: Batch): SetDistances => {
    const sw = slicedWasserstein(head(set, rows), h, { projections, seed });
    return {
      rows,
      slicedW2: sw.distance,
      slicedW2SquaredStandardError: sw.squaredStandardError,
      mmdSquared: mmd(head(set, Math.min(set.shape[0]!, mmdRows)), mmdHeld, { bandwidth }).squared,
    };
  };
  const sampleDistances = distances(x);
  const floor = distances(t);
  const sampleNearest = nearestNeighbourDistances(x, t);
  const heldNearest = nearestNeighbourDistances(h, t);
  const nearestSamples = summary(sampleNearest);
  const nearestHeld = summary(heldNearest);
  let repeats = 0;
  for (const v of heldNearest) if (v === 0) repeats++;
  return {
    samples: sampleDistances,
    noiseFloor: floor,
    slicedW2Ratio: sampleDistances.slicedW2 / floor.slicedW2,
    mmdBandwidth: bandwidth,
    nearestTraining: { samples: nearestSamples, heldOut: nearestHeld },
    memorisationRatio: nearestHeld.median > 0 ? nearestSamples.median / nearestHeld.median : null,
    closerThanHeldOut: probabilityLess(sampleNearest, heldNearest),
    heldOutRepeats: repeats / mHeld,
  };
}
