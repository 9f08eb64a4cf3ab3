/**
 * The CLD integrators (critically damped Langevin diffusion), one function per
 * integrator. Symbols as in DEVELOPING.md "Sampler updates": forward drift `A`,
 * reverse drift `R = −A`, score gain `κ = 4`, diffusion `σ = 2`, SSCS linear part `B`.
 * Forward process on `(x, v)`: `d(x, v) = A (x, v) dt + (0, σ) dB`, i.e. `dX = V dt`,
 * `dV = (−X − 2V) dt + 2 dB`, stationary law `N(0, I) ⊗ N(0, I)`. Reverse SDE in reverse
 * time: `d(x, v) = (R (x, v) + (0, κ s_v)) ds + (0, σ) dB`, i.e. `dX = −V ds`,
 * `dV = (X + 2V + 4 s_v) ds + 2 dB`, `s_v = ∇_v ln q_{T−s}(x, v)`.
 * With `h = t_k − t_{k+1}` and the velocity score frozen at the step's left end `t_k`:
 * - exponential integrator: the linear reverse SDE with `s` frozen solved exactly
 *   (flow `E = e^{hR}`, exact frozen-score weight `w`, exact 2×2 increment covariance `Q`)
 *   by the `cldExponentialIntegratorStep` kernel;
 * - Euler–Maruyama: `x ← x − h v`, `v ← v + h(x + 2v + 4s) + 2√h z` (old `x`, `v` on the right),
 *   with `R`, `κ`, `σ` read from `CLD_REVERSE_SDE`;
 * - SSCS (Dockhorn et al. 2022, symmetric splitting): the reverse drift is split as
 *   the linear part `d(x, v) = B (x, v) ds + (0, σ) dB` (solved exactly) and the score step
 *   `S: dV = κ(s_v + V) ds` (one Euler step); a step is `B(h/2) ∘ S(h) ∘ B(h/2)`,
 *   the score evaluated at `t_k` on the state after the first half-step (as in
 *   the nv-tlabs CLD-SGM reference code).
 *
 * The exact `B` flow over time `τ`: with `E_τ = e^{τB} = e^{−τ} [[1 + τ, −τ], [τ, 1 − τ]]`
 * (the forward CLD flow `e^{τA}` conjugated by `D = diag(1, −1)`), `(x, v) ← E_τ (x, v) + L_τ (z₁, z₂)`
 * where `L_τ` is the Cholesky factor of `Q_τ = I − E_τ E_τᵀ` (the flow keeps
 * `N(0, I) ⊗ N(0, I)` invariant, which fixes its noise covariance). The coefficients
 * are `sscsHalfStepCoefficientsInto` of `@sgmkit/tensor` (shared with the exact analysis).
 * @packageDocumentation
 */
import {
  CLD_LAYOUT,
  CLD_REVERSE_SDE,
  InvalidArgumentError,
  cldExponentialIntegratorStep,
  dtypeOf,
  eulerMaruyamaStep,
  expectBatch,
  fillParticleNormals,
  langevinStep,
  sscsHalfStepCoefficientsInto,
} from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import type { CLDScore } from '@sgmkit/score';
import type { CLDMethod } from './methods.js';
import { expectScore } from '@sgmkit/score';
import { checkScoreOutput, prepareRun, scratchBatch, stepReporter } from './common.js';
import type { LangevinCorrector, NoiseOrigin, PreparedRun } from './common.js';
import { correctorStream, predictorStream, secondHalfStepStream } from './streams.js';

/** What a CLD step callback sees, after step `step` (one object per call, updated in place: copy what you keep). */
export interface CLDStepInfo {
  readonly step: number;
  /** Forward time `t_k` the step started from. */
  readonly time: number;
  /** Forward time `t_{k+1}` the particles are now at. */
  readonly nextTime: number;
  readonly x: Batch;
  readonly v: Batch;
  /** Global index of row 0. */
  readonly firstRow: number;
}

/** Per-step callback; throwing from it stops the run. */
export type CLDCallback = (info: CLDStepInfo) => void;

/** Options of the CLD integrators. */
export interface CLDIntegratorOptions {
  readonly callback?: CLDCallback;
  /** Langevin corrector on the velocity after each step. */
  readonly corrector?: LangevinCorrector;
  /** Scratch `n × d` batch for the velocity score (allocated when absent). */
  readonly scoreBuffer?: Batch;
  /** Scratch `n × 2d` batch for the SSCS half-step normals (allocated when absent; SSCS only). */
  readonly noiseBuffer?: Batch;
}

