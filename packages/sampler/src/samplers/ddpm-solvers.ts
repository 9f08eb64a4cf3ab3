/**
 * The higher-order DDPM solvers, one function per solver (k-diffusion style), with the
 * same contract as the single-step integrators of `ddpm.ts`: each takes a score, the
 * particles `y` (updated in place), a grid of forward times and a noise origin, runs
 * every step and returns the number of batched score evaluations.
 *
 * OU parametrisation (forward `dX = −X dt + √2 dB`): `α_t = e^{−t}`, `σ_t² = 1 − e^{−2t}`,
 * data prediction `x̂₀ = (y + σ_t² s)/α_t`. Step `k` goes from `t_k` to `t_{k+1}`, `h = t_k − t_{k+1}`.
 * - `heun` (probability-flow ODE, second order): Karras et al. 2022 (EDM) Algorithm 1 in
 *   `x̄ = y/α`, `σ̄ = σ/α`: `ỹ = e^h y + E s(t_k, y)`, `y ← e^h y + (E/2) s(t_k, y) + F s(t_{k+1}, ỹ)`;
 *   two score evaluations per step, one for a step ending at `t = 0` (Euler, as in EDM).
 * - `exponential-heun` (`ddpmHeun` with `form: 'exponential'`, second order): the same predictor–corrector
 *   with the linear part exact, Heun's trapezoid rule on the data prediction `x̂₀` in the log-SNR `λ`
 *   (exponential Runge–Kutta "ETD2RK"; DPM-Solver++(2S) with `r₁ = 1`, Taylor weights); same evaluation count.
 * - `stochastic-heun` (reverse SDE): the exponential integrator as predictor,
 *   `ỹ = e^h y + 2(e^h − 1) s(t_k, y) + √(e^{2h} − 1) z`, and the corrector
 *   `y ← e^h y + w₀ s(t_k, y) + w₁ s(t_{k+1}, ỹ) + √(e^{2h} − 1) z` with the same `z`, where
 *   `w₀ + w₁ = 2(e^h − 1)` integrate `e^{h−τ}·2s` exactly for a score linear in time. The linear part and
 *   the noise are exact, as in the exponential integrator; the score quadrature is the trapezoid-like
 *   (improved Euler / stochastic Heun) rule of Kloeden–Platen's explicit order-2 weak scheme for additive
 *   noise, so the method has weak order 2 (and strong order 1, as every such scheme for additive noise; the
 *   strong order is not measured here). Measured on Gaussian data: `sgmkit verify` fits the order of W2 between
 *   the exact output law and `q_δ` (the weak error of the mean and covariance): 2.01.
 * - `dpmpp-2m`: DPM-Solver++(2M) (Lu et al. 2022), multistep on the data prediction in the log-SNR
 *   `λ_t = −½ ln(e^{2t} − 1)`; history: the previous step's `x̂₀` per particle.
 * - `deis-1` … `deis-3`: DEIS (Zhang & Chen 2022) with the score extrapolated by the polynomial of degree
 *   `r` through the last `r + 1` steps' scores, integrated exactly against the exponential weight of the
 *   probability-flow ODE (`deisCoefficientsInto`): `y ← e^h y + Σ_j w_j s_{k−j}`; history: `r` previous
 *   scores per particle; the first steps use the scores available (degree 0 is `'probability-flow'`).
 *
 * Multistep history and segments: a run split into consecutive calls (`noise.firstStep`) must hand the
 * same {@link DDPMSolverHistory} to each call (`options.history`), as `sampleDDPM` does for its
 * step segments; the result is then bit-identical to one call. Row chunks each keep their own history.
 *
 * Coefficients: `heunCoefficientsInto`, `stochasticHeunCoefficientsInto`, `dpmSolver2MCoefficientsInto`,
 * `deisCoefficientsInto` of `@sgmkit/tensor`, which `exactDDPMLaw` reads too.
 * @packageDocumentation
 */
