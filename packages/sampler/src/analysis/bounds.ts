/**
 * Calculators for the convergence bounds of Chen, Chewi, Li, Li, Salim, Zhang,
 * "Sampling is as easy as learning the score" (arXiv:2209.11215).
 *
 * The paper states its bounds up to an unspecified absolute constant (`≲`). Here that
 * constant is the explicit option `constant` (default 1): every number returned is the
 * paper's right-hand side times `constant`, an assumption the caller states, not a
 * proven value. Assumptions of the theorems, in the paper's notation:
 * - (A1) `∇ln q_t` is `L`-Lipschitz for all t, with `L ≥ 1` (a smaller `L` is replaced by 1,
 *   which is then also a Lipschitz constant: the bounds use `max(1, L)` throughout);
 * - (A2) `m₂² = E_q|X|²` is finite (here `secondMoment = E|X|²`, and `m₂ = √secondMoment`);
 * - (A3) the score error `E_{q_{t_k}} |s_{t_k} − ∇ln q_{t_k}|² ≤ ε²_score` at every grid time
 *   (here `scoreError = ε_score`, the root-mean-square error);
 * - the step size satisfies `h ≲ 1/L` (reported as `stepSizeWithinAssumption: h ≤ 1/L`).
 * @packageDocumentation
 */
import { InvalidArgumentError, expectInteger, expectNonNegative, expectPositive } from '@sgmkit/tensor';

/** The inputs of the DDPM bound (Theorem 2). */
export interface DDPMBoundInputs {
  /** `KL(q ‖ N(0, I_d))` of the data law. */
  readonly klToStandardNormal: number;
  /** `L` of (A1). */
  readonly lipschitz: number;
  /** `E_q |X|²` (the bound uses `m₂ = √secondMoment`). */
  readonly secondMoment: number;
  readonly dim: number;
  /** Step size `h`. */
  readonly h: number;
  /** Horizon `T`. */
  readonly T: number;
  /** `ε_score` of (A3). */
  readonly scoreError: number;
  /** The absolute constant hidden in the paper's `≲` (default 1). */
  readonly constant?: number;
}

/** A bound on `TV(sampler output, target)` and its three terms (their sum is `bound`; TV itself is also ≤ 1). */
export interface TVBound {
  readonly bound: number;
  readonly initialisation: number;
  readonly discretisation: number;
  readonly score: number;
  /** Whether `h ≤ 1/max(1, L)`, the step-size condition under which the theorem holds (with constant 1). */
  readonly stepSizeWithinAssumption: boolean;
}

function expectInputsObject(fn: string, inputs: unknown): void {
  if (inputs === null || typeof inputs !== 'object')
    throw new InvalidArgumentError(fn, 'inputs', inputs, 'an object of bound inputs');
}

/** Validates the shared inputs. */
function expectCommon(
  fn: string,
  inputs: { lipschitz: unknown; secondMoment: unknown; dim: unknown; scoreError: unknown; constant?: unknown },
): void {
  expectPositive(fn, 'inputs.lipschitz', inputs.lipschitz);
  expectNonNegative(fn, 'inputs.secondMoment', inputs.secondMoment);
  expectInteger(fn, 'inputs.dim', inputs.dim, 1);
  expectNonNegative(fn, 'inputs.scoreError', inputs.scoreError);
  if (inputs.constant !== undefined) expectPositive(fn, 'inputs.constant', inputs.constant);
}

/** `C (L√(d h) + L m₂ h) √T`: the discretisation term shared by Theorems 2 and 5. */
function discretisationTerm(
  lipschitz: number,
  secondMoment: number,
  dim: number,
  h: number,
  T: number,
  constant: number,
): number {
  lipschitz = Math.max(1, lipschitz);
  return constant * (lipschitz * Math.sqrt(dim * h) + lipschitz * Math.sqrt(secondMoment) * h) * Math.sqrt(T);
}

/**
 * The DDPM bound of Theorem 2 (exponential integrator, step `h`, horizon `T`, start `N(0, I)`):
 * `TV(p_T, q) ≤ C [√KL(q ‖ γ^d) e^{−T} + (L√(dh) + L m₂ h)√T + ε_score √T]`.
 * @throws {InvalidArgumentError} naming the first invalid input
 *
 * @example
 * ```ts
 * ddpmBound({ klToStandardNormal: 2, lipschitz: 1, secondMoment: 3, dim: 2, h: 0.01, T: 6, scoreError: 0 }).bound;
 * ```
 */
export function ddpmBound(inputs: DDPMBoundInputs): TVBound {
  const fn = 'ddpmBound';
  expectInputsObject(fn, inputs);
  const kl = expectNonNegative(fn, 'inputs.klToStandardNormal', inputs.klToStandardNormal);
  expectCommon(fn, inputs);
  return theoremBound(fn, inputs, Math.sqrt(kl) * Math.exp(-expectPositive(fn, 'inputs.T', inputs.T)));
}

