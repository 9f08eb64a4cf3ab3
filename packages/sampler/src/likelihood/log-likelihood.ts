/**
 * Model log-likelihood through the probability-flow ODE (Song et al. 2021, §D.2):
 * `log p(x) = log N(x_T; 0, I) + ∫_δ^T div f(t, x(t)) dt` with
 * `dx/dt = f(t, x) = −x − s(t, x)` started at `x(δ) = x` (forward OU clock). The
 * integrator is in `pf-ode.ts` (Runge–Kutta 4 on a fixed grid), the divergence
 * estimators in `divergence.ts`.
 * @packageDocumentation
 */
import {
  InvalidArgumentError,
  NonFiniteValueError,
  expectAllFinite,
  expectBatch,
  expectInteger,
  expectNonNegative,
  expectPositive,
  expectSeed,
  fillParticleNormals,
} from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import { expectScore, type Score } from '@sgmkit/score';
import { MAX_STEPS, expectGrid, uniformGrid } from '../schedules/grids.js';
import { LIKELIHOOD_PROBE_STREAM } from '../samplers/streams.js';
import { expectNormalization } from '../samplers/normalization.js';
import { DIVERGENCE_METHODS, type DivergenceMethod } from './divergence.js';
import { LOG_TWO, integrateChunk, type PFODEProblem } from './pf-ode.js';
import { standardisingMap } from './normalization.js';

/** Most Hutchinson probes per point. */
export const MAX_PROBES = 4096;
/** Largest dimension for which a non-affine score defaults to the coordinate-wise (`'finite-difference'`) divergence. */
export const FINITE_DIFFERENCE_DEFAULT_MAX_DIM = 16;
/** Rows integrated together by default (memory is a few `chunkSize × d` buffers). */
export const DEFAULT_LIKELIHOOD_CHUNK = 1024;

/** Options of {@link logLikelihood}. */
export interface LogLikelihoodOptions {
  /** Horizon `T > 0`, where the prior `N(0, I)` is put. */
  readonly T: number;
  /** Forward times `T = t_0 > … > t_N = δ ≥ 0` (the samplers' convention; integrated from `δ` up to `T`). Exclusive with `steps`. */
  readonly grid?: ArrayLike<number>;
  /** Number of uniform Runge–Kutta steps from `δ` to `T` (when `grid` is absent). */
  readonly steps?: number;
  /** Start time `δ ∈ [0, T)` of the uniform grid (default 0; learned scores need `δ > 0`). */
  readonly delta?: number;
  /**
   * Divergence: `'exact'` (needs `score.affineAt` or `score.jacobianTraceInto`: Gaussian, mixture and
   * point-cloud scores and networks have one), `'finite-difference'` (`2d` score evaluations per stage,
   * error ≈ 1e-10) or `'hutchinson'` (needs `seed`). Default ({@link defaultDivergenceOf}): `'exact'` for an
   * affine score, and for a score with `jacobianTraceInto` up to `d = FINITE_DIFFERENCE_DEFAULT_MAX_DIM`;
   * else `'finite-difference'` up to that dimension, else `'hutchinson'`.
   */
  readonly divergence?: DivergenceMethod;
  /** Hutchinson probes per point (default 1; at least 2 for a per-point standard error). */
  readonly probes?: number;
  /** Seed of the Hutchinson probes (uint32; required for `'hutchinson'`). */
  readonly seed?: number;
  /** Global index of `x`'s row 0: probes are addressed by `(seed, global row)`, as the samplers' noise. Default 0. */
  readonly firstRow?: number;
  /** Rows integrated together (default {@link DEFAULT_LIKELIHOOD_CHUNK}); the result does not depend on it. */
  readonly chunkSize?: number;
}

