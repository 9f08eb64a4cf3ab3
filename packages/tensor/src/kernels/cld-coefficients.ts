/**
 * Closed-form coefficients of one exponential-integrator step of the
 * critically damped Langevin diffusion (CLD) on a coordinate pair `(x, v)`.
 * Symbols as in DEVELOPING.md "Sampler updates" (`A`, `R`, `κ`, `σ`, `E`, `w`, `Q`, `L`).
 *
 * Forward: `d(X, V) = A (X, V) dt + (0, f) dt + (0, σ) dB`, `A = [[0, 1], [−1, −2]]`, `σ = 2`,
 * `f` an optional frozen forcing (absent for the plain forward process).
 * Reverse: `dX = −V dt`, `dV = (X + 2V + 4s) dt + 2 dB`, i.e. drift matrix `R = −A`
 * and forcing `κs`, `κ = 4`, `s` the velocity score frozen over the step.
 *
 * With `M = A` (forward) or `M = R` (reverse) and the forcing frozen, the
 * step is exactly `(x, v) ← E (x, v) + w·s + ξ`, where
 * - `E = exp(hM)`. `A = −I + N` with `N = [[1, 1], [−1, −1]]`, `N² = 0`, so
 *   `exp(tA) = e^{−t}(I + tN) = e^{−t}[[1+t, t], [−t, 1−t]]`, and `exp(hR) = exp((−h)A)`.
 * - `w = ∫₀ʰ exp(uM)(0, c)ᵀ du` with `c = 1` forward, `c = κ` reverse. The
 *   second column of `exp(tA)` is `e^{−t}(t, 1−t)`, so for `M = A`
 *   `w/c = (1 − e^{−h}(1+h), h e^{−h}) = (g₁(h), h e^{−h})`; for `M = R`
 *   replace `t` by `−t`: `w/c = (−g₁(−h), h e^{h})`.
 * - `ξ ~ N(0, Q)`, `Q = ∫₀ʰ exp(uM) diag(0, σ²) exp(uM)ᵀ du`. With
 *   `c(t) = e^{−t}(t, 1−t)` and `Iₙ = ∫₀ʰ tⁿ e^{−2t} dt = n!/2^{n+1}·gₙ(2h)`,
 *   forward `Q = 4[[I₂, I₁−I₂], [I₁−I₂, I₀−2I₁+I₂]]`
 *   `= [[g₂(2h), 2h²e^{−2h}], [2h²e^{−2h}, 4h e^{−2h} + g₂(2h)]]`.
 *   For `M = R`, `c_rev(t) = c(−t)` and substituting `u = −t` gives
 *   `Q_rev(h) = −Q_fwd(−h)`.
 * Here `gₙ(x) = 1 − e^{−x} Σ_{k≤n} x^k/k!` (a regularised incomplete gamma
 * function), evaluated by its power series `e^{−x} Σ_{k>n} x^k/k!` for small
 * `|x|`, so every coefficient keeps full relative accuracy as `h → 0`.
 * `ξ` is sampled as `L (z₁, z₂)` with the lower Cholesky factor `L` of `Q`.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '../errors.js';
import { expectPositive } from '../validate.js';
import { exp } from '../math/portable.js';

/** Direction of a CLD step: the forward noising process or the reverse-time sampler. */
export type CLDDirection = 'forward' | 'reverse';

/** The exact one-step coefficients of a CLD step of size `h` (2×2 matrices row-major). */
export interface CLDStepCoefficients {
  /** `exp(hM)`, row-major `[E11, E12, E21, E22]`. */
  readonly transition: Float64Array;
  /** `w = ∫₀ʰ exp(uM)(0, κ)ᵀ du`: multiplies the frozen score (reverse, κ = 4) or forcing (forward, κ = 1). */
  readonly scoreIntegral: Float64Array;
  /** Increment covariance `Q`, row-major `[Q11, Q12, Q21, Q22]`. */
  readonly covariance: Float64Array;
  /** Lower Cholesky factor `L` of `Q`, row-major `[L11, 0, L21, L22]`. */
  readonly cholesky: Float64Array;
}

/** `gₙ(x) = 1 − e^{−x} Σ_{k≤n} x^k/k!`, accurate to a few ulps relative for all finite x. */
export function expRemainder(n: number, x: number): number {
  if (Math.abs(x) < 1) {
    // e^{−x} Σ_{k>n} x^k/k!: a fast, cancellation-free series for small |x|.
    let term = 1;
    for (let k = 1; k <= n; k++) term *= x / k;
    let sum = 0;
    for (let k = n + 1; k < n + 60; k++) {
      term *= x / k;
      const next = sum + term;
      if (next === sum) break;
      sum = next;
    }
    return exp(-x) * sum;
  }
  let partial = 1;
  let term = 1;
  for (let k = 1; k <= n; k++) {
    term *= x / k;
    partial += term;
  }
  return 1 - exp(-x) * partial;
}

/** Layout of {@link cldCoefficientsInto}'s output. */
export const CLD_LAYOUT = {
  E11: 0,
  E12: 1,
  E21: 2,
  E22: 3,
  W1: 4,
  W2: 5,
  Q11: 6,
  Q12: 7,
  Q22: 8,
  L11: 9,
  L21: 10,
  L22: 11,
  LENGTH: 12,
} as const;

/**
 * Writes the coefficients of a CLD step into `out` (layout {@link CLD_LAYOUT}) without
 * allocating; returns false when `h` is too large for finite coefficients.
 * `h` must be finite and > 0 (callers validate).
 */
