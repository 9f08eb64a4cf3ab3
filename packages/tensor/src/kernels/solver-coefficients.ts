/**
 * The one source of the coefficients of the higher-order DDPM solvers (Heun on
 * the probability-flow ODE and on the reverse SDE, DPM-Solver++(2M), DEIS):
 * the samplers (`@sgmkit/sampler`'s `ddpmHeun`, …) and the exact analysis
 * (`exactDDPMLaw`) read them from here, like the single-step methods read
 * `ddpmCoefficientsInto`.
 *
 * Forward process `dX = −X dt + √2 dB`: `α_t = e^{−t}`, `σ_t² = 1 − e^{−2t}`,
 * log-SNR `λ_t = ln(α_t/σ_t) = −½ ln(e^{2t} − 1)`, data prediction
 * `x̂₀ = (y + σ_t² s)/α_t`. A step goes from forward time `from = t_k` to
 * `to = t_{k+1} < from`, `h = from − to`. The probability-flow ODE in forward
 * time is `dy/dt = −y − s(t, y)`, so by variation of constants
 * `y(to) = e^h y(from) + ∫_{to}^{from} e^{u − to} s(u, y(u)) du`.
 *
 * Methods (formulas in each writer's documentation):
 * - `heun`: Karras et al. (2022, EDM, Algorithm 1) on the probability-flow ODE in the
 *   variance-exploding coordinates `x̄ = y/α`, `σ̄ = σ/α = √(e^{2t} − 1)`, where it reads
 *   `dx̄/dσ̄ = −σ_t s(t, y)`; the step to `to = 0` is its Euler step (as in EDM).
 * - `exponential-heun`: Heun's predictor–corrector with the linear part exact, on the data prediction in
 *   `λ`: the second-order exponential Runge–Kutta method with `c₂ = 1` (Cox & Matthews 2002, "ETD2RK";
 *   DPM-Solver++(2S) with `r₁ = 1` and `solver_type = 'taylor'` in Lu et al.'s reference code); the step to
 *   `to = 0` returns the data prediction.
 * - `stochastic-heun`: the exponential stochastic Heun scheme on the reverse SDE.
 * - `dpmpp-2m`: DPM-Solver++(2M) (Lu et al. 2022), multistep in `λ`, data prediction.
 * - `deis-1`, `deis-2`, `deis-3`: DEIS (Zhang & Chen 2022, tAB-DEIS) with the score extrapolated by the
 *   Lagrange polynomial of degree `r` through `t_k, …, t_{k−r}` and integrated exactly against `e^{u − to}`.
 *
 * Every exponential is the portable `exp`/`expm1`/`log1p`, so the coefficients have the same bits in every engine.
 * @packageDocumentation
 */
import { exp, expm1, log1p } from '../math/portable.js';
import { expRemainder } from './cld-coefficients.js';

/** The higher-order DDPM solvers (their coefficients are not a single `y ← a y + b s + c z` step). */
export type DDPMSolverMethod =
  'heun' | 'exponential-heun' | 'stochastic-heun' | 'dpmpp-2m' | 'deis-1' | 'deis-2' | 'deis-3';

/** All higher-order DDPM solvers, in documentation order. */
export const DDPM_SOLVER_METHODS: readonly DDPMSolverMethod[] = [
  'heun',
  'exponential-heun',
  'stochastic-heun',
  'dpmpp-2m',
  'deis-1',
  'deis-2',
  'deis-3',
];

/**
 * Layout of {@link heunCoefficientsInto}: the Euler (predictor) stage `ỹ = LINEAR·y + EULER·s(from, y)`,
 * then, when `to > 0`, `y ← LINEAR·y + FROM·s(from, y) + TO·s(to, ỹ)` (`FROM = EULER/2`).
 */
export const HEUN_LAYOUT = { LINEAR: 0, EULER: 1, FROM: 2, TO: 3, LENGTH: 4 } as const;

/**
 * Writes the coefficients of one probability-flow Heun step (EDM Algorithm 1 in `x̄ = y/α`, `σ̄ = σ/α`).
 * With `d(t, y) = −σ_t s(t, y)` the EDM step is `x̄' = x̄ + (σ̄_to − σ̄_from)·(d_from + d_to)/2`; in `y = α x̄`
 * (`α_to/α_from = e^h`): `LINEAR = e^h`, `EULER = α_to (σ̄_from − σ̄_to) σ_from`, `FROM = EULER/2`,
 * `TO = α_to (σ̄_from − σ̄_to) σ_to / 2` (0 at `to = 0`, where the step is Euler's). The difference
 * `σ̄_from − σ̄_to = e^{2·to}(e^{2h} − 1)/(σ̄_from + σ̄_to)` is written without cancellation. Unchecked.
 */