/** `C [initialisation + (L√(dh) + L m₂ h)√T + ε_score √T]` with the step-size check; `initialisation` before scaling by C. */
function theoremBound(fn: string, inputs: DDPMBoundInputs, initialisation: number): TVBound {
  const h = expectPositive(fn, 'inputs.h', inputs.h);
  const T = expectPositive(fn, 'inputs.T', inputs.T);
  const constant = inputs.constant ?? 1;
  const discretisation = discretisationTerm(inputs.lipschitz, inputs.secondMoment, inputs.dim, h, T, constant);
  const score = constant * inputs.scoreError * Math.sqrt(T);
  const scaled = constant * initialisation;
  return {
    bound: scaled + discretisation + score,
    initialisation: scaled,
    discretisation,
    score,
    stepSizeWithinAssumption: h * Math.max(1, inputs.lipschitz) <= 1,
  };
}

/** Inputs of {@link ddpmStepsForAccuracy}: those of the bound without `h` and `T`, plus the target. */
export interface DDPMStepsInputs extends Omit<DDPMBoundInputs, 'h' | 'T'> {
  /** Target total variation `ε_TV ∈ (0, 1)`. */
  readonly epsilon: number;
}

/** The configuration the bound certifies: `steps` uniform steps of size `h = T/steps`. */
export interface DDPMStepsResult {
  readonly steps: number;
  readonly T: number;
  readonly h: number;
  /** The Theorem 2 bound at (h, T), ≤ epsilon. */
  readonly bound: TVBound;
}

/**
 * The number of exponential-integrator steps for which Theorem 2 certifies
 * `TV ≤ ε` (the paper's Corollary 3 regime, `N = Θ̃(L² d/ε²)`). The budget is split in
 * thirds: `T = ln(3C√KL/ε)` makes the initialisation term `ε/3`; `h` solves
 * `C (L√(dh) + L m₂ h)√T = ε/3` (a quadratic in `√h`), capped at `1/L`; then
 * `steps = ⌈T/h⌉`. The score term must fit in the last third.
 * @throws {InvalidArgumentError} when `C ε_score √T > ε/3` (no step count helps), when
 *   `C √KL ≤ ε/3` (N(0, I) alone already meets the target), or for invalid inputs
 */
export function ddpmStepsForAccuracy(inputs: DDPMStepsInputs): DDPMStepsResult {
  const fn = 'ddpmStepsForAccuracy';
  expectInputsObject(fn, inputs);
  const epsilon = expectPositive(fn, 'inputs.epsilon', inputs.epsilon);
  if (epsilon >= 1)
    throw new InvalidArgumentError(fn, 'inputs.epsilon', epsilon, 'a number in (0, 1) (TV is at most 1)');
  const kl = expectNonNegative(fn, 'inputs.klToStandardNormal', inputs.klToStandardNormal);
  expectCommon(fn, inputs);
  const constant = inputs.constant ?? 1;
  const third = epsilon / 3;
  if (constant * Math.sqrt(kl) <= third) {
    throw new InvalidArgumentError(
      fn,
      'inputs.klToStandardNormal',
      kl,
      `larger than (ε/(3C))² = ${(third / constant) ** 2} (otherwise the start N(0, I) already meets the target)`,
    );
  }
  const T = Math.log((constant * Math.sqrt(kl)) / third);
  if (constant * inputs.scoreError * Math.sqrt(T) > third) {
    throw new InvalidArgumentError(
      fn,
      'inputs.scoreError',
      inputs.scoreError,
      `at most ε/(3C√T) = ${third / (constant * Math.sqrt(T))} at the horizon T = ${T} the target requires`,
    );
  }
  const { secondMoment, dim } = inputs;
  const L = Math.max(1, inputs.lipschitz);
  const m2 = Math.sqrt(secondMoment);
  const rhs = third / (constant * Math.sqrt(T));
  // L m₂ x² + L √d x − rhs = 0 for x = √h, in the cancellation-free form 2·rhs/(b + √(b² + 4ac)).
  const b = L * Math.sqrt(dim);
  const root = (2 * rhs) / (b + Math.sqrt(b * b + 4 * L * m2 * rhs));
  const steps = Math.ceil(T / Math.min(root * root, 1 / L));
  const h = T / steps;
  return { steps, T, h, bound: ddpmBound({ ...inputs, h, T }) };
}

/** Inputs of {@link ddpmEarlyStoppingBound}: data supported in the ball of radius `radius`. */
export interface EarlyStoppingBoundInputs {
  readonly radius: number;
  readonly dim: number;
  /** Early-stopping time `δ > 0`. */
  readonly delta: number;
  readonly h: number;
  /** Horizon `T > δ`. */
  readonly T: number;
  readonly scoreError: number;
  readonly constant?: number;
}

