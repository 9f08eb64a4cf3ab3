/**
 * The CLD sampler updates on `(x, v)` in closed form. Every update, including the
 * SSCS sub-steps and the velocity corrector, has the shape
 * `(x, v) ← E (x, v) + w·s_v(t, x, v) + ξ`, `ξ ~ N(0, Q)`, with a 2×2 flow `E`, a
 * 2-vector score weight `w` and a 2×2 increment covariance `Q` acting on each coordinate
 * pair alike (symbols as in DEVELOPING.md "Sampler updates").
 * @packageDocumentation
 */
import {
  CLD_LAYOUT,
  CLD_REVERSE_SDE,
  DDPM_LAYOUT,
  cldCoefficientsInto,
  cldEulerMaruyamaCoefficientsInto,
  langevinCoefficientsInto,
  sscsHalfStepCoefficientsInto,
} from '@sgmkit/tensor';
import type { CLDMethod } from '../samplers/methods.js';
import type { LangevinCorrector } from '../samplers/common.js';

/** Row-major 2×2 matrix `[a00, a01, a10, a11]` on `(x, v)`. */
export type Pair2x2 = readonly [number, number, number, number];

/** One affine-Gaussian update `(x, v) ← E (x, v) + w·s_v(scoreTime, x, v) + ξ`, `ξ ~ N(0, Q)`. */
export interface CLDAffineUpdate {
  readonly linear: Pair2x2;
  /** `w`; `[0, 0]` for the score-free SSCS half steps. */
  readonly scoreWeight: readonly [number, number];
  readonly noiseCovariance: Pair2x2;
  /** Forward time of the score, or `undefined` when `w = 0`. */
  readonly scoreTime: number | undefined;
}

/** The flow, score weight and noise covariance of coefficients `c` in the kernels' layout `CLD_LAYOUT`. */
function affinePieces(c: Float64Array): Omit<CLDAffineUpdate, 'scoreTime'> {
  return {
    linear: [c[CLD_LAYOUT.E11]!, c[CLD_LAYOUT.E12]!, c[CLD_LAYOUT.E21]!, c[CLD_LAYOUT.E22]!],
    scoreWeight: [c[CLD_LAYOUT.W1]!, c[CLD_LAYOUT.W2]!],
    noiseCovariance: [c[CLD_LAYOUT.Q11]!, c[CLD_LAYOUT.Q12]!, c[CLD_LAYOUT.Q12]!, c[CLD_LAYOUT.Q22]!],
  };
}

/**
 * Exponential-integrator pieces for one reverse step of length `h`: the flow
 * `E = e^{hR} = e^h [[1 − h, −h], [h, 1 + h]]`, the frozen-score weight
 * `w = κ ∫_0^h e^{uR}(0, 1) du = 4 (e^h(1 − h) − 1, h e^h)` and the increment covariance
 * `Q = σ² ∫_0^h e^{uR}(0, 1)(0, 1)ᵀ e^{uRᵀ} du`: the kernels' reverse step coefficients
 * (`cldStepCoefficients`, written without its finiteness check: a step too long for finite
 * coefficients gives a non-finite law here, as the recursion would).
 */
export function cldExponentialIntegratorUpdate(h: number): Omit<CLDAffineUpdate, 'scoreTime'> {
  const c = new Float64Array(CLD_LAYOUT.LENGTH);
  cldCoefficientsInto(h, 'reverse', c);
  return affinePieces(c);
}

/**
 * Exact half step of the SSCS linear part `d(x, v) = B (x, v) ds + (0, σ) dB`: flow
 * `E = e^{τB} = e^{−τ} [[1 + τ, −τ], [τ, 1 − τ]]` and covariance
 * `Q = 4 ∫_0^τ e^{−2u} [[u², −u(1 − u)], [−u(1 − u), (1 − u)²]] du` (equal to `I − e^{τB} e^{τBᵀ}`,
 * since `N(0, I)` is stationary for this part): the kernels' forward step coefficients with the
 * off-diagonal entries negated, the very coefficients the `cldSSCS` sampler uses.
 */
export function sscsHalfStepUpdate(tau: number): CLDAffineUpdate {
  const c = new Float64Array(CLD_LAYOUT.LENGTH);
  sscsHalfStepCoefficientsInto(tau, c);
  return { ...affinePieces(c), scoreTime: undefined };
}

/**
 * Euler–Maruyama step of length `h`: `x ← x − h v`, `v ← v + h (x + 2v + 4s) + 2√h z`, i.e.
 * `E = I + hR`, `w = (0, κh)`, `Q = diag(0, σ²h)` (`cldEulerMaruyamaCoefficientsInto`, built from
 * the constants `CLD_REVERSE_SDE` the `cldEulerMaruyama` sampler applies).
 */
export function cldEulerMaruyamaUpdate(h: number): Omit<CLDAffineUpdate, 'scoreTime'> {
  return affinePieces(cldEulerMaruyamaCoefficientsInto(h, new Float64Array(CLD_LAYOUT.LENGTH)));
}

/** The predictor of one step from `from` to `to` as a list of affine updates (three for SSCS). */
export function cldStepUpdates(method: CLDMethod, from: number, to: number): CLDAffineUpdate[] {
  const h = from - to;
  switch (method) {
    case 'exponential-integrator':
      return [{ ...cldExponentialIntegratorUpdate(h), scoreTime: from }];
    case 'euler-maruyama':
      return [{ ...cldEulerMaruyamaUpdate(h), scoreTime: from }];
    case 'sscs': {
      const half = sscsHalfStepUpdate(h / 2);
      // v ← v + κh (s_v + v): the score part of κ s_v = −κv + κ (s_v + v), κ = 4.
      const gain = CLD_REVERSE_SDE.SCORE_GAIN * h;
      const scorePart: CLDAffineUpdate = {
        linear: [1, 0, 0, 1 + gain],
        scoreWeight: [0, gain],
        noiseCovariance: [0, 0, 0, 0],
        scoreTime: from,
      };
      return [half, scorePart, half];
    }
  }
}

/** Velocity Langevin corrector `v ← v + ε s_v(t, x, v) + √(2ε) z` (coefficients of `langevinCoefficientsInto`, as the sampler's `langevinStep`). */
export function cldCorrectorUpdate(stepSize: number, scoreTime: number): CLDAffineUpdate {
  const c = langevinCoefficientsInto(stepSize, new Float64Array(DDPM_LAYOUT.LENGTH));
  return {
    linear: [1, 0, 0, c[DDPM_LAYOUT.LINEAR]!],
    scoreWeight: [0, c[DDPM_LAYOUT.SCORE]!],
    noiseCovariance: [0, 0, 0, c[DDPM_LAYOUT.NOISE_VARIANCE]!],
    scoreTime,
  };
}

/** The whole CLD sampler as a list of affine updates: each step's predictor, then its corrector steps at `t_{k+1}`. */
export function cldUpdateSchedule(
  grid: Float64Array,
  method: CLDMethod,
  corrector?: LangevinCorrector,
): CLDAffineUpdate[] {
  const schedule: CLDAffineUpdate[] = [];
  for (let k = 0; k + 1 < grid.length; k++) {
    schedule.push(...cldStepUpdates(method, grid[k]!, grid[k + 1]!));
    for (let j = 0; j < (corrector?.steps ?? 0); j++)
      schedule.push(cldCorrectorUpdate(corrector!.stepSize, grid[k + 1]!));
  }
  return schedule;
}
