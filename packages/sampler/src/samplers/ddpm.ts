/**
 * The DDPM integrators of the reverse Ornstein–Uhlenbeck SDE, one function per
 * integrator (k-diffusion style): each takes a score, the particles `y`
 * (updated in place), a grid of forward times and a noise origin, runs every
 * step of the grid synchronously and returns the number of batched score
 * evaluations. No state is kept between calls.
 *
 * Forward process `dX = −X dt + √2 dB`; the reverse SDE in reverse time is
 * `dY = (Y + 2∇ln q_{T−s}(Y)) ds + √2 dB`. With `h = t_k − t_{k+1}` and the score
 * frozen at `s = s(t_k, y)`:
 * - exponential integrator (the paper's sampler): `y ← e^h y + 2(e^h − 1) s + √(e^{2h} − 1) z`;
 * - Euler–Maruyama: `y ← y + h(y + 2s) + √(2h) z`;
 * - ancestral (Ho et al. on the OU clock): `α = e^{−2h}`, `β = 1 − α`,
 *   `β̃ = β(1 − e^{−2t_{k+1}})/(1 − e^{−2t_k})`, `y ← (y + βs)/√α + √β̃ z`;
 * - probability flow (exponential integrator of the ODE `dY = (Y + ∇ln q) ds`):
 *   `y ← e^h y + (e^h − 1) s`.
 *
 * Langevin corrector (optional, after every predictor step, including the last
 * one: with `δ = 0` it evaluates the score at `t = 0`, so use `δ > 0` for scores
 * singular there): `m` steps of `y ← y + ε s(t_{k+1}, y) + √(2ε) z`.
 *
 * Every coefficient comes from `ddpmCoefficientsInto` of `@sgmkit/tensor`, the
 * one source the exact analysis (`exactDDPMLaw`) reads too.
 * @packageDocumentation
 */
import { DDPM_LAYOUT, affineNoiseStep, ddpmCoefficientsInto, expectBatch, langevinStep } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import type { Score } from '@sgmkit/score';
import type { DDPMMethod, SingleStepDDPMMethod } from './methods.js';
import type { DDPMSolverHistory } from './ddpm-solvers.js';
import { expectScore } from '@sgmkit/score';
import { checkScoreOutput, prepareRun, stepReporter } from './common.js';
import type { LangevinCorrector, NoiseOrigin, PreparedRun } from './common.js';
import { refinedAffineNoiseStep } from './brownian.js';
import { correctorStream, predictorStream } from './streams.js';

export type { LangevinCorrector } from './common.js';

/** What a DDPM step callback sees, after step `step` (and its corrector steps). */
export interface DDPMStepInfo {
  /** Global index `k` of the step just taken. */
  readonly step: number;
  /** Forward time `t_k` the step started from (where the score was evaluated). */
  readonly time: number;
  /** Forward time `t_{k+1}` the particles are now at. */
  readonly nextTime: number;
  /** The particles after the step (the caller's batch). The info object itself is reused from step to step: copy what you keep. */
  readonly y: Batch;
  /** The score buffer: the predictor's `s(t_k, y_k)`, or the last corrector step's score when a corrector runs. */
  readonly score: Batch;
  /** Global index of `y`'s row 0. */
  readonly firstRow: number;
}

/** Per-step callback; throwing from it stops the run. */
export type DDPMCallback = (info: DDPMStepInfo) => void;

/** Options of the DDPM integrators. */
export interface DDPMIntegratorOptions {
  readonly callback?: DDPMCallback;
  readonly corrector?: LangevinCorrector;
  /** Scratch `n × d` batch of `y`'s dtype for the score output (allocated when absent). */
  readonly scoreBuffer?: Batch;
  /**
   * The multistep solvers' per-particle history (`'dpmpp-2m'`, `'deis-*'`; see `ddpmSolverHistory`), carried
   * from one call to the next when a grid is run in segments (`noise.firstStep > 0`). Ignored by the other methods.
   */
  readonly history?: DDPMSolverHistory;
}