export function heunCoefficientsInto(from: number, to: number, out: Float64Array): Float64Array {
  const h = from - to;
  const barFrom = Math.sqrt(expm1(2 * from));
  const barTo = Math.sqrt(expm1(2 * to));
  // α_to (σ̄_from − σ̄_to) = e^{−to} e^{2·to} (e^{2h} − 1)/(σ̄_from + σ̄_to)
  const scaledGap = (exp(to) * expm1(2 * h)) / (barFrom + barTo);
  const sigmaFrom = Math.sqrt(-expm1(-2 * from));
  const sigmaTo = Math.sqrt(-expm1(-2 * to));
  const euler = scaledGap * sigmaFrom;
  out[HEUN_LAYOUT.LINEAR] = exp(h);
  out[HEUN_LAYOUT.EULER] = euler;
  out[HEUN_LAYOUT.FROM] = euler / 2;
  out[HEUN_LAYOUT.TO] = (scaledGap * sigmaTo) / 2;
  return out;
}

/**
 * Writes the coefficients of one exponential Heun step (layout {@link HEUN_LAYOUT}): Heun's trapezoid rule
 * on the data prediction `D = x̂₀ = (y + σ² s)/α` in the log-SNR `λ`, with the linear part exact. With
 * `h = λ_to − λ_from` ({@link logSNRIncrement}), `g = 1 − e^{−h}`, `φ = (h − g)/h` (the weight that makes the
 * rule exact for `D` linear in `λ`), the predictor is the DDIM step `ỹ = (σ_to/σ_from) y + α_to g D(from, y)`
 * and the step `y ← (σ_to/σ_from) y + α_to((g − φ) D(from, y) + φ D(to, ỹ))`. Written on `y` and the
 * scores: `LINEAR = e^{from − to}`, `EULER = g σ_from² e^{from − to}`,
 * `FROM = σ_from² e^{from − to}(g − φ e^{−h})`, `TO = φ σ_to²`. The step to `to = 0` (`h = ∞`) returns
 * `D(from, y)` (`EULER = σ_from² e^{from}`, `FROM = EULER`, `TO = 0`). `h − g = e^{−h}(1 − e^{h}(1 − h))` is
 * written without cancellation. Unchecked.
 */
export function exponentialHeunCoefficientsInto(from: number, to: number, out: Float64Array): Float64Array {
  const linear = exp(from - to);
  const fromVariance = -expm1(-2 * from);
  if (to === 0) {
    const denoise = fromVariance * linear;
    out[HEUN_LAYOUT.LINEAR] = linear;
    out[HEUN_LAYOUT.EULER] = denoise;
    out[HEUN_LAYOUT.FROM] = denoise;
    out[HEUN_LAYOUT.TO] = 0;
    return out;
  }
  const h = logSNRIncrement(from, to);
  const g = -expm1(-h);
  // φ = (h − g)/h = (h − 1 + e^{−h})/h = e^{−h}(1 − e^{h}(1 − h))/h = e^{−h} g₁(−h)/h
  const decay = exp(-h);
  const phi = (decay * expRemainder(1, -h)) / h;
  out[HEUN_LAYOUT.LINEAR] = linear;
  out[HEUN_LAYOUT.EULER] = g * fromVariance * linear;
  out[HEUN_LAYOUT.FROM] = fromVariance * linear * (g - phi * decay);
  out[HEUN_LAYOUT.TO] = phi * -expm1(-2 * to);
  return out;
}

/**
 * Layout of {@link stochasticHeunCoefficientsInto}: the predictor is the exponential-integrator step
 * `ỹ = LINEAR·y + EULER·s(from, y) + NOISE·z`; when `to > 0` the corrector is
 * `y ← LINEAR·y + FROM·s(from, y) + TO·s(to, ỹ) + NOISE·z` with the same `z`.
 */
export const STOCHASTIC_HEUN_LAYOUT = {
  LINEAR: 0,
  EULER: 1,
  FROM: 2,
  TO: 3,
  NOISE: 4,
  NOISE_VARIANCE: 5,
  LENGTH: 6,
} as const;