interface Prepared extends PreparedRun {
  /** Calls the callback (if any) after step `step`; one reused info record per call. */
  readonly report: (step: number, time: number, nextTime: number) => void;
}

function prepare(
  fn: string,
  method: CLDMethod,
  score: CLDScore,
  x: Batch,
  v: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: CLDIntegratorOptions,
): Prepared {
  expectScore(fn, 'score', score, { kind: 'cld', otherKindUse: 'sampleDDPM' });
  const [n, d] = expectBatch(fn, 'x', x, score.dim);
  expectBatch(fn, 'v', v, d, n);
  if (dtypeOf(v) !== dtypeOf(x)) throw new InvalidArgumentError(fn, 'v', v, `a batch of dtype ${dtypeOf(x)} like x`);
  if (v.data === x.data && Math.abs(v.offset - x.offset) < n * d)
    throw new InvalidArgumentError(fn, 'v', v, 'a batch that does not overlap x');
  const run = prepareRun(fn, 'cld', method, x, grid, noise, options);
  return { ...run, report: stepReporter(options.callback, { x, v, firstRow: run.noise.firstRow }) };
}

/**
 * Langevin corrector steps on the velocity at forward time `t`:
 * `v ← v + ε s_v(t, x, v) + √(2ε) z`.
 */
function correct(fn: string, score: CLDScore, x: Batch, v: Batch, t: number, step: number, p: Prepared): void {
  for (let j = 0; j < p.correctorSteps; j++) {
    score.evaluate(t, x, v, p.s);
    checkScoreOutput(fn, p.s, step, t, p.noise.firstRow, `the velocity score (corrector step ${j})`);
    langevinStep(v, p.s, p.epsilon, p.noise.seed, correctorStream(step, j), p.noise.firstRow);
  }
}

/**
 * The CLD exponential integrator: the reverse SDE with the velocity score
 * frozen at `s(t_k, x, v)` solved exactly over each step. Requires every
 * `h < stabilityLimit('cld', 'exponential-integrator') ≈ 0.537`.
 * Updates `x`, `v` in place; returns the number of batched score evaluations.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { cldGaussianScore } from '@sgmkit/score';
 * import { cldExponentialIntegrator, uniformGrid } from '@sgmkit/sampler';
 * const score = cldGaussianScore({ mean: [0, 2], covariance: [[1, 0], [0, 0.5]], initialVelocityVariance: 1 });
 * const x = batch(1000, 2), v = batch(1000, 2);
 * fillParticleNormals(x, 1, 0, 0); fillParticleNormals(v, 1, 1, 0); // N(0, I) ⊗ N(0, I)
 * cldExponentialIntegrator(score, x, v, uniformGrid(5, 50), { seed: 1 });
 * ```
 */
export function cldExponentialIntegrator(
  score: CLDScore,
  x: Batch,
  v: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: CLDIntegratorOptions = {},
): number {
  const fn = 'cldExponentialIntegrator';
  const p = prepare(fn, 'exponential-integrator', score, x, v, grid, noise, options);
  const { grid: g, s } = p;
  const { seed, firstRow, firstStep } = p.noise;
  for (let k = 0; k + 1 < g.length; k++) {
    const step = firstStep + k;
    const t = g[k]!;
    const h = t - g[k + 1]!;
    score.evaluate(t, x, v, s);
    checkScoreOutput(fn, s, step, t, firstRow, 'the velocity score');
    // (x, v) ← e^{hR}(x, v) + w·s + ξ, w = ∫₀ʰ e^{uR}(0, κ) du, ξ ~ N(0, Q), Q = ∫₀ʰ e^{uR} diag(0, σ²) e^{uRᵀ} du
    cldExponentialIntegratorStep(x, v, s, h, 'reverse', seed, predictorStream(step), firstRow);
    correct(fn, score, x, v, g[k + 1]!, step, p);
    p.report(step, t, g[k + 1]!);
  }
  return p.evaluations;
}