import {
  DEIS_MAX_DEGREE,
  DPM_SOLVER_2M_LAYOUT,
  HEUN_LAYOUT,
  InvalidArgumentError,
  STOCHASTIC_HEUN_LAYOUT,
  batch,
  deisCoefficientsInto,
  dpmSolver2MCoefficientsInto,
  dtypeOf,
  exponentialHeunCoefficientsInto,
  fillParticleNormals,
  heunCoefficientsInto,
  stochasticHeunCoefficientsInto,
} from '@sgmkit/tensor';
import type { Batch, DType, FloatArray } from '@sgmkit/tensor';
import type { Score } from '@sgmkit/score';
import { DDPM_SOLVER_METHODS, type DDPMMethod, type DDPMSolverMethod } from './methods.js';
import {
  SINGLE_STEP_DDPM_INTEGRATORS,
  correct,
  prepare,
  type DDPMIntegratorOptions,
  type Prepared,
  ddpmExponentialIntegrator,
} from './ddpm.js';
import { checkScoreOutput, type NoiseOrigin } from './common.js';
import { predictorStream } from './streams.js';
import { refinedNormalsInto } from './brownian.js';

/**
 * The per-particle history of a multistep solver, carried between the calls of a run split into
 * step segments. Create it with {@link ddpmSolverHistory}; the integrators update it in place.
 */
export interface DDPMSolverHistory {
  readonly method: DDPMSolverMethod;
  readonly rows: number;
  readonly dim: number;
  readonly dtype: DType;
  /** Global index of the step the history continues at. */
  nextStep: number;
  /** Entries in use (grows to `vectors.length` over the first steps). */
  count: number;
  /** Forward times at which the stored entries were computed, most recent first. */
  readonly times: Float64Array;
  /** `dpmpp-2m`: the previous data prediction `x̂₀`; `deis-r`: the `r` previous scores; most recent first. */
  readonly vectors: Batch[];
}

/** History entries a method keeps per particle (0 for the single-step methods and Heun). */
export function historyLength(method: DDPMMethod): number {
  switch (method) {
    case 'dpmpp-2m':
      return 1;
    case 'deis-1':
      return 1;
    case 'deis-2':
      return 2;
    case 'deis-3':
      return 3;
    default:
      return 0;
  }
}

function expectSolverMethod(fn: string, method: unknown): DDPMSolverMethod {
  if (!DDPM_SOLVER_METHODS.includes(method as DDPMSolverMethod)) {
    throw new InvalidArgumentError(
      fn,
      'method',
      method,
      `one of ${DDPM_SOLVER_METHODS.map((m) => `'${m}'`).join(', ')}`,
    );
  }
  return method as DDPMSolverMethod;
}

/**
 * An empty history for `method` on particles shaped like `y` (`n × d`, its dtype), starting at global step `firstStep`.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmDPMSolver2M, ddpmSolverHistory, uniformGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1], covariance: [[0.5]] });
 * const y = fillParticleNormals(batch(100, 1), 1, 0, 0);
 * const grid = uniformGrid(5, 20, 1e-3);
 * const history = ddpmSolverHistory('dpmpp-2m', y);
 * ddpmDPMSolver2M(score, y, grid.subarray(0, 11), { seed: 1 }, { history });               // steps 0..9
 * ddpmDPMSolver2M(score, y, grid.subarray(10), { seed: 1, firstStep: 10 }, { history });   // steps 10..19
 * ```
 */
export function ddpmSolverHistory(method: DDPMSolverMethod, y: Batch, firstStep = 0): DDPMSolverHistory {
  const fn = 'ddpmSolverHistory';
  expectSolverMethod(fn, method);
  if (y === null || typeof y !== 'object' || !Array.isArray(y.shape) || y.shape.length !== 2)
    throw new InvalidArgumentError(fn, 'y', y, 'an n × d batch');
  if (!Number.isInteger(firstStep) || firstStep < 0)
    throw new InvalidArgumentError(fn, 'firstStep', firstStep, 'an integer >= 0');
  const [n, d] = y.shape as [number, number];
  const dtype = dtypeOf(y);
  const length = historyLength(method);
  return {
    method,
    rows: n,
    dim: d,
    dtype,
    nextStep: firstStep,
    count: 0,
    times: new Float64Array(length),
    vectors: Array.from({ length }, () => batch(n, d, dtype)),
  };
}