/** The mean over the data points, with its standard error. */
export interface LikelihoodSummary {
  /** Mean log-likelihood in nats. */
  readonly nats: number;
  /** Standard error of `nats`: sample standard deviation over the points (probe noise included) `/ √n`; for one point, its probe standard error. */
  readonly standardError: number;
  /** Negative log-likelihood in bits per dimension, `−nats / (d log 2)`. */
  readonly bitsPerDim: number;
  /** Standard error of `bitsPerDim`. */
  readonly bitsPerDimStandardError: number;
}

/** Result of {@link logLikelihood}. */
export interface LogLikelihoodResult {
  /** Per point: the log-likelihood in nats (the mean over the probes for Hutchinson), in data space. */
  readonly logLikelihood: Float64Array;
  /** Per point: the standard error over the Hutchinson probes; undefined with fewer than 2 probes (and for the deterministic methods). */
  readonly standardError: Float64Array | undefined;
  /** Per point: negative log-likelihood in bits per dimension. */
  readonly bitsPerDim: Float64Array;
  /** Mean over the points. */
  readonly mean: LikelihoodSummary;
  readonly divergence: DivergenceMethod;
  readonly probes: number;
  /** The grid used (forward times, decreasing). */
  readonly grid: Float64Array;
  /** Batched score evaluations per point. */
  readonly scoreEvaluations: number;
}

interface Resolved {
  readonly problem: PFODEProblem;
  readonly grid: Float64Array;
  readonly seed: number;
  readonly firstRow: number;
  readonly chunkSize: number;
}

function resolveGrid(fn: string, options: LogLikelihoodOptions, T: number): Float64Array {
  if (options.grid !== undefined) {
    if (options.steps !== undefined)
      throw new InvalidArgumentError(fn, 'options.steps', options.steps, 'undefined when options.grid is given');
    if (options.delta !== undefined)
      throw new InvalidArgumentError(
        fn,
        'options.delta',
        options.delta,
        'undefined when options.grid is given (the grid ends at δ)',
      );
    return expectGrid(fn, 'options.grid', options.grid, T);
  }
  if (options.steps === undefined)
    throw new InvalidArgumentError(fn, 'options.steps', options.steps, 'an integer >= 1 (or pass options.grid)');
  const steps = expectInteger(fn, 'options.steps', options.steps, 1, MAX_STEPS);
  const delta = expectNonNegative(fn, 'options.delta', options.delta ?? 0);
  if (!(delta < T)) throw new InvalidArgumentError(fn, 'options.delta', delta, `a number in [0, T = ${T})`);
  return uniformGrid(T, steps, delta);
}

/** The default divergence method (see {@link LogLikelihoodOptions.divergence}). */
export function defaultDivergence(exact: boolean, d: number): DivergenceMethod {
  return exact ? 'exact' : d <= FINITE_DIFFERENCE_DEFAULT_MAX_DIM ? 'finite-difference' : 'hutchinson';
}

/**
 * The default divergence method for `score`: `'exact'` for an affine score; for a score with
 * `jacobianTraceInto` up to `d = FINITE_DIFFERENCE_DEFAULT_MAX_DIM` (a network's trace costs `d` forward
 * passes per row and stage, so above that Hutchinson's few probes are the default; ask for `'exact'`
 * explicitly); else `'finite-difference'` up to that dimension and `'hutchinson'` above.
 */
export function defaultDivergenceOf(score: Score): DivergenceMethod {
  const small = score.dim <= FINITE_DIFFERENCE_DEFAULT_MAX_DIM;
  return defaultDivergence(typeof score.affineAt === 'function' || (small && hasExactDivergence(score)), score.dim);
}

/** Whether `score` gives its Jacobian trace exactly: an affine form, or `jacobianTraceInto`. */
export function hasExactDivergence(score: Score): boolean {
  return typeof score.affineAt === 'function' || typeof score.jacobianTraceInto === 'function';
}