/** The early-stopping bound and the constants it derived for `q_δ`. */
export interface EarlyStoppingBound {
  /** Theorem 2 applied to the data `q_δ` over `[δ, T]`: a bound on `TV(output, q_δ)`. */
  readonly tvToEarlyStopped: TVBound;
  /** Exact bound `W2(q_δ, q) ≤ √((1 − e^{−δ})² R² + d(1 − e^{−2δ}))` (synchronous coupling). */
  readonly w2EarlyStopping: number;
  /** `L_δ = max(1, 1/σ², e^{−2δ}R²/σ⁴)`, `σ² = 1 − e^{−2δ}`: a Lipschitz constant of `∇ln q_t` for all `t ≥ δ` (both terms decrease in t). */
  readonly lipschitz: number;
  /** `E|X_δ|² ≤ e^{−2δ}R² + dσ²`. */
  readonly secondMoment: number;
  /** `KL(q_δ ‖ γ^d) ≤ ½[d(σ² − 1 − ln σ²) + e^{−2δ}R²]` (convexity of KL in its first argument). */
  readonly klToStandardNormal: number;
}

/**
 * Early stopping for data supported in a ball of radius `R` (the paper's corollary for
 * bounded support): the sampler stops at `δ` and targets `q_δ`, whose constants follow
 * from the support alone. `∇² ln q_t = −I/σ_t² + e^{−2t} Cov(X_0 | X_t)/σ_t⁴` with
 * `0 ⪯ Cov ⪯ R² I` puts its eigenvalues in `[−1/σ_t², e^{−2t}R²/σ_t⁴ − 1/σ_t²]`, whence
 * `L_δ`; convexity of KL and the synchronous coupling give the other two. Then Theorem 2 bounds `TV(output, q_δ)` over the horizon `T − δ`, and
 * `w2EarlyStopping` bounds the remaining distance from `q_δ` to `q`.
 */
export function ddpmEarlyStoppingBound(inputs: EarlyStoppingBoundInputs): EarlyStoppingBound {
  const fn = 'ddpmEarlyStoppingBound';
  expectInputsObject(fn, inputs);
  const R = expectNonNegative(fn, 'inputs.radius', inputs.radius);
  const d = expectInteger(fn, 'inputs.dim', inputs.dim, 1);
  const delta = expectPositive(fn, 'inputs.delta', inputs.delta);
  const T = expectPositive(fn, 'inputs.T', inputs.T);
  if (!(T > delta)) throw new InvalidArgumentError(fn, 'inputs.T', T, `a horizon greater than delta = ${delta}`);
  const sigma2 = -Math.expm1(-2 * delta);
  const decay2 = Math.exp(-2 * delta);
  const lipschitz = Math.max(1, 1 / sigma2, (decay2 * R * R) / (sigma2 * sigma2));
  const secondMoment = decay2 * R * R + d * sigma2;
  const klToStandardNormal = 0.5 * (d * (sigma2 - 1 - Math.log(sigma2)) + decay2 * R * R);
  const tvToEarlyStopped = ddpmBound({
    klToStandardNormal,
    lipschitz,
    secondMoment,
    dim: d,
    h: inputs.h,
    T: T - delta,
    scoreError: inputs.scoreError,
    constant: inputs.constant,
  });
  const w2EarlyStopping = Math.sqrt(Math.expm1(-delta) ** 2 * R * R + d * sigma2);
  return { tvToEarlyStopped, w2EarlyStopping, lipschitz, secondMoment, klToStandardNormal };
}

/** Inputs of the CLD bound: the DDPM inputs plus the relative Fisher information and the mixing rate. */
export interface CLDBoundInputs extends DDPMBoundInputs {
  /** `FI(q ‖ γ^d) = E_q |∇ln(q/γ^d)|²`. */
  readonly fisherInformation: number;
  /** The rate `c` in `e^{−cT}` (the paper: some universal c > 0; default 1, the decay rate of the critically damped drift, eigenvalue −1). */
  readonly mixingRate?: number;
}

/**
 * The CLD bound of Theorem 5 (exponential integrator on `(x, v)`, start `γ^{2d}`):
 * `TV(p_T, q ⊗ γ^d) ≤ C [√(KL(q ‖ γ^d) + FI(q ‖ γ^d)) e^{−cT} + (L√(dh) + L m₂ h)√T + ε_score √T]`.
 * The discretisation term is the DDPM one: the paper's point that CLD does not improve the
 * dimension or accuracy dependence.
 */
export function cldBound(inputs: CLDBoundInputs): TVBound {
  const fn = 'cldBound';
  expectInputsObject(fn, inputs);
  const kl = expectNonNegative(fn, 'inputs.klToStandardNormal', inputs.klToStandardNormal);
  const fisher = expectNonNegative(fn, 'inputs.fisherInformation', inputs.fisherInformation);
  expectCommon(fn, inputs);
  const rate = inputs.mixingRate === undefined ? 1 : expectPositive(fn, 'inputs.mixingRate', inputs.mixingRate);
  return theoremBound(fn, inputs, Math.sqrt(kl + fisher) * Math.exp(-rate * expectPositive(fn, 'inputs.T', inputs.T)));
}