/** The history a multistep call continues from: the caller's (checked) or a fresh one at step 0. */
function resolveHistory(
  fn: string,
  method: DDPMSolverMethod,
  y: Batch,
  grid: Float64Array,
  firstStep: number,
  history: unknown,
): DDPMSolverHistory {
  if (history === undefined) {
    if (firstStep > 0) {
      throw new InvalidArgumentError(
        fn,
        'options.history',
        history,
        `the history of the run's previous steps (ddpmSolverHistory) when noise.firstStep = ${firstStep} > 0: '${method}' is a multistep method`,
      );
    }
    return ddpmSolverHistory(method, y);
  }
  const h = history as DDPMSolverHistory;
  if (h === null || typeof h !== 'object' || h.method !== method || !Array.isArray(h.vectors)) {
    throw new InvalidArgumentError(
      fn,
      'options.history',
      history,
      `a history made by ddpmSolverHistory('${method}', y)`,
    );
  }
  const [n, d] = y.shape as [number, number];
  if (h.rows !== n || h.dim !== d || h.dtype !== dtypeOf(y)) {
    throw new InvalidArgumentError(
      fn,
      'options.history',
      `${h.rows} × ${h.dim} ${h.dtype}`,
      `a history of ${n} × ${d} ${dtypeOf(y)} particles like y`,
    );
  }
  if (h.nextStep !== firstStep)
    throw new InvalidArgumentError(
      fn,
      'options.history',
      `a history at step ${h.nextStep}`,
      `a history at step noise.firstStep = ${firstStep}`,
    );
  if (h.count > 0 && !(h.times[0]! > grid[0]!)) {
    throw new InvalidArgumentError(
      fn,
      'options.history',
      `a history whose last step started at t = ${h.times[0]}`,
      `the history of steps before grid[0] = ${grid[0]}`,
    );
  }
  return h;
}

/** A fresh `n × d` batch like `y`. */
function like(y: Batch): Batch {
  return batch(y.shape[0]!, y.shape[1]!, dtypeOf(y));
}

function size(y: Batch): number {
  return y.shape[0]! * y.shape[1]!;
}

/** `out ← a·y + b·s` elementwise (contiguous batches, any offsets). */
function combine2(out: Batch, y: Batch, a: number, s: Batch, b: number): void {
  const o = out.data,
    yd = y.data,
    sd = s.data;
  const oo = out.offset,
    yo = y.offset,
    so = s.offset;
  const length = size(y);
  for (let i = 0; i < length; i++) o[oo + i] = a * yd[yo + i]! + b * sd[so + i]!;
}

/** `y ← a·y + b·s + c·t` elementwise. */
function combine3(y: Batch, a: number, s: Batch, b: number, t: Batch, c: number): void {
  const yd = y.data,
    sd = s.data,
    td = t.data;
  const yo = y.offset,
    so = s.offset,
    to = t.offset;
  const length = size(y);
  for (let i = 0; i < length; i++) yd[yo + i] = a * yd[yo + i]! + b * sd[so + i]! + c * td[to + i]!;
}

/** Evaluates the score into `out` and checks it (the step, time and particle are named on failure). */
function evaluate(
  fn: string,
  score: Score,
  t: number,
  x: Batch,
  out: Batch,
  step: number,
  p: Prepared,
  what?: string,
): void {
  score.evaluate(t, x, out);
  checkScoreOutput(fn, out, step, t, p.noise.firstRow, what);
}

/** The forms of Heun's method on the probability-flow ODE ({@link HeunOptions.form}). */
export type HeunForm = 'edm' | 'exponential';

/** The forms of Heun's method, in documentation order. */
export const HEUN_FORMS: readonly HeunForm[] = ['edm', 'exponential'];

/** Options of {@link ddpmHeun}. */
export interface HeunOptions extends DDPMIntegratorOptions {
  /**
   * Which Heun (default `'edm'`):
   * - `'edm'`: Karras et al. (2022, EDM, Algorithm 1), Heun in `σ̄ = σ/α` on `x̄ = y/α`
   *   (`heunCoefficientsInto`); the step to `t = 0` is Euler's;
   * - `'exponential'`: the linear part exact and Heun's trapezoid rule on the data prediction
   *   `x̂₀ = (y + σ² s)/α` in the log-SNR `λ`, exact for `x̂₀` linear in `λ` (`exponentialHeunCoefficientsInto`;
   *   the `method` name `'exponential-heun'`); the step to `t = 0` returns `x̂₀`. On N(1, 0.5) it is 2–50 times
   *   more accurate than EDM's form on grids dense at small t (early-stopping, geometric in t, uniform in log-SNR,
   *   ρ = 7), less accurate on grids uniform or quadratic in t (docs/solvers.md, "Heun and the goal").
   */
  readonly form?: HeunForm;
}