/**
 * Writes the coefficients of one exponential stochastic Heun step on the reverse SDE
 * `dY = (Y + 2s) dτ + √2 dB`: the linear part and the noise are integrated exactly
 * (`e^h`, `√(e^{2h} − 1)`, as in the exponential integrator), and the score integral
 * `∫_0^h e^{h−τ} 2 s(τ) dτ` takes the score linear in `τ` between `s(from, y)` and `s(to, ỹ)`:
 * `TO = (2/h)∫_0^h τ e^{h−τ} dτ = 2(e^h − 1 − h)/h`, `FROM = 2(e^h − 1) − TO`. Unchecked.
 */
export function stochasticHeunCoefficientsInto(from: number, to: number, out: Float64Array): Float64Array {
  const h = from - to;
  const e = exp(h);
  const euler = 2 * expm1(h);
  // e^h − 1 − h = e^h·(1 − e^{−h}(1 + h)), without cancellation as h → 0
  const toWeight = (2 * e * expRemainder(1, h)) / h;
  const noiseVariance = expm1(2 * h);
  out[STOCHASTIC_HEUN_LAYOUT.LINEAR] = e;
  out[STOCHASTIC_HEUN_LAYOUT.EULER] = euler;
  out[STOCHASTIC_HEUN_LAYOUT.FROM] = euler - toWeight;
  out[STOCHASTIC_HEUN_LAYOUT.TO] = toWeight;
  out[STOCHASTIC_HEUN_LAYOUT.NOISE] = Math.sqrt(noiseVariance);
  out[STOCHASTIC_HEUN_LAYOUT.NOISE_VARIANCE] = noiseVariance;
  return out;
}

/** `λ_to − λ_from = ½ ln(σ̄_from²/σ̄_to²) > 0` for `from > to > 0`, written as `½ log1p(e^{2·to}(e^{2h} − 1)/(e^{2·to} − 1))`. */
export function logSNRIncrement(from: number, to: number): number {
  return 0.5 * log1p((exp(2 * to) * expm1(2 * (from - to))) / expm1(2 * to));
}

/**
 * Layout of {@link dpmSolver2MCoefficientsInto}: with the data prediction `x̂ = DENOISE_Y·y + DENOISE_SCORE·s(from, y)`
 * (`= (y + σ_from² s)/α_from`), the step is `y ← LINEAR·y + CURRENT·x̂ + PREVIOUS·x̂_prev`, `x̂_prev` the previous
 * step's data prediction; then `x̂` becomes the history.
 */
export const DPM_SOLVER_2M_LAYOUT = {
  LINEAR: 0,
  CURRENT: 1,
  PREVIOUS: 2,
  DENOISE_Y: 3,
  DENOISE_SCORE: 4,
  LENGTH: 5,
} as const;

/**
 * Writes the coefficients of one DPM-Solver++(2M) step (Lu et al. 2022, Algorithm 2) from `from` to `to`;
 * `previous` is the forward time of the previous step's start (its `x̂_prev`), or `NaN` on the first step.
 * With `h = λ_to − λ_from`, `r = (λ_from − λ_previous)/h`:
 * `y ← (σ_to/σ_from) y + α_to (1 − e^{−h})·((1 + 1/(2r)) x̂ − x̂_prev/(2r))`; the first step (no history)
 * is the first-order step `D = x̂` (DDIM), and the step to `to = 0` (`λ = ∞`) is `y ← x̂` (the "lower order
 * final" step of the reference implementation), which makes the method first order on grids ending at 0
 * (its error there is `O(σ_from²)`); use `δ > 0` for second order. Unchecked.
 */
export function dpmSolver2MCoefficientsInto(
  previous: number,
  from: number,
  to: number,
  out: Float64Array,
): Float64Array {
  const L = DPM_SOLVER_2M_LAYOUT;
  out[L.DENOISE_Y] = exp(from);
  // e^{from}·σ_from² = e^{from} − e^{−from}
  out[L.DENOISE_SCORE] = -exp(from) * expm1(-2 * from);
  if (to === 0) {
    out[L.LINEAR] = 0;
    out[L.CURRENT] = 1;
    out[L.PREVIOUS] = 0;
    return out;
  }
  const h = logSNRIncrement(from, to);
  const gain = exp(-to) * -expm1(-h); // α_to (1 − e^{−h})
  out[L.LINEAR] = Math.sqrt(expm1(-2 * to) / expm1(-2 * from));
  if (Number.isNaN(previous)) {
    out[L.CURRENT] = gain;
    out[L.PREVIOUS] = 0;
    return out;
  }
  const r = logSNRIncrement(previous, from) / h;
  out[L.CURRENT] = gain * (1 + 1 / (2 * r));
  out[L.PREVIOUS] = -gain / (2 * r);
  return out;
}

