/**
 * The CLD sampler updates on `(x, v)` in closed form. Every update, including the
 * SSCS sub-steps and the velocity corrector, has the shape
 * `(x, v) ← L (x, v) + w·s_v(t, x, v) + ξ`, `ξ ~ N(0, Q)`, with a 2×2 `L`, a
 * 2-vector `w` and a 2×2 `Q` acting on each coordinate pair alike
 * (DEVELOPING.md "Sampler updates").
 * @packageDocumentation
 */
import type { CorrectorOptions, CLDUpdate } from './options.js';

/** Row-major 2×2 matrix `[a00, a01, a10, a11]` on `(x, v)`. */
export type Pair2x2 = readonly [number, number, number, number];

/** One affine-Gaussian update `(x, v) ← L (x, v) + w·s_v(scoreTime, x, v) + ξ`, `ξ ~ N(0, Q)`. */
export interface CLDAffineUpdate {
  readonly linear: Pair2x2;
  /** `w`; `[0, 0]` for the score-free SSCS half steps. */
  readonly scoreWeight: readonly [number, number];
  readonly noiseCovariance: Pair2x2;
  /** Forward time of the score, or `undefined` when `w = 0`. */
  readonly scoreTime: number | undefined;
}

/**
 * `J_n(a, h) = ∫_0^h uⁿ e^{au} du` for n ∈ {0, 1, 2}: by its power series (no
 * cancellation for small `|a|h`, where the closed form loses digits), else by the
 * recurrence `J_n = (hⁿ e^{ah} − n J_{n−1})/a`.
 */
export function integralPowerExp(n: 0 | 1 | 2, a: number, h: number): number {
  if (Math.abs(a) * h <= 2) {
    // Σ_j a^j h^{n+j+1} / (j! (n + j + 1))
    let power = h ** (n + 1);
    let sum = 0;
    for (let j = 0; j < 200; j++) {
      const term = power / (n + j + 1);
      sum += term;
      if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
      power *= (a * h) / (j + 1);
    }
    return sum;
  }
  const growth = Math.exp(a * h);
  const j0 = Math.expm1(a * h) / a;
  if (n === 0) return j0;
  const j1 = (h * growth - j0) / a;
  if (n === 1) return j1;
  return (h * h * growth - 2 * j1) / a;
}

/** `e^{hG}` for the reverse linear part `G = [[0, −1], [1, 2]]` (double eigenvalue 1): `e^h [[1 − h, −h], [h, 1 + h]]`. */
export function cldReverseFlow(h: number): Pair2x2 {
  const e = Math.exp(h);
  return [e * (1 - h), -e * h, e * h, e * (1 + h)];
}

/** `e^{τF}` for the SSCS linear part `F = [[0, −1], [1, −2]]` (double eigenvalue −1): `e^{−τ} [[1 + τ, −τ], [τ, 1 − τ]]`. */
export function sscsLinearFlow(tau: number): Pair2x2 {
  const e = Math.exp(-tau);
  return [e * (1 + tau), -e * tau, e * tau, e * (1 - tau)];
}

/** `e^{tF}` of the forward CLD drift `F = [[0, 1], [−1, −2]]`: `e^{−t} [[1 + t, t], [−t, 1 − t]]`. */
export function cldForwardFlow(t: number): Pair2x2 {
  const e = Math.exp(-t);
  return [e * (1 + t), e * t, -e * t, e * (1 - t)];
}

/**
 * Exponential-integrator pieces for one reverse step of length `h`:
 * the flow `e^{hG}`, the frozen-score weight `w = 4 ∫_0^h e^{uG}(0, 1) du = 4 (e^h(1 − h) − 1, h e^h)`
 * and the increment covariance `Q = 4 ∫_0^h e^{uG}(0, 1)(0, 1)ᵀ e^{uGᵀ} du`, with
 * `e^{uG}(0, 1) = e^u (−u, 1 + u)`.
 */
export function cldExponentialIntegratorUpdate(h: number): Omit<CLDAffineUpdate, 'scoreTime'> {
  const [j0, j1, j2] = [integralPowerExp(0, 2, h), integralPowerExp(1, 2, h), integralPowerExp(2, 2, h)];
  const [k0, k1] = [integralPowerExp(0, 1, h), integralPowerExp(1, 1, h)];
  const xv = -4 * (j1 + j2);
  return {
    linear: cldReverseFlow(h),
    scoreWeight: [-4 * k1, 4 * (k0 + k1)],
    noiseCovariance: [4 * j2, xv, xv, 4 * (j0 + 2 * j1 + j2)],
  };
}

/**
 * Exact half step of the SSCS linear part `d(x, v) = F (x, v) ds + (0, 2) dB`: flow
 * `e^{τF}` and covariance `4 ∫_0^τ e^{−2u} [[u², −u(1 − u)], [−u(1 − u), (1 − u)²]] du`
 * (equal to `I − e^{τF} e^{τFᵀ}`, since `N(0, I)` is stationary for this part).
 */
export function sscsHalfStepUpdate(tau: number): CLDAffineUpdate {
  const [k0, k1, k2] = [integralPowerExp(0, -2, tau), integralPowerExp(1, -2, tau), integralPowerExp(2, -2, tau)];
  const xv = -4 * (k1 - k2);
  return { linear: sscsLinearFlow(tau), scoreWeight: [0, 0], noiseCovariance: [4 * k2, xv, xv, 4 * (k0 - 2 * k1 + k2)], scoreTime: undefined };
}

/** The predictor of one step from `from` to `to` as a list of affine updates (three for SSCS). */
export function cldStepUpdates(method: CLDUpdate, from: number, to: number): CLDAffineUpdate[] {
  const h = from - to;
  switch (method) {
    case 'exponential-integrator':
      return [{ ...cldExponentialIntegratorUpdate(h), scoreTime: from }];
    case 'euler-maruyama':
      // x ← x − h v; v ← v + h (x + 2v + 4s) + 2√h z.
      return [{ linear: [1, -h, h, 1 + 2 * h], scoreWeight: [0, 4 * h], noiseCovariance: [0, 0, 0, 4 * h], scoreTime: from }];
    case 'sscs': {
      const half = sscsHalfStepUpdate(h / 2);
      // v ← v + 4h (s_v + v): the score part of 4 s_v = −4v + 4 (s_v + v).
      const scorePart: CLDAffineUpdate = { linear: [1, 0, 0, 1 + 4 * h], scoreWeight: [0, 4 * h], noiseCovariance: [0, 0, 0, 0], scoreTime: from };
      return [half, scorePart, half];
    }
  }
}

/** Velocity Langevin corrector `v ← v + ε s_v(t, x, v) + √(2ε) z`. */
export function cldCorrectorUpdate(stepSize: number, scoreTime: number): CLDAffineUpdate {
  return { linear: [1, 0, 0, 1], scoreWeight: [0, stepSize], noiseCovariance: [0, 0, 0, 2 * stepSize], scoreTime };
}

/** The whole CLD sampler as a list of affine updates: each step's predictor, then its corrector steps at `t_{k+1}`. */
export function cldUpdateSchedule(grid: Float64Array, method: CLDUpdate, corrector?: CorrectorOptions): CLDAffineUpdate[] {
  const schedule: CLDAffineUpdate[] = [];
  for (let k = 0; k + 1 < grid.length; k++) {
    schedule.push(...cldStepUpdates(method, grid[k]!, grid[k + 1]!));
    for (let j = 0; j < (corrector?.steps ?? 0); j++) schedule.push(cldCorrectorUpdate(corrector!.stepSize, grid[k + 1]!));
  }
  return schedule;
}