/**
 * Heun's method on the probability-flow ODE, second order: `ỹ = e^h y + E s(t_k, y)`, then
 * `y ← e^h y + A s(t_k, y) + B s(t_{k+1}, ỹ)`, with the coefficients of `options.form`: Karras et al. 2022
 * (EDM Algorithm 1, `heunCoefficientsInto`, the default) or the exponential Heun on the data prediction
 * (`exponentialHeunCoefficientsInto`). A step ending at `t = 0` is the predictor alone (EDM's Euler step; the
 * data prediction for the exponential form). Deterministic given the initial points. Returns the number of
 * batched score evaluations (two per step, one for a step to 0).
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmHeun, earlyStoppingGrid, uniformGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = fillParticleNormals(batch(1000, 2), 7, 0, 0); // y ~ N(0, I) (stream 0)
 * ddpmHeun(score, y, uniformGrid(5, 25, 1e-3), { seed: 7 }); // 50 score evaluations
 * const z = fillParticleNormals(batch(1000, 2), 7, 0, 0);
 * ddpmHeun(score, z, earlyStoppingGrid(5, 1e-3, 25, { switchTime: 5 }), { seed: 7 }, { form: 'exponential' });
 * ```
 */
export function ddpmHeun(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: HeunOptions = {},
): number {
  const fn = 'ddpmHeun';
  const form = options?.form === undefined ? 'edm' : options.form;
  if (!HEUN_FORMS.includes(form))
    throw new InvalidArgumentError(fn, 'options.form', form, `one of ${HEUN_FORMS.map((f) => `'${f}'`).join(', ')}`);
  return runHeun(fn, form, score, y, grid, noise, options);
}

/** The exponential Heun (`'exponential-heun'`): {@link ddpmHeun} with `form: 'exponential'`. */
export function ddpmExponentialHeun(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  return runHeun('ddpmHeun', 'exponential', score, y, grid, noise, options);
}

function runHeun(
  fn: string,
  form: HeunForm,
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions,
): number {
  const p = prepare(fn, form === 'edm' ? 'heun' : 'exponential-heun', score, y, grid, noise, options);
  const coefficientsInto = form === 'edm' ? heunCoefficientsInto : exponentialHeunCoefficientsInto;
  const { grid: g, s } = p;
  const predicted = like(y);
  const s2 = like(y);
  const c = new Float64Array(HEUN_LAYOUT.LENGTH);
  const { LINEAR, EULER, FROM, TO } = HEUN_LAYOUT;
  let extra = 0;
  for (let k = 0; k + 1 < g.length; k++) {
    const step = p.noise.firstStep + k;
    const t = g[k]!;
    const tNext = g[k + 1]!;
    evaluate(fn, score, t, y, s, step, p);
    coefficientsInto(t, tNext, c);
    if (tNext === 0) {
      combine2(y, y, c[LINEAR]!, s, c[EULER]!);
    } else {
      combine2(predicted, y, c[LINEAR]!, s, c[EULER]!);
      evaluate(fn, score, tNext, predicted, s2, step, p, 'the score (Heun corrector stage)');
      extra++;
      combine3(y, c[LINEAR]!, s, c[FROM]!, s2, c[TO]!);
    }
    correct(fn, score, y, tNext, step, p);
    p.report(step, t, tNext);
  }
  return p.evaluations + extra;
}