/**
 * `J_m(h) = ∫_0^1 θ^m e^{hθ} dθ` for `m = 0 … out.length − 1`, `h > 0`, without cancellation:
 * the positive series `Σ_i h^i/(i!(m + i + 1))` for `h ≤ 2`, else the upward recurrence
 * `J_0 = (e^h − 1)/h`, `J_m = (e^h − m J_{m−1})/h`, which does not amplify errors when `h > m`
 * (`out.length ≤ 4`).
 */
export function exponentialMomentsInto(h: number, out: Float64Array): Float64Array {
  if (h <= 2) {
    for (let m = 0; m < out.length; m++) {
      let term = 1; // h^i/i!
      let sum = 1 / (m + 1);
      for (let i = 1; i < 200; i++) {
        term *= h / i;
        const next = sum + term / (m + i + 1);
        if (next === sum) break;
        sum = next;
      }
      out[m] = sum;
    }
    return out;
  }
  const e = exp(h);
  out[0] = expm1(h) / h;
  for (let m = 1; m < out.length; m++) out[m] = (e - m * out[m - 1]!) / h;
  return out;
}

/** Most history a DEIS step uses (degree 3: the current score and three previous ones). */
export const DEIS_MAX_DEGREE = 3;

/**
 * Writes the DEIS weights of one step: `y ← e^h y + Σ_j out[j]·s(times[j], y_j)`, `j = 0 … degree`, with
 * `times[0] = from` and `times[j]` the earlier steps' start times (`times[j] > times[j−1]`), into
 * `out[1 … degree + 1]`, and `e^h` into `out[0]`. The score is replaced by its Lagrange interpolant
 * `Σ_j s_j ℓ_j(u)` through `(times[j], s_j)` and integrated exactly:
 * `w_j = ∫_{to}^{from} e^{u − to} ℓ_j(u) du = h ∫_0^1 e^{hθ} ℓ_j(to + hθ) dθ = h Σ_m c_{jm} J_m(h)`,
 * with `c_{jm}` the monomial coefficients of `ℓ_j` in `θ = (u − to)/h` (nodes `θ_j = (times[j] − to)/h ≥ 1`,
 * so the coefficients are O(1) for bounded step ratios) and `J_m` from {@link exponentialMomentsInto}.
 * Degree 0 is the probability-flow exponential integrator `e^h y + (e^h − 1) s`. Unchecked; `degree ≤ 3`.
 * Accuracy: the weights reproduce polynomials to ~1e-14 of `Σ_j |w_j θ_j^m|` for step ratios up to ~10 (tested); the
 * monomial basis loses digits when a step is many times longer than the spacing of the history nodes, as any
 * extrapolation over that range would.
 */
export function deisCoefficientsInto(
  times: ArrayLike<number>,
  degree: number,
  to: number,
  out: Float64Array,
  scratch: Float64Array,
): Float64Array {
  const from = times[0]!;
  const h = from - to;
  out[0] = exp(h);
  if (degree === 0) {
    out[1] = expm1(h); // the probability-flow step's own coefficient, bit for bit
    return out;
  }
  // scratch: [J_0 … J_3 | nodes θ_0 … θ_3 | polynomial coefficients c_0 … c_3]
  const moments = exponentialMomentsInto(h, scratch.subarray(0, degree + 1));
  const nodes = scratch.subarray(4, 4 + degree + 1);
  for (let j = 0; j <= degree; j++) nodes[j] = (times[j]! - to) / h;
  const poly = scratch.subarray(8, 8 + degree + 1);
  for (let j = 0; j <= degree; j++) {
    lagrangeBasisInto(nodes, j, poly);
    let w = 0;
    for (let m = 0; m <= degree; m++) w += poly[m]! * moments[m]!;
    out[1 + j] = h * w;
  }
  return out;
}

/** Monomial coefficients (`poly[m]` of `θ^m`) of the Lagrange basis polynomial `ℓ_j` of `nodes`. */
function lagrangeBasisInto(nodes: Float64Array, j: number, poly: Float64Array): void {
  const n = nodes.length;
  poly.fill(0);
  poly[0] = 1;
  let degree = 0;
  let denominator = 1;
  for (let i = 0; i < n; i++) {
    if (i === j) continue;
    // poly ← poly·(θ − θ_i)
    for (let m = degree + 1; m > 0; m--) poly[m] = poly[m - 1]! - nodes[i]! * poly[m]!;
    poly[0] = -nodes[i]! * poly[0]!;
    degree++;
    denominator *= nodes[j]! - nodes[i]!;
  }
  for (let m = 0; m < n; m++) poly[m] = poly[m]! / denominator;
}