/** @internal The validated run of a DDPM integrator (shared with the higher-order solvers in `ddpm-solvers.ts`). */
export interface Prepared extends PreparedRun {
  /** Calls the callback (if any) after step `step`; one reused info record per call. */
  readonly report: (step: number, time: number, nextTime: number) => void;
  /** The current step's coefficients (layout `DDPM_LAYOUT`), rewritten every step. */
  readonly coefficients: Float64Array;
}

/** @internal Validates an integrator call and prepares its buffers and step reporter. */
export function prepare(
  fn: string,
  method: DDPMMethod,
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions,
): Prepared {
  expectScore(fn, 'score', score, { kind: 'ou', otherKindUse: 'sampleCLD' });
  expectBatch(fn, 'y', y, score.dim);
  const run = prepareRun(fn, 'ddpm', method, y, grid, noise, options);
  const report = stepReporter(options.callback, { y, score: run.s, firstRow: run.noise.firstRow });
  return { ...run, report, coefficients: new Float64Array(DDPM_LAYOUT.LENGTH) };
}

/**
 * The noisy integrators' loop: each step evaluates `s = s(t_k, y)`, then
 * `y ← linear·y + score·s + noise·z` with `method`'s coefficients for `t_k → t_{k+1}`,
 * then the corrector. Returns the number of batched score evaluations.
 */
function runNoisyIntegrator(
  fn: string,
  method: SingleStepDDPMMethod,
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions,
): number {
  const p = prepare(fn, method, score, y, grid, noise, options);
  const { grid: g, s, coefficients: c } = p;
  const { seed, firstRow, firstStep } = p.noise;
  const { LINEAR, SCORE, NOISE } = DDPM_LAYOUT;
  for (let k = 0; k + 1 < g.length; k++) {
    const step = firstStep + k;
    const t = g[k]!;
    const tNext = g[k + 1]!;
    score.evaluate(t, y, s);
    checkScoreOutput(fn, s, step, t, firstRow);
    ddpmCoefficientsInto(method, t, tNext, c);
    if (p.brownian === undefined)
      affineNoiseStep(y, s, c[LINEAR]!, c[SCORE]!, c[NOISE]!, seed, predictorStream(step), firstRow);
    else
      refinedAffineNoiseStep(
        method,
        y,
        s,
        t - tNext,
        c[LINEAR]!,
        c[SCORE]!,
        c[NOISE]!,
        seed,
        step,
        firstRow,
        p.brownian,
      );
    correct(fn, score, y, tNext, step, p);
    p.report(step, t, tNext);
  }
  return p.evaluations;
}

/** @internal Langevin corrector steps at forward time `t`: `y ← y + ε s(t, y) + √(2ε) z`. */
export function correct(fn: string, score: Score, y: Batch, t: number, step: number, p: Prepared): void {
  for (let j = 0; j < p.correctorSteps; j++) {
    score.evaluate(t, y, p.s);
    checkScoreOutput(fn, p.s, step, t, p.noise.firstRow, `the score (corrector step ${j})`);
    langevinStep(y, p.s, p.epsilon, p.noise.seed, correctorStream(step, j), p.noise.firstRow);
  }
}

/**
 * The paper's DDPM sampler: the exponential integrator of the reverse OU SDE
 * with the score frozen at the left end of each step,
 * `y ← e^h y + 2(e^h − 1) s(t_k, y) + √(e^{2h} − 1) z`. Requires every `h < ln 3`.
 * Updates `y` in place and returns the number of batched score evaluations.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmExponentialIntegrator, uniformGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = batch(1000, 2);
 * fillParticleNormals(y, 42, 0, 0); // y ~ N(0, I) (stream 0: initial positions)
 * const evaluations = ddpmExponentialIntegrator(score, y, uniformGrid(5, 100), { seed: 42 }); // 100
 * ```
 */
export function ddpmExponentialIntegrator(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  // y ← e^h y + 2(e^h − 1) s + √(e^{2h} − 1) z
  return runNoisyIntegrator('ddpmExponentialIntegrator', 'exponential-integrator', score, y, grid, noise, options);
}

/**
 * Euler–Maruyama on the reverse OU SDE: `y ← y + h(y + 2 s(t_k, y)) + √(2h) z`.
 * Requires every `h < 2`. Updates `y` in place; returns the number of batched score evaluations.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmEulerMaruyama, uniformGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = batch(1000, 2);
 * fillParticleNormals(y, 7, 0, 0); // y ~ N(0, I) (stream 0: initial positions)
 * ddpmEulerMaruyama(score, y, uniformGrid(5, 500), { seed: 7 });
 * ```
 */