/**
 * The exponential stochastic Heun scheme on the reverse SDE (weak order 2, measured on exact laws; strong order 1 by theory):
 * predictor `ỹ = e^h y + 2(e^h − 1) s(t_k, y) + √(e^{2h} − 1) z` (the exponential integrator's step),
 * corrector `y ← e^h y + w₀ s(t_k, y) + w₁ s(t_{k+1}, ỹ) + √(e^{2h} − 1) z` with the same `z` (step `k`'s
 * predictor stream), `w₁ = 2(e^h − 1 − h)/h`, `w₀ = 2(e^h − 1) − w₁` (`stochasticHeunCoefficientsInto`).
 * A step ending at `t = 0` is the predictor alone. Requires every `h` below `stabilityLimit('ddpm', 'stochastic-heun')`.
 * Returns the number of batched score evaluations.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmStochasticHeun, uniformGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = fillParticleNormals(batch(1000, 2), 7, 0, 0);
 * ddpmStochasticHeun(score, y, uniformGrid(5, 50, 1e-3), { seed: 7 });
 * ```
 */
export function ddpmStochasticHeun(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  const fn = 'ddpmStochasticHeun';
  const p = prepare(fn, 'stochastic-heun', score, y, grid, noise, options);
  const { grid: g, s } = p;
  const [n, d] = y.shape as [number, number];
  const predicted = like(y);
  const s2 = like(y);
  // The normals stay in double precision whatever y's dtype (as in the fused kernels). With a refined
  // Brownian path (noise.brownianLevels) each step's normal is the exponential integrator's combination of
  // its fine normals, written into the refinement's scratch.
  const z = batch(p.brownian === undefined ? n : 0, d, 'float64');
  const zd = p.brownian === undefined ? z.data : p.brownian.sum;
  const c = new Float64Array(STOCHASTIC_HEUN_LAYOUT.LENGTH);
  const { LINEAR, EULER, FROM, TO, NOISE } = STOCHASTIC_HEUN_LAYOUT;
  const yd = y.data,
    sd = s.data,
    pd = predicted.data,
    s2d = s2.data;
  const yo = y.offset,
    so = s.offset;
  const length = n * d;
  let extra = 0;
  for (let k = 0; k + 1 < g.length; k++) {
    const step = p.noise.firstStep + k;
    const t = g[k]!;
    const tNext = g[k + 1]!;
    evaluate(fn, score, t, y, s, step, p);
    stochasticHeunCoefficientsInto(t, tNext, c);
    if (p.brownian === undefined) fillParticleNormals(z, p.noise.seed, predictorStream(step), p.noise.firstRow);
    else refinedNormalsInto('stochastic-heun', t - tNext, p.noise.seed, step, p.noise.firstRow, p.brownian);
    const a = c[LINEAR]!,
      e = c[EULER]!,
      noiseScale = c[NOISE]!;
    if (tNext === 0) {
      for (let i = 0; i < length; i++) yd[yo + i] = a * yd[yo + i]! + e * sd[so + i]! + noiseScale * zd[i]!;
    } else {
      for (let i = 0; i < length; i++) pd[i] = a * yd[yo + i]! + e * sd[so + i]! + noiseScale * zd[i]!;
      evaluate(fn, score, tNext, predicted, s2, step, p, 'the score (stochastic Heun corrector stage)');
      extra++;
      const w0 = c[FROM]!,
        w1 = c[TO]!;
      for (let i = 0; i < length; i++)
        yd[yo + i] = a * yd[yo + i]! + w0 * sd[so + i]! + w1 * s2d[i]! + noiseScale * zd[i]!;
    }
    correct(fn, score, y, tNext, step, p);
    p.report(step, t, tNext);
  }
  return p.evaluations + extra;
}

/**
 * DPM-Solver++(2M) (Lu et al. 2022) in the OU parametrisation: with `x̂ = (y + σ_k² s(t_k, y))/α_k`,
 * `y ← (σ_{k+1}/σ_k) y + α_{k+1}(1 − e^{−h})((1 + 1/(2r)) x̂ − x̂_prev/(2r))`, `h = λ_{k+1} − λ_k`,
 * `r = (λ_k − λ_{k−1})/h` (`dpmSolver2MCoefficientsInto`). The first step is first order (DDIM); a step
 * to `t = 0` returns `x̂` (first order, see the coefficients' documentation: use `δ > 0`). One score
 * evaluation per step. Keeps `x̂_prev` per particle (`options.history` to split the grid into segments).
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmDPMSolver2M, earlyStoppingGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = fillParticleNormals(batch(1000, 2), 7, 0, 0);
 * ddpmDPMSolver2M(score, y, earlyStoppingGrid(5, 1e-3, 30), { seed: 7 }); // 30 score evaluations
 * ```
 */
