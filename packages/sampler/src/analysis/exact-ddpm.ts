/**
 * The exact law of a DDPM sampler's output for Gaussian data `N(μ, Σ)` and an affine
 * score: every update is affine-Gaussian, so the output is Gaussian and its mean and
 * covariance follow the recursion `m ← A m + b`, `P ← A P Aᵀ + Q` exactly.
 * @packageDocumentation
 */
import {
  DDPM_LAYOUT,
  InvalidArgumentError,
  ShapeMismatchError,
  ddpmCoefficientsInto,
  expectAllFinite,
  langevinCoefficientsInto,
} from '@sgmkit/tensor';
import type { DDPMStepCoefficients } from '@sgmkit/tensor';
import { expectScore, type AffineScoreForm, type Score } from '@sgmkit/score';
import { applyAffineUpdate, scaledIdentity, type DenseLaw } from './affine-recursion.js';
import { expectFiniteLaw } from './finite-law.js';
import {
  denseCopy,
  eigenbasis,
  expectGaussianLaw,
  fromEigenCoordinates,
  fromEigenDiagonal,
  ouMarginal,
  ouVariance,
  squareMatrix,
  toEigenCoordinates,
  type Eigenbasis,
  type GaussianLaw,
} from './gaussian.js';
import { expectHorizonAndGrid, expectScoreError, type ResolvedScoreError, type ScoreErrorOptions } from './options.js';
import {
  expectDDPMMethod,
  isSingleStepDDPMMethod,
  type DDPMMethod,
  type DDPMSolverMethod,
  type SingleStepDDPMMethod,
} from '../samplers/methods.js';
import { solverRecursion } from './exact-ddpm-solvers.js';
import { expectCorrector, type LangevinCorrector } from '../samplers/common.js';

/**
 * Where the sampler starts: `'standard-normal'` (`N(0, I)`, the paper; default),
 * `'forward-marginal'` (`q_T`, which isolates discretisation from initialisation
 * error), or any Gaussian law.
 */
export type InitialLaw = 'standard-normal' | 'forward-marginal' | GaussianLaw;

/** Options of {@link exactDDPMLaw}. */
export interface ExactDDPMOptions {
  /** Horizon `T > 0`; `grid[0]` must equal it. */
  readonly T: number;
  /** Forward times `T = t_0 > … > t_N = δ ≥ 0` (a Float64Array or number array). */
  readonly grid: ArrayLike<number>;
  readonly method: DDPMMethod;
  /** Known affine error of the exact score: `(1 + scale)·∇ln q_t + bias`. */
  readonly scoreError?: ScoreErrorOptions;
  /** Langevin corrector after every predictor step. */
  readonly corrector?: LangevinCorrector;
  readonly init?: InitialLaw;
  /**
   * Use this score instead of the exact one; it must have `affineAt(t)` (e.g. a Gaussian,
   * biased or scaled score). Combined with `scoreError` when both are given.
   */
  readonly score?: Score;
}

/** One affine update of the schedule: its coefficients and the forward time its score is evaluated at. */
export interface ScheduledUpdate {
  readonly coefficients: DDPMStepCoefficients;
  readonly scoreTime: number;
}

/** The coefficients in `c` (layout `DDPM_LAYOUT`) as a record. */
function coefficientRecord(c: Float64Array): DDPMStepCoefficients {
  const { LINEAR, SCORE, NOISE, NOISE_VARIANCE } = DDPM_LAYOUT;
  return { linear: c[LINEAR]!, score: c[SCORE]!, noise: c[NOISE]!, noiseVariance: c[NOISE_VARIANCE]! };
}

/**
 * The sampler as a list of scalar-coefficient updates: for each step `k` the predictor
 * (score at `t_k`), then `m` corrector steps (score at `t_{k+1}`). The coefficients are
 * the samplers' own (`ddpmCoefficientsInto`, `langevinCoefficientsInto` of `@sgmkit/tensor`).
 */