function resolve(fn: string, score: Score, options: LogLikelihoodOptions, n: number): Resolved {
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an options object');
  const T = expectPositive(fn, 'options.T', options.T);
  const grid = resolveGrid(fn, options, T);
  const exact = hasExactDivergence(score);
  const divergence = options.divergence ?? defaultDivergenceOf(score);
  if (!DIVERGENCE_METHODS.includes(divergence)) {
    throw new InvalidArgumentError(
      fn,
      'options.divergence',
      divergence,
      `one of ${DIVERGENCE_METHODS.map((m) => `'${m}'`).join(', ')}`,
    );
  }
  if (divergence === 'exact' && !exact) {
    throw new InvalidArgumentError(
      fn,
      'options.divergence',
      divergence,
      "'hutchinson' or 'finite-difference' (this score cannot give its divergence exactly: 'exact' needs score.affineAt or score.jacobianTraceInto)",
    );
  }
  const hutchinson = divergence === 'hutchinson';
  if (!hutchinson && options.probes !== undefined)
    throw new InvalidArgumentError(
      fn,
      'options.probes',
      options.probes,
      "undefined unless options.divergence is 'hutchinson'",
    );
  const probes = hutchinson ? expectInteger(fn, 'options.probes', options.probes ?? 1, 1, MAX_PROBES) : 1;
  const seed = hutchinson ? expectSeed(fn, 'options.seed', options.seed) : 0;
  const firstRow =
    options.firstRow === undefined
      ? 0
      : expectInteger(fn, 'options.firstRow', options.firstRow, 0, Number.MAX_SAFE_INTEGER - (n - 1));
  const chunkSize =
    options.chunkSize === undefined
      ? DEFAULT_LIKELIHOOD_CHUNK
      : expectInteger(fn, 'options.chunkSize', options.chunkSize, 1);
  const times = Float64Array.from(grid).reverse();
  return { problem: { score, d: score.dim, times, divergence, probes }, grid, seed, firstRow, chunkSize };
}

/** Fills `out` (`n × K·d`) with the Rademacher probes of global rows `firstRow …`: the signs of particle-addressed normals. */
function rademacherProbes(out: Float64Array, n: number, width: number, seed: number, firstRow: number): void {
  fillParticleNormals(
    { data: out, shape: [n, width], stride: [width, 1], offset: 0 },
    seed,
    LIKELIHOOD_PROBE_STREAM,
    firstRow,
  );
  for (let p = 0; p < n * width; p++) out[p] = out[p]! < 0 ? -1 : 1;
}

function mean(values: Float64Array, start: number, count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[start + i]!;
  return sum / count;
}

/** Standard error of the mean of `count` values: `√(Σ (v − mean)² / (count − 1) / count)`. */
function standardErrorOfMean(values: Float64Array, start: number, count: number, m: number): number {
  let squares = 0;
  for (let i = 0; i < count; i++) {
    const deviation = values[start + i]! - m;
    squares += deviation * deviation;
  }
  return Math.sqrt(squares / (count - 1) / count);
}

function scoreEvaluationsPerPoint(problem: PFODEProblem): number {
  const stages = 4 * (problem.times.length - 1);
  const perStage =
    problem.divergence === 'finite-difference'
      ? 1 + 2 * problem.d
      : problem.divergence === 'hutchinson' && problem.score.affineAt === undefined
        ? 1 + 2 * problem.probes
        : 1;
  return stages * perStage;
}

/**
 * The model's log-likelihood of each row of `x` (data space), by integrating the
 * probability-flow ODE `dx/dt = −x − s(t, x)` from `δ` to `T` with the instantaneous
 * change of variables and the prior `N(0, I)` at `T`: with `δ > 0` it is the density
 * at `x` of the model of `q_δ`. Integrator: classical Runge–Kutta 4 (order 4) on the
 * given grid. Divergence: exact (affine scores), central differences along each
 * coordinate, or Hutchinson with Rademacher probes addressed by `(seed, global row)`
 * like the samplers' noise, so the same seed gives the same bits whatever `chunkSize`
 * and `firstRow` split. A score with a `normalization` is evaluated on the
 * standardised points and the result includes `−log |det A|` of the map.
 *
 * Bits per dimension are `−log p(x) / (d log 2)` of the continuous density (no
 * dequantisation offset).
 *
 * @param score - an OU score of dimension `d`
 * @param x - contiguous `n × d` batch of data points (float64 or float32)
 * @param options - horizon, grid, divergence method, probes and seed
 * @throws InvalidArgumentError for a bad score, batch or option
 * @throws NonFiniteValueError when the score returns a non-finite value or a result is not finite
 * @example
 * const score = gaussianScore({ mean: [1, -1], covariance: [[2, 0.5], [0.5, 1]] });
 * const x = fromArray([[0, 0], [1, -1]]);
 * const { mean } = logLikelihood(score, x, { T: 12, steps: 400 });
 * console.log(mean.nats, mean.bitsPerDim);
 */
