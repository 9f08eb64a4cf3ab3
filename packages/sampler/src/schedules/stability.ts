/**
 * Step-size stability limits of the integrators, derived at the stationary
 * point: data `N(0, I)`, for which the exact score is `s(t, y) = −y` (DDPM) or
 * `s_v(t, x, v) = −v` (CLD, data and initial velocity `N(0, I)`) at every time.
 * Each step is then a linear map `u ← M_h u + noise`, the covariance obeys
 * `P ← M_h P M_hᵀ + Q_h`, whose contraction factor is `ρ(M_h)²`; a step with
 * `ρ(M_h) ≥ 1` makes the variance grow without bound over many steps.
 *
 * - DDPM exponential integrator: `y ← e^h y + 2(e^h − 1)(−y) + … = (2 − e^h) y + …`;
 *   `|2 − e^h| < 1 ⟺ h < ln 3`.
 * - DDPM Euler–Maruyama: `y ← y + h(y − 2y) + … = (1 − h) y + …`; `h < 2`.
 * - DDPM ancestral: `y ← (1 − β) y/√α + … = e^{−h} y + …`: stable for every `h`.
 * - DDPM probability flow: `y ← e^h y − (e^h − 1) y = y`: the identity, stable for every `h`.
 * - DDPM probability-flow solvers (`heun`, `dpmpp-2m`, `deis-*`): every one reproduces the exact flow at the
 *   stationary point (`dpmpp-2m` and `deis-*` integrate a constant data prediction or score exactly, and the
 *   exact flow is the identity), except Heun in `x̄ = y/α`, whose one-step multiplier there is
 *   `1 − a/2 − b(1 − a)/2 ∈ [0, 1]` (`a = |Δσ̄|σ̄_from/(1 + σ̄_from²) ≤ 1`, `b(1 − a) ≤ 1`): stable for every `h`.
 * - DDPM exponential Heun: the data prediction there is `α_t y`, not linear in `λ`, so a step is not the identity.
 *   Measured: its multiplier lies in `(0.0027, 1.076)` for every step tried (`to` from 1e-6 to 40, `from − to`
 *   from 1e-4 to 20), and the product over a whole grid stayed below 1.05 on every grid tried (uniform and
 *   geometric grids of 1–1000 steps, 20 000 random ones): a bounded factor that does not grow with the number of
 *   steps, so stable for every `h`.
 * - DDPM stochastic Heun: `ỹ = (2 − e^h) y + ξ`, `y ← (2 − e^h + w₁(e^h − 1)) y + …`,
 *   `w₁ = 2(e^h − 1 − h)/h`; the gain reaches 1 at `h* ≈ 0.76` (bisection in {@link stochasticHeunGain}'s limit).
 * - Langevin corrector `y ← y + ε(−y) + …`: `|1 − ε| < 1 ⟺ ε < 2`.
 * - CLD exponential integrator (reverse drift `R = [[0, −1], [1, 2]]` on `(x, v)`, score frozen):
 *   `M_h = e^{hR} − 4 (∫₀ʰ e^{rR} dr) e₂e₂ᵀ`. With `R = I + N`, `N² = 0`,
 *   `M_h = e^h [[1 − h, 3h − 4 + 4e^{−h}], [h, 1 − 3h]]`, `tr = e^h (2 − 4h)`,
 *   `det = e^{2h} − 4h e^h`. Its spectral radius crosses 1 at `h* ≈ 0.5372`
 *   (computed by bisection in {@link cldExponentialIntegratorSpectralRadius}).
 * - CLD Euler–Maruyama: `M_h = [[1, −h], [h, 1 − 2h]]`, double eigenvalue `1 − h`: `h < 2`.
 * - CLD SSCS: the two analytic half-steps are exact forward-CLD flows (contracting) and the
 *   score step `v ← v + 4h(s + v)` is the identity at the stationary point: stable for every `h`.
 *
 * These are limits at `N(0, I)`; data with a small covariance eigenvalue `λ` has
 * a larger score Lipschitz constant near `t = 0` and needs smaller steps there.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '@sgmkit/tensor';
import { exp, expRemainder, log } from '@sgmkit/tensor';
import { CLD_METHODS, DDPM_METHODS, type CLDMethod, type DDPMMethod } from '../samplers/methods.js';

/** Langevin corrector step sizes must be `< 2` (stationary-point limit, see the module docs). */
export const LANGEVIN_STABILITY_LIMIT = 2;

/**
 * Spectral radius `ρ(M_h)` of the CLD exponential integrator's one-step map at
 * the stationary point (see the module docs for `M_h`).
 */