export function ddpmUpdateSchedule(
  grid: Float64Array,
  method: SingleStepDDPMMethod,
  corrector?: LangevinCorrector,
): ScheduledUpdate[] {
  const schedule: ScheduledUpdate[] = [];
  const c = new Float64Array(DDPM_LAYOUT.LENGTH);
  const correctorCoefficients =
    corrector === undefined ? undefined : coefficientRecord(langevinCoefficientsInto(corrector.stepSize, c));
  for (let k = 0; k + 1 < grid.length; k++) {
    schedule.push({
      coefficients: coefficientRecord(ddpmCoefficientsInto(method, grid[k]!, grid[k + 1]!, c)),
      scoreTime: grid[k]!,
    });
    for (let j = 0; j < (corrector?.steps ?? 0); j++)
      schedule.push({ coefficients: correctorCoefficients!, scoreTime: grid[k + 1]! });
  }
  return schedule;
}

/**
 * Exact mean and covariance of the DDPM sampler's output for data `N(μ, Σ)`.
 *
 * With the exact score (optionally with a `scoreError`) and a standard-normal or
 * forward-marginal start, `Σ` is diagonalised once and each eigen-direction runs a
 * scalar recursion. With a user `score` (its `affineAt` need not commute with `Σ`) or a
 * general initial law, the full `d × d` recursion runs instead.
 * Updates: DEVELOPING.md "Sampler updates".
 * @throws {InvalidArgumentError} for a bad horizon, grid, method, corrector, score error, init or score
 * @throws {NotPositiveDefiniteError} when a covariance is not SPD
 *
 * @example
 * ```ts
 * import { exactDDPMLaw, gaussianKL, uniformGrid } from '@sgmkit/sampler';
 * const data = { mean: Float64Array.of(1, -1), covariance: { data: Float64Array.of(2, 0.5, 0.5, 1), shape: [2, 2], stride: [2, 1], offset: 0 } };
 * const out = exactDDPMLaw(data, { T: 5, grid: uniformGrid(5, 100), method: 'exponential-integrator' });
 * gaussianKL(out, data); // exact KL of the sampler's output to the data, no Monte Carlo error
 * ```
 */
export function exactDDPMLaw(data: GaussianLaw, options: ExactDDPMOptions): GaussianLaw {
  const fn = 'exactDDPMLaw';
  const d = expectGaussianLaw(fn, 'data', data);
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { T, grid, method, ... }');
  const grid = expectHorizonAndGrid(fn, options.T, options.grid);
  const method = expectDDPMMethod(fn, 'options.method', options.method);
  const corrector = expectCorrector(fn, 'options.corrector', options.corrector);
  const scoreError = expectScoreError(fn, options.scoreError, d);
  const init = options.init ?? 'standard-normal';
  if (typeof init !== 'string') expectGaussianLaw(fn, 'options.init', init, d);
  else if (init !== 'standard-normal' && init !== 'forward-marginal') {
    throw new InvalidArgumentError(
      fn,
      'options.init',
      init,
      "'standard-normal', 'forward-marginal' or a Gaussian law { mean, covariance }",
    );
  }
  if (options.score !== undefined)
    expectScore(fn, 'options.score', options.score, { kind: 'ou', dim: d, affine: true, otherKindUse: 'exactCLDLaw' });
  const basis = eigenbasis(data.covariance);
  if (!isSingleStepDDPMMethod(method))
    return expectFiniteLaw(fn, solverLaw(data, basis, method, grid, scoreError, init, options, corrector), grid);
  const schedule = ddpmUpdateSchedule(grid, method, corrector);
  if (options.score === undefined && typeof init === 'string') {
    return expectFiniteLaw(fn, eigenDirectionRecursion(data, basis, schedule, scoreError, init, options.T), grid);
  }
  const scoreAt = options.score ? userAffineScore(fn, options.score, d) : exactAffineScore(data, basis);
  return expectFiniteLaw(
    fn,
    denseRecursion(initialDenseLaw(data, init, options.T), schedule, withScoreError(scoreAt, scoreError)),
    grid,
  );
}