export function logLikelihood(score: Score, x: Batch, options: LogLikelihoodOptions): LogLikelihoodResult {
  const fn = 'logLikelihood';
  expectScore(fn, 'score', score, { kind: 'ou' });
  const d = score.dim;
  const [n] = expectBatch(fn, 'x', x, d);
  if (n < 1) throw new InvalidArgumentError(fn, 'x', x, 'a batch with at least one row');
  expectAllFinite(fn, 'x.data', x.data.subarray(x.offset, x.offset + n * d));
  const normalization = expectNormalization(fn, 'score.normalization', score.normalization, d);
  const { problem, grid, seed, firstRow, chunkSize } = resolve(fn, score, options, n);
  const map = standardisingMap(fn, normalization, d);
  const K = problem.probes;
  const perProbe = new Float64Array(n * K);
  const width = K * d;
  for (let start = 0; start < n; start += chunkSize) {
    const rows = Math.min(chunkSize, n - start);
    const chunk = Float64Array.from(x.data.subarray(x.offset + start * d, x.offset + (start + rows) * d));
    map.apply(chunk, rows);
    let probes: Float64Array | undefined;
    if (problem.divergence === 'hutchinson') {
      probes = new Float64Array(rows * width);
      rademacherProbes(probes, rows, width, seed, firstRow + start);
    }
    const points: Batch<Float64Array> = { data: chunk, shape: [rows, d], stride: [d, 1], offset: 0 };
    integrateChunk(fn, problem, points, probes, firstRow + start, perProbe.subarray(start * K, (start + rows) * K));
  }
  return summarise(problem, grid, perProbe, n, map.logDeterminant);
}

function summarise(
  problem: PFODEProblem,
  grid: Float64Array,
  perProbe: Float64Array,
  n: number,
  logDeterminant: number,
): LogLikelihoodResult {
  const { d, probes: K, divergence } = problem;
  const bitsScale = 1 / (d * LOG_TWO);
  const logLikelihood = new Float64Array(n);
  const bitsPerDim = new Float64Array(n);
  const standardError = K > 1 ? new Float64Array(n) : undefined;
  for (let r = 0; r < n; r++) {
    const m = mean(perProbe, r * K, K);
    if (!Number.isFinite(m)) {
      throw new NonFiniteValueError(
        `logLikelihood: the log-likelihood of row ${r} is ${m} (the ODE solution left the floating-point range: refine the grid)`,
        `row ${r}`,
      );
    }
    logLikelihood[r] = m - logDeterminant;
    bitsPerDim[r] = -logLikelihood[r]! * bitsScale;
    if (standardError !== undefined) standardError[r] = standardErrorOfMean(perProbe, r * K, K, m);
  }
  const nats = mean(logLikelihood, 0, n);
  const se = n > 1 ? standardErrorOfMean(logLikelihood, 0, n, nats) : (standardError?.[0] ?? 0);
  return {
    logLikelihood,
    standardError,
    bitsPerDim,
    divergence,
    probes: K,
    grid,
    mean: { nats, standardError: se, bitsPerDim: -nats * bitsScale, bitsPerDimStandardError: se * bitsScale },
    scoreEvaluations: scoreEvaluationsPerPoint(problem),
  };
}