export function cldExponentialIntegratorSpectralRadius(h: number): number {
  const e = exp(h);
  const trace = e * (2 - 4 * h);
  const det = e * e - 4 * h * e;
  const disc = trace * trace - 4 * det;
  if (disc >= 0) {
    const r = Math.sqrt(disc);
    return Math.max(Math.abs((trace + r) / 2), Math.abs((trace - r) / 2));
  }
  return Math.sqrt(det); // complex pair: |λ|² = det
}

/** The stochastic Heun step's gain at the stationary point, `2 − e^h + w₁(e^h − 1)` with `w₁ = 2(e^h − 1 − h)/h`. */
export function stochasticHeunGain(h: number): number {
  const e = exp(h);
  return 2 - e + ((2 * e * expRemainder(1, h)) / h) * (e - 1);
}

/** Smallest `h > 0` with `|gain| = 1` for the stochastic Heun step (below 0.7 the gain is in (0, 1)). */
function computeStochasticHeunLimit(): number {
  let lo = 0.7;
  let hi = 0.9;
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (Math.abs(stochasticHeunGain(mid)) < 1) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Smallest `h > 0` with `ρ(M_h) = 1`: scan then bisect (the radius is < 1 on (0, 0.5]). */
function computeCLDExponentialIntegratorLimit(): number {
  let lo = 0.5;
  let hi = lo;
  while (cldExponentialIntegratorSpectralRadius(hi) < 1) {
    lo = hi;
    hi += 0.01;
  }
  for (let i = 0; i < 200 && hi - lo > 1e-15; i++) {
    const mid = (lo + hi) / 2;
    if (cldExponentialIntegratorSpectralRadius(mid) < 1) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * The largest stable step of an integrator on `N(0, I)` data (see the module
 * docs for each derivation); `Infinity` when every step is stable there.
 * Samplers refuse grids with a step `h_k ≥ stabilityLimit(...)`.
 *
 * @example
 * ```ts
 * import { stabilityLimit } from '@sgmkit/sampler';
 * stabilityLimit('ddpm', 'exponential-integrator'); // Math.log(3) ≈ 1.0986
 * stabilityLimit('cld', 'exponential-integrator');  // ≈ 0.5372
 * ```
 */
export function stabilityLimit(sampler: 'ddpm', method: DDPMMethod): number;
export function stabilityLimit(sampler: 'cld', method: CLDMethod): number;
export function stabilityLimit(sampler: 'ddpm' | 'cld', method: DDPMMethod | CLDMethod): number;
export function stabilityLimit(sampler: 'ddpm' | 'cld', method: DDPMMethod | CLDMethod): number {
  const fn = 'stabilityLimit';
  if (sampler === 'ddpm') {
    switch (method) {
      case 'exponential-integrator':
        return log(3);
      case 'euler-maruyama':
        return 2;
      case 'ancestral':
        return Infinity;
      case 'probability-flow':
        return Infinity;
      case 'heun':
        return Infinity;
      case 'exponential-heun':
        return Infinity;
      case 'dpmpp-2m':
        return Infinity;
      case 'deis-1':
        return Infinity;
      case 'deis-2':
        return Infinity;
      case 'deis-3':
        return Infinity;
      case 'stochastic-heun':
        return computeStochasticHeunLimit();
      default:
        throw new InvalidArgumentError(fn, 'method', method, `one of ${DDPM_METHODS.map((m) => `'${m}'`).join(', ')}`);
    }
  }
  if (sampler === 'cld') {
    switch (method) {
      case 'exponential-integrator':
        return computeCLDExponentialIntegratorLimit(); // ~60 bisection steps on a 2×2 closed form: microseconds
      case 'euler-maruyama':
        return 2;
      case 'sscs':
        return Infinity;
      default:
        throw new InvalidArgumentError(fn, 'method', method, `one of ${CLD_METHODS.map((m) => `'${m}'`).join(', ')}`);
    }
  }
  throw new InvalidArgumentError(fn, 'sampler', sampler, "'ddpm' or 'cld'");
}

/**
 * Throws unless every step of `grid` is below the integrator's stability
 * limit; the error names the first offending step and its size.
 */
export function expectStableGrid(
  fn: string,
  argument: string,
  grid: Float64Array,
  sampler: 'ddpm' | 'cld',
  method: DDPMMethod | CLDMethod,
): void {
  const limit = stabilityLimit(sampler, method);
  if (limit === Infinity) return;
  for (let k = 0; k + 1 < grid.length; k++) {
    const h = grid[k]! - grid[k + 1]!;
    if (!(h < limit)) {
      throw new InvalidArgumentError(
        fn,
        argument,
        grid,
        `a grid whose steps are all below the ${sampler} '${method}' stability limit h < ${limit.toPrecision(6)} (on N(0, I) data); step ${k} from t = ${grid[k]} to t = ${grid[k + 1]} has h = ${h}`,
      );
    }
  }
}