export function ddpmEulerMaruyama(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  // y ← y + h(y + 2s) + √(2h) z = (1 + h) y + 2h s + √(2h) z
  return runNoisyIntegrator('ddpmEulerMaruyama', 'euler-maruyama', score, y, grid, noise, options);
}

/**
 * Ancestral sampling (Ho et al. 2020) on the OU clock: with `α = e^{−2h}`,
 * `β = 1 − α` and `β̃ = β(1 − e^{−2t_{k+1}})/(1 − e^{−2t_k})`,
 * `y ← (y + β s(t_k, y))/√α + √β̃ z`. Updates `y` in place; returns the number of batched score evaluations.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmAncestral, uniformGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = batch(1000, 2);
 * fillParticleNormals(y, 7, 0, 0); // y ~ N(0, I) (stream 0: initial positions)
 * ddpmAncestral(score, y, uniformGrid(5, 100), { seed: 7 });
 * ```
 */
export function ddpmAncestral(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  // y ← (y + β s)/√α + √β̃ z = e^h y + β e^h s + √β̃ z
  return runNoisyIntegrator('ddpmAncestral', 'ancestral', score, y, grid, noise, options);
}

/**
 * The probability-flow ODE `dY = (Y + ∇ln q_{T−s}(Y)) ds` with the exponential
 * integrator: `y ← e^h y + (e^h − 1) s(t_k, y)`. Deterministic given the initial
 * points (no noise unless a corrector is added). Updates `y` in place; returns the number of batched score evaluations.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { gaussianScore } from '@sgmkit/score';
 * import { ddpmProbabilityFlow, uniformGrid } from '@sgmkit/sampler';
 * const score = gaussianScore({ mean: [1, -1], covariance: [[1, 0.5], [0.5, 2]] });
 * const y = batch(1000, 2);
 * fillParticleNormals(y, 7, 0, 0); // y ~ N(0, I) (stream 0: initial positions)
 * ddpmProbabilityFlow(score, y, uniformGrid(5, 100), { seed: 7 });
 * ```
 */
export function ddpmProbabilityFlow(
  score: Score,
  y: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: DDPMIntegratorOptions = {},
): number {
  const fn = 'ddpmProbabilityFlow';
  const p = prepare(fn, 'probability-flow', score, y, grid, noise, options);
  const { grid: g, s, coefficients: c } = p;
  const { firstRow, firstStep } = p.noise;
  const yData = y.data;
  const sData = s.data;
  const length = y.shape[0]! * y.shape[1]!;
  const yOffset = y.offset;
  const sOffset = s.offset;
  for (let k = 0; k + 1 < g.length; k++) {
    const step = firstStep + k;
    const t = g[k]!;
    const tNext = g[k + 1]!;
    score.evaluate(t, y, s);
    checkScoreOutput(fn, s, step, t, firstRow);
    // y ← e^h y + (e^h − 1) s: no noise, so no normals are drawn
    ddpmCoefficientsInto('probability-flow', t, tNext, c);
    const a = c[DDPM_LAYOUT.LINEAR]!;
    const b = c[DDPM_LAYOUT.SCORE]!;
    for (let i = 0; i < length; i++) yData[yOffset + i] = a * yData[yOffset + i]! + b * sData[sOffset + i]!;
    correct(fn, score, y, tNext, step, p);
    p.report(step, t, tNext);
  }
  return p.evaluations;
}

/** The single-step DDPM integrators (`DDPM_INTEGRATORS` in `ddpm-solvers.ts` adds the higher-order solvers). */
export const SINGLE_STEP_DDPM_INTEGRATORS: Readonly<Record<SingleStepDDPMMethod, typeof ddpmExponentialIntegrator>> = {
  'exponential-integrator': ddpmExponentialIntegrator,
  'euler-maruyama': ddpmEulerMaruyama,
  ancestral: ddpmAncestral,
  'probability-flow': ddpmProbabilityFlow,
};