/**
 * The higher-order solvers' law: per eigen-direction (a 1-D joint recursion over the solver's history) when the
 * exact score and a standard-normal or forward-marginal start make the directions independent, else dense.
 */
function solverLaw(
  data: GaussianLaw,
  basis: Eigenbasis,
  method: DDPMSolverMethod,
  grid: Float64Array,
  error: ResolvedScoreError,
  init: InitialLaw,
  options: ExactDDPMOptions,
  corrector: LangevinCorrector | undefined,
): GaussianLaw {
  const d = data.mean.length;
  if (options.score === undefined && typeof init === 'string') {
    const mu = toEigenCoordinates(basis, data.mean);
    const bias = toEigenCoordinates(basis, error.bias);
    const mean = new Float64Array(d);
    const variance = new Float64Array(d);
    for (let i = 0; i < d; i++) {
      const lambda = basis.values[i]!;
      const start =
        init === 'forward-marginal'
          ? {
              mean: Float64Array.of(Math.exp(-options.T) * mu[i]!),
              covariance: Float64Array.of(ouVariance(lambda, options.T)),
            }
          : { mean: Float64Array.of(0), covariance: Float64Array.of(1) };
      const scoreAt = (t: number): AffineScoreForm => {
        const [slope, offset] = eigenScore(lambda, mu[i]!, t);
        return {
          matrix: Float64Array.of((1 + error.scale) * slope),
          offset: Float64Array.of((1 + error.scale) * offset + bias[i]!),
        };
      };
      const out = solverRecursion(method, grid, start, scoreAt, corrector);
      mean[i] = out.mean[0]!;
      variance[i] = out.covariance[0]!;
    }
    return { mean: fromEigenCoordinates(basis, mean), covariance: fromEigenDiagonal(basis, variance) };
  }
  const scoreAt = options.score ? userAffineScore('exactDDPMLaw', options.score, d) : exactAffineScore(data, basis);
  const start = initialDenseLaw(data, init, options.T);
  const out = solverRecursion(
    method,
    grid,
    { mean: start.mean, covariance: start.covariance },
    withScoreError(scoreAt, error),
    corrector,
  );
  return { mean: out.mean, covariance: squareMatrix(d, out.covariance) };
}

/** Exact score of `N(μ, Σ)` at OU time t in eigen-coordinates: `s_i(y) = slope_i y_i + offset_i`. */
function eigenScore(lambda: number, meanCoordinate: number, t: number): [number, number] {
  const variance = ouVariance(lambda, t);
  return [-1 / variance, (Math.exp(-t) * meanCoordinate) / variance];
}

/** The scalar recursion of every eigen-direction; the score error enters as `(1 + scale)·s + bias`. */
function eigenDirectionRecursion(
  data: GaussianLaw,
  basis: Eigenbasis,
  schedule: ScheduledUpdate[],
  error: ResolvedScoreError,
  init: 'standard-normal' | 'forward-marginal',
  T: number,
): GaussianLaw {
  const d = data.mean.length;
  const mu = toEigenCoordinates(basis, data.mean);
  const bias = toEigenCoordinates(basis, error.bias);
  const mean = new Float64Array(d);
  const variance = new Float64Array(d).fill(1);
  if (init === 'forward-marginal') {
    for (let i = 0; i < d; i++) [mean[i], variance[i]] = [Math.exp(-T) * mu[i]!, ouVariance(basis.values[i]!, T)];
  }
  for (const { coefficients, scoreTime } of schedule) {
    for (let i = 0; i < d; i++) {
      const [slope, offset] = eigenScore(basis.values[i]!, mu[i]!, scoreTime);
      const gain = coefficients.linear + coefficients.score * (1 + error.scale) * slope;
      mean[i] = gain * mean[i]! + coefficients.score * ((1 + error.scale) * offset + bias[i]!);
      variance[i] = gain * gain * variance[i]! + coefficients.noiseVariance;
    }
  }
  return { mean: fromEigenCoordinates(basis, mean), covariance: fromEigenDiagonal(basis, variance) };
}