/**
 * Euler–Maruyama on the CLD reverse SDE: `x ← x − h v`,
 * `v ← v + h(x + 2v + 4 s(t_k, x, v)) + 2√h z`. Requires every `h < 2`.
 * Updates `x`, `v` in place; returns the number of batched score evaluations.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { cldGaussianScore } from '@sgmkit/score';
 * import { cldEulerMaruyama, uniformGrid } from '@sgmkit/sampler';
 * const score = cldGaussianScore({ mean: [0, 2], covariance: [[1, 0], [0, 0.5]], initialVelocityVariance: 1 });
 * const x = batch(1000, 2), v = batch(1000, 2);
 * fillParticleNormals(x, 1, 0, 0); fillParticleNormals(v, 1, 1, 0); // N(0, I) ⊗ N(0, I) (streams 0 and 1)
 * cldEulerMaruyama(score, x, v, uniformGrid(5, 500), { seed: 1 });
 * ```
 */
export function cldEulerMaruyama(
  score: CLDScore,
  x: Batch,
  v: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: CLDIntegratorOptions = {},
): number {
  const fn = 'cldEulerMaruyama';
  const p = prepare(fn, 'euler-maruyama', score, x, v, grid, noise, options);
  const { grid: g, s } = p;
  const { seed, firstRow, firstStep } = p.noise;
  const xData = x.data;
  const vData = v.data;
  const sData = s.data;
  const length = x.shape[0]! * x.shape[1]!;
  // The reverse SDE as written (one source with the analysis' cldEulerMaruyamaCoefficientsInto); R11 = 0.
  const { R12, R21, R22, SCORE_GAIN, DIFFUSION } = CLD_REVERSE_SDE;
  for (let k = 0; k + 1 < g.length; k++) {
    const step = firstStep + k;
    const t = g[k]!;
    const h = t - g[k + 1]!;
    score.evaluate(t, x, v, s);
    checkScoreOutput(fn, s, step, t, firstRow, 'the velocity score');
    // x ← x + h R12 v = x − h v; the velocity drift R21 x + R22 v + κ s = x + 2v + 4s (old x, v) overwrites the score buffer
    const positionGain = h * R12;
    for (let i = 0; i < length; i++) {
      const xi = xData[x.offset + i]!;
      const vi = vData[v.offset + i]!;
      xData[x.offset + i] = xi + positionGain * vi;
      sData[s.offset + i] = R21 * xi + R22 * vi + SCORE_GAIN * sData[s.offset + i]!;
    }
    // v ← v + h·drift + σ√h z, σ = 2
    eulerMaruyamaStep(v, s, h, DIFFUSION, seed, predictorStream(step), firstRow);
    correct(fn, score, x, v, g[k + 1]!, step, p);
    p.report(step, t, g[k + 1]!);
  }
  return p.evaluations;
}

/**
 * One exact `B` half-flow of SSCS (see the module docs) with the coefficients at
 * `c[at ..]` (layout `CLD_LAYOUT`, from `sscsHalfStepCoefficientsInto`):
 * `(x, v) ← E_τ (x, v) + L_τ (z₁, z₂)` with `z₁, z₂` the two halves of each row of `z`.
 */
function sscsLinearFlow(x: Batch, v: Batch, z: Batch, c: Float64Array, at: number): void {
  const e11 = c[at + CLD_LAYOUT.E11]!,
    e12 = c[at + CLD_LAYOUT.E12]!,
    e21 = c[at + CLD_LAYOUT.E21]!,
    e22 = c[at + CLD_LAYOUT.E22]!;
  const l11 = c[at + CLD_LAYOUT.L11]!,
    l21 = c[at + CLD_LAYOUT.L21]!,
    l22 = c[at + CLD_LAYOUT.L22]!;
  const n = x.shape[0]!;
  const d = x.shape[1]!;
  const xData = x.data;
  const vData = v.data;
  const zData = z.data;
  for (let i = 0; i < n; i++) {
    const xRow = x.offset + i * d;
    const vRow = v.offset + i * d;
    const zRow = z.offset + 2 * i * d;
    for (let j = 0; j < d; j++) {
      const xi = xData[xRow + j]!;
      const vi = vData[vRow + j]!;
      const z1 = zData[zRow + j]!;
      const z2 = zData[zRow + d + j]!;
      xData[xRow + j] = e11 * xi + e12 * vi + l11 * z1;
      vData[vRow + j] = e21 * xi + e22 * vi + l21 * z1 + l22 * z2;
    }
  }
}

/**
 * The SSCS half-step coefficients of every step of `grid`, step `k`'s (for
 * `τ = h_k/2`) at `k·CLD_LAYOUT.LENGTH`, computed once for the run. Throws unless all
 * are finite (only absurd steps fail: `τ ≲ 1e-108`, where the position variance
 * `≈ 4τ³/3` underflows, or `τ ≳ 1e154`), before any particle moves.
 */