export function ddpmDPMSolver2M(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  const fn = 'ddpmDPMSolver2M';
  const p = prepare(fn, 'dpmpp-2m', score, y, grid, noise, options);
  const history = resolveHistory(fn, 'dpmpp-2m', y, p.grid, p.noise.firstStep, options.history);
  const { grid: g, s } = p;
  const c = new Float64Array(DPM_SOLVER_2M_LAYOUT.LENGTH);
  const { LINEAR, CURRENT, PREVIOUS, DENOISE_Y, DENOISE_SCORE } = DPM_SOLVER_2M_LAYOUT;
  const previous = history.vectors[0]!;
  const yd = y.data,
    sd = s.data,
    xd = previous.data;
  const yo = y.offset,
    so = s.offset;
  const length = size(y);
  for (let k = 0; k + 1 < g.length; k++) {
    const step = p.noise.firstStep + k;
    const t = g[k]!;
    const tNext = g[k + 1]!;
    evaluate(fn, score, t, y, s, step, p);
    dpmSolver2MCoefficientsInto(history.count > 0 ? history.times[0]! : NaN, t, tNext, c);
    const dy = c[DENOISE_Y]!,
      ds = c[DENOISE_SCORE]!,
      a = c[LINEAR]!,
      b = c[CURRENT]!,
      bPrevious = c[PREVIOUS]!;
    if (history.count === 0) {
      for (let i = 0; i < length; i++) {
        const denoised = dy * yd[yo + i]! + ds * sd[so + i]!;
        yd[yo + i] = a * yd[yo + i]! + b * denoised;
        xd[i] = denoised;
      }
    } else {
      for (let i = 0; i < length; i++) {
        const denoised = dy * yd[yo + i]! + ds * sd[so + i]!;
        yd[yo + i] = a * yd[yo + i]! + b * denoised + bPrevious * xd[i]!;
        xd[i] = denoised;
      }
    }
    history.times[0] = t;
    history.count = 1;
    history.nextStep = step + 1;
    correct(fn, score, y, tNext, step, p);
    p.report(step, t, tNext);
  }
  return p.evaluations;
}

/** Options of {@link ddpmDEIS}. */
export interface DEISOptions extends DDPMIntegratorOptions {
  /** Degree `r ∈ {1, 2, 3}` of the score's extrapolation polynomial (order `r + 1`; default 2). */
  readonly degree?: number;
}

/**
 * DEIS (Zhang & Chen 2022) on the probability-flow ODE: `y ← e^h y + Σ_{j=0}^{q} w_j s(t_{k−j}, y_{k−j})`
 * with `q = min(r, k)` and the weights of the degree-`q` Lagrange extrapolation of the score integrated
 * exactly against `e^{u − t_{k+1}}` (`deisCoefficientsInto`): global order `r + 1` on smooth problems.
 * One score evaluation per step; the `r` previous scores are kept per particle (`options.history`).
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmDEIS, earlyStoppingGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = fillParticleNormals(batch(1000, 2), 7, 0, 0);
 * ddpmDEIS(score, y, earlyStoppingGrid(5, 1e-3, 30), { seed: 7 }, { degree: 3 });
 * ```
 */
export function ddpmDEIS(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DEISOptions = {},
): number {
  const fn = 'ddpmDEIS';
  const degree = options?.degree ?? 2;
  if (degree !== 1 && degree !== 2 && degree !== 3)
    throw new InvalidArgumentError(fn, 'options.degree', degree, 'an integer in [1, 3]');
  return runDEIS(fn, `deis-${degree}` as DDPMSolverMethod, degree, score, y, grid, noise, options);
}