/** The exact score of `N(μ, Σ)` as a dense affine form `−Σ_t⁻¹ x + Σ_t⁻¹ e^{−t} μ`. */
export function exactAffineScore(data: GaussianLaw, basis: Eigenbasis): (t: number) => AffineScoreForm {
  const d = data.mean.length;
  const mu = toEigenCoordinates(basis, data.mean);
  return (t) => {
    const slopes = new Float64Array(d);
    const offsets = new Float64Array(d);
    for (let i = 0; i < d; i++) [slopes[i], offsets[i]] = eigenScore(basis.values[i]!, mu[i]!, t);
    return { matrix: fromEigenDiagonal(basis, slopes).data, offset: fromEigenCoordinates(basis, offsets) };
  };
}

/** `score.affineAt`, with each returned form checked for shape and finiteness. */
function userAffineScore(fn: string, score: Score, d: number): (t: number) => AffineScoreForm {
  return (t) => {
    const form = score.affineAt!(t);
    if (!form || !(form.matrix instanceof Float64Array) || form.matrix.length !== d * d) {
      throw new ShapeMismatchError(
        fn,
        `options.score.affineAt(${t}).matrix`,
        form?.matrix,
        `a Float64Array of length ${d * d}`,
      );
    }
    if (!(form.offset instanceof Float64Array) || form.offset.length !== d) {
      throw new ShapeMismatchError(
        fn,
        `options.score.affineAt(${t}).offset`,
        form.offset,
        `a Float64Array of length ${d}`,
      );
    }
    expectAllFinite(fn, `options.score.affineAt(${t}).matrix`, form.matrix);
    expectAllFinite(fn, `options.score.affineAt(${t}).offset`, form.offset);
    return form;
  };
}

/** `(1 + scale)·(M x + c) + bias`. */
function withScoreError(
  scoreAt: (t: number) => AffineScoreForm,
  error: ResolvedScoreError,
): (t: number) => AffineScoreForm {
  if (error.scale === 0 && error.bias.every((b) => b === 0)) return scoreAt;
  return (t) => {
    const { matrix, offset } = scoreAt(t);
    return {
      matrix: matrix.map((m) => (1 + error.scale) * m),
      offset: offset.map((c, i) => (1 + error.scale) * c + error.bias[i]!),
    };
  };
}

function initialDenseLaw(data: GaussianLaw, init: InitialLaw, T: number): DenseLaw {
  const d = data.mean.length;
  if (init === 'standard-normal') return { d, mean: new Float64Array(d), covariance: scaledIdentity(d, 1) };
  const start = init === 'forward-marginal' ? ouMarginal(data, T) : init;
  return { d, mean: Float64Array.from(start.mean), covariance: denseCopy(start.covariance, d) };
}

/** The full recursion `y ← M y + b + ξ`: `M = linear·I + score·J_t`, `b = score·c_t`, `Q = noiseVariance·I` (`s(t, y) = J_t y + c_t`). */
function denseRecursion(
  law: DenseLaw,
  schedule: ScheduledUpdate[],
  scoreAt: (t: number) => AffineScoreForm,
): GaussianLaw {
  const d = law.d;
  for (const { coefficients, scoreTime } of schedule) {
    const { matrix, offset } = scoreAt(scoreTime);
    const a = matrix.map((m) => coefficients.score * m);
    for (let i = 0; i < d; i++) a[i * d + i] = a[i * d + i]! + coefficients.linear;
    const b = offset.map((c) => coefficients.score * c);
    applyAffineUpdate(
      law,
      a,
      b,
      coefficients.noiseVariance > 0 ? scaledIdentity(d, coefficients.noiseVariance) : undefined,
    );
  }
  return { mean: law.mean, covariance: squareMatrix(d, law.covariance) };
}