export function cldCoefficientsInto(h: number, direction: CLDDirection, out: Float64Array): boolean {
  // Reverse: exp(hR) = exp((−h)A), w_rev = −κ·w_fwd(−h), Q_rev = −Q_fwd(−h).
  const forward = direction === 'forward';
  const t = forward ? h : -h;
  const sign = forward ? 1 : -1;
  const kappa = forward ? 1 : 4;
  const decay = exp(-t);
  const decay2 = exp(-2 * t);
  const g2 = expRemainder(2, 2 * t);
  out[CLD_LAYOUT.E11] = decay * (1 + t);
  out[CLD_LAYOUT.E12] = decay * t;
  out[CLD_LAYOUT.E21] = -decay * t;
  out[CLD_LAYOUT.E22] = decay * (1 - t);
  out[CLD_LAYOUT.W1] = sign * kappa * expRemainder(1, t);
  out[CLD_LAYOUT.W2] = sign * kappa * t * decay;
  const q11 = sign * g2,
    q12 = sign * 2 * t * t * decay2,
    q22 = sign * (4 * t * decay2 + g2);
  out[CLD_LAYOUT.Q11] = q11;
  out[CLD_LAYOUT.Q12] = q12;
  out[CLD_LAYOUT.Q22] = q22;
  const l11 = Math.sqrt(q11),
    l21 = q12 / l11;
  out[CLD_LAYOUT.L11] = l11;
  out[CLD_LAYOUT.L21] = l21;
  out[CLD_LAYOUT.L22] = Math.sqrt(q22 - l21 * l21);
  for (let i = 0; i < CLD_LAYOUT.LENGTH; i++) if (!Number.isFinite(out[i])) return false;
  return true;
}

/**
 * The reverse CLD SDE `d(x, v) = R (x, v) ds + (0, κ s_v) ds + (0, σ) dB` on a
 * coordinate pair: drift `R = −A = [[0, −1], [1, 2]]` (row-major `R11 … R22`),
 * velocity-score gain `κ = 4` and velocity diffusion `σ = 2`. The Euler–Maruyama
 * sampler applies them as written ({@link cldEulerMaruyamaCoefficientsInto} gives the
 * same step as one affine update, for the exact analysis).
 */
export const CLD_REVERSE_SDE = { R11: 0, R12: -1, R21: 1, R22: 2, SCORE_GAIN: 4, DIFFUSION: 2 } as const;

/**
 * Writes one Euler–Maruyama step of the reverse CLD SDE ({@link CLD_REVERSE_SDE}) of size
 * `h` into `out` (layout {@link CLD_LAYOUT}) as `(x, v) ← E (x, v) + w·s + ξ`: `E = I + hR`,
 * `w = (0, hκ)`, `Q = diag(0, hσ²)`, `L = diag(0, σ√h)`. Unchecked (`h` finite and > 0);
 * always finite for finite `h`.
 */
export function cldEulerMaruyamaCoefficientsInto(h: number, out: Float64Array): Float64Array {
  const { R11, R12, R21, R22, SCORE_GAIN, DIFFUSION } = CLD_REVERSE_SDE;
  out[CLD_LAYOUT.E11] = 1 + h * R11;
  out[CLD_LAYOUT.E12] = h * R12;
  out[CLD_LAYOUT.E21] = h * R21;
  out[CLD_LAYOUT.E22] = 1 + h * R22;
  out[CLD_LAYOUT.W1] = 0;
  out[CLD_LAYOUT.W2] = h * SCORE_GAIN;
  out[CLD_LAYOUT.Q11] = 0;
  out[CLD_LAYOUT.Q12] = 0;
  out[CLD_LAYOUT.Q22] = h * (DIFFUSION * DIFFUSION);
  out[CLD_LAYOUT.L11] = 0;
  out[CLD_LAYOUT.L21] = 0;
  out[CLD_LAYOUT.L22] = DIFFUSION * Math.sqrt(h);
  return out;
}

/** Throws unless `h` and `direction` are valid and give finite coefficients; fills `out`. */
export function expectCLDStep(fn: string, h: unknown, direction: unknown, out: Float64Array): void {
  const size = expectPositive(fn, 'h', h);
  if (direction !== 'forward' && direction !== 'reverse')
    throw new InvalidArgumentError(fn, 'direction', direction, "'forward' or 'reverse'");
  if (!cldCoefficientsInto(size, direction, out))
    throw new InvalidArgumentError(fn, 'h', h, `small enough for finite ${direction} CLD coefficients`);
}

/**
 * Exact coefficients of one CLD exponential-integrator step of size `h` (see
 * the module documentation for the derivation). Throws `InvalidArgumentError`
 * unless `h` is finite and > 0 and the coefficients are finite.
 */
export function cldStepCoefficients(h: number, direction: CLDDirection): CLDStepCoefficients {
  const c = new Float64Array(CLD_LAYOUT.LENGTH);
  expectCLDStep('cldStepCoefficients', h, direction, c);
  return {
    transition: c.slice(CLD_LAYOUT.E11, CLD_LAYOUT.E22 + 1),
    scoreIntegral: c.slice(CLD_LAYOUT.W1, CLD_LAYOUT.W2 + 1),
    covariance: Float64Array.of(c[CLD_LAYOUT.Q11]!, c[CLD_LAYOUT.Q12]!, c[CLD_LAYOUT.Q12]!, c[CLD_LAYOUT.Q22]!),
    cholesky: Float64Array.of(c[CLD_LAYOUT.L11]!, 0, c[CLD_LAYOUT.L21]!, c[CLD_LAYOUT.L22]!),
  };
}
