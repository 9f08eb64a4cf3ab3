/**
 * Closed-form coefficients of one exponential-integrator step of the
 * critically damped Langevin diffusion (CLD) on a coordinate pair `(x, v)`.
 *
 * Forward: `d(X, V) = A (X, V) dt + (0, f) dt + (0, 2) dB`, `A = [[0, 1], [−1, −2]]`,
 * `f` an optional frozen forcing (absent for the plain forward process).
 * Reverse: `dX = −V dt`, `dV = (X + 2V + 4s) dt + 2 dB`, i.e. drift matrix `−A`
 * and forcing `4s`, `s` the velocity score frozen over the step.
 *
 * With `M = A` (forward) or `M = −A` (reverse) and the forcing frozen, the
 * step is exactly `(x, v) ← E (x, v) + w·s + ξ`, where
 * - `E = exp(hM)`. `A = −I + N` with `N = [[1, 1], [−1, −1]]`, `N² = 0`, so
 *   `exp(tA) = e^{−t}(I + tN) = e^{−t}[[1+t, t], [−t, 1−t]]`, and `exp(h(−A)) = exp((−h)A)`.
 * - `w = ∫₀ʰ exp(uM)(0, κ)ᵀ du` with `κ = 1` forward, `κ = 4` reverse. The
 *   second column of `exp(tA)` is `e^{−t}(t, 1−t)`, so for `M = A`
 *   `w/κ = (1 − e^{−h}(1+h), h e^{−h}) = (g₁(h), h e^{−h})`; for `M = −A`
 *   replace `t` by `−t`: `w/κ = (−g₁(−h), h e^{h})`.
 * - `ξ ~ N(0, Σ)`, `Σ = ∫₀ʰ exp(uM) Q exp(uM)ᵀ du`, `Q = diag(0, 4)`. With
 *   `c(t) = e^{−t}(t, 1−t)` and `Iₙ = ∫₀ʰ tⁿ e^{−2t} dt = n!/2^{n+1}·gₙ(2h)`,
 *   forward `Σ = 4[[I₂, I₁−I₂], [I₁−I₂, I₀−2I₁+I₂]]`
 *   `= [[g₂(2h), 2h²e^{−2h}], [2h²e^{−2h}, 4h e^{−2h} + g₂(2h)]]`.
 *   For `M = −A`, `c_rev(t) = c(−t)` and substituting `u = −t` gives
 *   `Σ_rev(h) = −Σ_fwd(−h)`.
 * Here `gₙ(x) = 1 − e^{−x} Σ_{k≤n} x^k/k!` (a regularised incomplete gamma
 * function), evaluated by its power series `e^{−x} Σ_{k>n} x^k/k!` for small
 * `|x|`, so every coefficient keeps full relative accuracy as `h → 0`.
 * `ξ` is sampled as `L (z₁, z₂)` with the Cholesky factor `L` of `Σ`.
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
  /** Increment covariance `Σ`, row-major `[Σ11, Σ12, Σ21, Σ22]`. */
  readonly covariance: Float64Array;
  /** Lower Cholesky factor `L` of `Σ`, row-major `[L11, 0, L21, L22]`. */
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
export const CLD = { E11: 0, E12: 1, E21: 2, E22: 3, W1: 4, W2: 5, S11: 6, S12: 7, S22: 8, L11: 9, L21: 10, L22: 11, LENGTH: 12 } as const;

/**
 * Writes the coefficients of a CLD step into `out` (layout {@link CLD}) without
 * allocating; returns false when `h` is too large for finite coefficients.
 * `h` must be finite and > 0 (callers validate).
 */
export function cldCoefficientsInto(h: number, direction: CLDDirection, out: Float64Array): boolean {
  // Reverse: exp(h(−A)) = exp((−h)A), w_rev = −4·w_fwd(−h), Σ_rev = −Σ_fwd(−h).
  const forward = direction === 'forward';
  const t = forward ? h : -h;
  const sign = forward ? 1 : -1;
  const kappa = forward ? 1 : 4;
  const decay = exp(-t);
  const decay2 = exp(-2 * t);
  const g2 = expRemainder(2, 2 * t);
  out[CLD.E11] = decay * (1 + t);
  out[CLD.E12] = decay * t;
  out[CLD.E21] = -decay * t;
  out[CLD.E22] = decay * (1 - t);
  out[CLD.W1] = sign * kappa * expRemainder(1, t);
  out[CLD.W2] = sign * kappa * t * decay;
  const s11 = sign * g2, s12 = sign * 2 * t * t * decay2, s22 = sign * (4 * t * decay2 + g2);
  out[CLD.S11] = s11;
  out[CLD.S12] = s12;
  out[CLD.S22] = s22;
  const l11 = Math.sqrt(s11), l21 = s12 / l11;
  out[CLD.L11] = l11;
  out[CLD.L21] = l21;
  out[CLD.L22] = Math.sqrt(s22 - l21 * l21);
  for (let i = 0; i < CLD.LENGTH; i++) if (!Number.isFinite(out[i])) return false;
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
 * `h` into `out` (layout {@link CLD}) as `(x, v) ← E (x, v) + w·s + ξ`: `E = I + hR`,
 * `w = (0, hκ)`, `Σ = diag(0, hσ²)`, `L = diag(0, σ√h)`. Unchecked (`h` finite and > 0);
 * always finite for finite `h`.
 */
export function cldEulerMaruyamaCoefficientsInto(h: number, out: Float64Array): Float64Array {
  const { R11, R12, R21, R22, SCORE_GAIN, DIFFUSION } = CLD_REVERSE_SDE;
  out[CLD.E11] = 1 + h * R11;
  out[CLD.E12] = h * R12;
  out[CLD.E21] = h * R21;
  out[CLD.E22] = 1 + h * R22;
  out[CLD.W1] = 0;
  out[CLD.W2] = h * SCORE_GAIN;
  out[CLD.S11] = 0;
  out[CLD.S12] = 0;
  out[CLD.S22] = h * (DIFFUSION * DIFFUSION);
  out[CLD.L11] = 0;
  out[CLD.L21] = 0;
  out[CLD.L22] = DIFFUSION * Math.sqrt(h);
  return out;
}

/** Throws unless `h` and `direction` are valid and give finite coefficients; fills `out`. */
export function expectCldStep(fn: string, h: unknown, direction: unknown, out: Float64Array): void {
  const size = expectPositive(fn, 'h', h);
  if (direction !== 'forward' && direction !== 'reverse') throw new InvalidArgumentError(fn, 'direction', direction, "'forward' or 'reverse'");
  if (!cldCoefficientsInto(size, direction, out)) throw new InvalidArgumentError(fn, 'h', h, `small enough for finite ${direction} CLD coefficients`);
}

/**
 * Exact coefficients of one CLD exponential-integrator step of size `h` (see
 * the module documentation for the derivation). Throws `InvalidArgumentError`
 * unless `h` is finite and > 0 and the coefficients are finite.
 */
export function cldStepCoefficients(h: number, direction: CLDDirection): CLDStepCoefficients {
  const c = new Float64Array(CLD.LENGTH);
  expectCldStep('cldStepCoefficients', h, direction, c);
  return {
    transition: c.slice(CLD.E11, CLD.E22 + 1),
    scoreIntegral: c.slice(CLD.W1, CLD.W2 + 1),
    covariance: Float64Array.of(c[CLD.S11]!, c[CLD.S12]!, c[CLD.S12]!, c[CLD.S22]!),
    cholesky: Float64Array.of(c[CLD.L11]!, 0, c[CLD.L21]!, c[CLD.L22]!),
  };
}