function halfStepCoefficients(fn: string, grid: Float64Array): Float64Array {
  const all = new Float64Array(Math.max(0, grid.length - 1) * CLD_LAYOUT.LENGTH);
  const c = new Float64Array(CLD_LAYOUT.LENGTH);
  for (let k = 0; k + 1 < grid.length; k++) {
    const h = grid[k]! - grid[k + 1]!;
    if (!sscsHalfStepCoefficientsInto(h / 2, c)) {
      throw new InvalidArgumentError(
        fn,
        'grid',
        grid,
        `a grid whose steps all give finite SSCS half-step coefficients; step ${k} from t = ${grid[k]} to t = ${grid[k + 1]} has h = ${h}`,
      );
    }
    all.set(c, k * CLD_LAYOUT.LENGTH);
  }
  return all;
}

/**
 * SSCS, the symmetric splitting CLD sampler of Dockhorn et al. (2022):
 * `B(h/2) ∘ S(h) ∘ B(h/2)` with the exact flow of the linear part
 * `d(x, v) = B (x, v) ds + (0, σ) dB` (`dX = −V ds, dV = (X − 2V) ds + 2 dB`) and the Euler score step
 * `S(h)`: `v ← v + κh (s(t_k, x, v) + v)`. Half-step normals: streams
 * `predictorStream(k)` and `secondHalfStepStream(k)`, `2d` normals per row
 * (`z₁` = columns `0..d−1`, `z₂` = columns `d..2d−1`).
 * Updates `x`, `v` in place; returns the number of batched score evaluations.
 *
 * @example
 * ```ts
 * import { batch, fillParticleNormals } from '@sgmkit/tensor';
 * import { cldGaussianScore } from '@sgmkit/score';
 * import { cldSSCS, uniformGrid } from '@sgmkit/sampler';
 * const score = cldGaussianScore({ mean: [0, 2], covariance: [[1, 0], [0, 0.5]], initialVelocityVariance: 1 });
 * const x = batch(1000, 2), v = batch(1000, 2);
 * fillParticleNormals(x, 1, 0, 0); fillParticleNormals(v, 1, 1, 0); // N(0, I) ⊗ N(0, I) (streams 0 and 1)
 * cldSSCS(score, x, v, uniformGrid(5, 20), { seed: 1 });
 * ```
 */
export function cldSSCS(
  score: CLDScore,
  x: Batch,
  v: Batch,
  grid: ArrayLike<number>,
  noise: NoiseOrigin,
  options: CLDIntegratorOptions = {},
): number {
  const fn = 'cldSSCS';
  const p = prepare(fn, 'sscs', score, x, v, grid, noise, options);
  const { grid: g, s } = p;
  const { seed, firstRow, firstStep } = p.noise;
  const [n, d] = x.shape as [number, number];
  const z = scratchBatch(fn, 'options.noiseBuffer', options.noiseBuffer, x, n, 2 * d);
  const coefficients = halfStepCoefficients(fn, g);
  const vData = v.data;
  const sData = s.data;
  const length = n * d;
  for (let k = 0; k + 1 < g.length; k++) {
    const step = firstStep + k;
    const t = g[k]!;
    const h = t - g[k + 1]!;
    fillParticleNormals(z, seed, predictorStream(step), firstRow);
    sscsLinearFlow(x, v, z, coefficients, k * CLD_LAYOUT.LENGTH);
    score.evaluate(t, x, v, s);
    checkScoreOutput(fn, s, step, t, firstRow, 'the velocity score');
    // v ← v + κh (s + v), κ = 4
    const scoreGain = CLD_REVERSE_SDE.SCORE_GAIN * h;
    for (let i = 0; i < length; i++)
      vData[v.offset + i] = vData[v.offset + i]! + scoreGain * (sData[s.offset + i]! + vData[v.offset + i]!);
    fillParticleNormals(z, seed, secondHalfStepStream(step), firstRow);
    sscsLinearFlow(x, v, z, coefficients, k * CLD_LAYOUT.LENGTH);
    correct(fn, score, x, v, g[k + 1]!, step, p);
    p.report(step, t, g[k + 1]!);
  }
  return p.evaluations;
}

/** The CLD integrator of each method. */
export const CLD_INTEGRATORS: Readonly<Record<CLDMethod, typeof cldExponentialIntegrator>> = {
  'exponential-integrator': cldExponentialIntegrator,
  'euler-maruyama': cldEulerMaruyama,
  sscs: cldSSCS,
};