function runDEIS(
  fn: string,
  method: DDPMSolverMethod,
  degree: number,
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions,
): number {
  const p = prepare(fn, method, score, y, grid, noise, options);
  const history = resolveHistory(fn, method, y, p.grid, p.noise.firstStep, options.history);
  const { grid: g, s } = p;
  const weights = new Float64Array(DEIS_MAX_DEGREE + 2);
  const scratch = new Float64Array(12);
  const times = new Float64Array(DEIS_MAX_DEGREE + 1);
  const past: FloatArray[] = history.vectors.map((v) => v.data);
  const yd = y.data,
    sd = s.data;
  const yo = y.offset,
    so = s.offset;
  const length = size(y);
  for (let k = 0; k + 1 < g.length; k++) {
    const step = p.noise.firstStep + k;
    const t = g[k]!;
    const tNext = g[k + 1]!;
    evaluate(fn, score, t, y, s, step, p);
    const q = Math.min(degree, history.count);
    times[0] = t;
    for (let j = 0; j < q; j++) times[j + 1] = history.times[j]!;
    deisCoefficientsInto(times, q, tNext, weights, scratch);
    const a = weights[0]!,
      w0 = weights[1]!;
    // y ← e^h y + w₀ s_k + w₁ s_{k−1} + …, summed in that order (the exact analysis uses the same weights)
    switch (q) {
      case 0:
        for (let i = 0; i < length; i++) yd[yo + i] = a * yd[yo + i]! + w0 * sd[so + i]!;
        break;
      case 1: {
        const w1 = weights[2]!,
          h1 = past[0]!;
        for (let i = 0; i < length; i++) yd[yo + i] = a * yd[yo + i]! + w0 * sd[so + i]! + w1 * h1[i]!;
        break;
      }
      case 2: {
        const w1 = weights[2]!,
          w2 = weights[3]!,
          h1 = past[0]!,
          h2 = past[1]!;
        for (let i = 0; i < length; i++) yd[yo + i] = a * yd[yo + i]! + w0 * sd[so + i]! + w1 * h1[i]! + w2 * h2[i]!;
        break;
      }
      default: {
        const w1 = weights[2]!,
          w2 = weights[3]!,
          w3 = weights[4]!,
          h1 = past[0]!,
          h2 = past[1]!,
          h3 = past[2]!;
        for (let i = 0; i < length; i++)
          yd[yo + i] = a * yd[yo + i]! + w0 * sd[so + i]! + w1 * h1[i]! + w2 * h2[i]! + w3 * h3[i]!;
      }
    }
    pushScore(history, past, s, t);
    history.nextStep = step + 1;
    correct(fn, score, y, tNext, step, p);
    p.report(step, t, tNext);
  }
  return p.evaluations;
}

/** Makes `s` (at time `t`) the most recent history entry: the oldest buffer is reused, rotated to the front. */
function pushScore(history: DDPMSolverHistory, past: FloatArray[], s: Batch, t: number): void {
  const length = past.length;
  const oldest = past[length - 1]!;
  const oldestBatch = history.vectors[length - 1]!;
  for (let j = length - 1; j > 0; j--) {
    past[j] = past[j - 1]!;
    history.vectors[j] = history.vectors[j - 1]!;
    history.times[j] = history.times[j - 1]!;
  }
  past[0] = oldest;
  history.vectors[0] = oldestBatch;
  history.times[0] = t;
  oldest.set(s.data.subarray(s.offset, s.offset + size(s)));
  history.count = Math.min(history.count + 1, length);
}

/** DEIS of degree 1 (`'deis-1'`, order 2). */
export function ddpmDEIS1(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  return runDEIS('ddpmDEIS', 'deis-1', 1, score, y, grid, noise, options);
}

/** DEIS of degree 2 (`'deis-2'`, order 3). */
export function ddpmDEIS2(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  return runDEIS('ddpmDEIS', 'deis-2', 2, score, y, grid, noise, options);
}

/** DEIS of degree 3 (`'deis-3'`, order 4). */
export function ddpmDEIS3(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  return runDEIS('ddpmDEIS', 'deis-3', 3, score, y, grid, noise, options);
}

/** The DDPM integrator of each method (single-step methods and higher-order solvers). */
export const DDPM_INTEGRATORS: Readonly<Record<DDPMMethod, typeof ddpmExponentialIntegrator>> = {
  ...SINGLE_STEP_DDPM_INTEGRATORS,
  heun: ddpmHeun,
  'exponential-heun': ddpmExponentialHeun,
  'stochastic-heun': ddpmStochasticHeun,
  'dpmpp-2m': ddpmDPMSolver2M,
  'deis-1': ddpmDEIS1,
  'deis-2': ddpmDEIS2,
  'deis-3': ddpmDEIS3,
};
