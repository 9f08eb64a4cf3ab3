/**
 * The one source of the DDPM (Ornstein–Uhlenbeck) step coefficients: every
 * update of a DDPM sampler, and the Langevin corrector, is
 * `y ← linear·y + score·s + noise·z` with `noise = √noiseVariance`. The
 * samplers, the named tensor steps (`ouExponentialIntegratorStep`,
 * `langevinStep`) and the exact analysis all read their coefficients from here,
 * so a sampler and its exact law cannot drift apart (DEVELOPING.md "Sampler
 * updates" has the formulas).
 *
 * Step `k` goes from forward time `from = t_k` to `to = t_{k+1} < from`,
 * `h = from − to`, the score frozen at `from`:
 * - `exponential-integrator` (the paper): `e^h y + 2(e^h − 1) s + √(e^{2h} − 1) z`;
 * - `euler-maruyama`: `(1 + h) y + 2h s + √(2h) z`;
 * - `ancestral` (Ho et al. on the OU clock, `ᾱ_t = e^{−2t}`, `α = e^{−2h}`, `β = 1 − α`):
 *   `(y + β s)/√α + √β̃ z`, `β̃ = β (1 − e^{−2·to})/(1 − e^{−2·from})` (0 when `to = 0`);
 * - `probability-flow`: `e^h y + (e^h − 1) s` (no noise).
 *
 * `e^h` is `exp(h)`, correctly rounded in all but rare cases, rather than
 * `1 + expm1(h)`, which rounds twice; `expm1` gives `e^h − 1`, `e^{2h} − 1` and
 * `1 − e^{−2h}` to full relative accuracy as `h → 0`. All of it uses the
 * portable `exp`/`expm1`, so the coefficients have the same bits in every engine.
 * @packageDocumentation
 */
import { InvalidArgumentError } from '../errors.js';
import { expectFinite, expectNonNegative, expectPositive } from '../validate.js';
import { exp, expm1 } from '../math/portable.js';

/** DDPM integrators of the reverse OU SDE. */
export type DDPMMethod = 'exponential-integrator' | 'euler-maruyama' | 'ancestral' | 'probability-flow';

/** All DDPM methods, in documentation order. */
export const DDPM_METHODS: readonly DDPMMethod[] = [
  'exponential-integrator',
  'euler-maruyama',
  'ancestral',
  'probability-flow',
];

/**
 * Layout of {@link ddpmCoefficientsInto}'s output: `y ← LINEAR·y + SCORE·s + NOISE·z`,
 * `NOISE = √NOISE_VARIANCE` (both kept, so the analysis never squares a rounded root).
 */
export const DDPM_LAYOUT = { LINEAR: 0, SCORE: 1, NOISE: 2, NOISE_VARIANCE: 3, LENGTH: 4 } as const;

/** Writes the step's coefficients; `noiseVariance` must be ≥ 0 (or −0). */
function write(out: Float64Array, linear: number, score: number, noiseVariance: number): Float64Array {
  out[DDPM_LAYOUT.LINEAR] = linear;
  out[DDPM_LAYOUT.SCORE] = score;
  out[DDPM_LAYOUT.NOISE] = Math.sqrt(noiseVariance);
  out[DDPM_LAYOUT.NOISE_VARIANCE] = noiseVariance;
  return out;
}

/**
 * Writes the coefficients of one `method` step from forward time `from` to `to`
 * into `out` (layout {@link DDPM_LAYOUT}) without allocating, and returns `out`.
 * Unchecked: callers validate `from > to ≥ 0` and the method
 * ({@link ddpmStepCoefficients} is the validating form).
 */
export function ddpmCoefficientsInto(method: DDPMMethod, from: number, to: number, out: Float64Array): Float64Array {
  const h = from - to;
  switch (method) {
    case 'exponential-integrator':
      return write(out, exp(h), 2 * expm1(h), expm1(2 * h));
    case 'euler-maruyama':
      return write(out, 1 + h, 2 * h, 2 * h);
    case 'ancestral': {
      const beta = -expm1(-2 * h);
      // 1/√α = e^h; β̃ is exactly 0 at to = 0 (the last step of a grid ending at 0 adds no noise).
      const posteriorVariance = to === 0 ? 0 : (beta * expm1(-2 * to)) / expm1(-2 * from);
      const inverseSqrtAlpha = exp(h);
      return write(out, inverseSqrtAlpha, beta * inverseSqrtAlpha, posteriorVariance);
    }
    case 'probability-flow':
      return write(out, exp(h), expm1(h), 0);
  }
}

/**
 * Writes the coefficients of one unadjusted Langevin step of size `ε`,
 * `y ← y + ε·s + √(2ε)·z`, into `out` (layout {@link DDPM_LAYOUT}); unchecked.
 */
export function langevinCoefficientsInto(stepSize: number, out: Float64Array): Float64Array {
  return write(out, 1, stepSize, 2 * stepSize);
}

/** One step `y ← linear·y + score·s + noise·z`, `noise = √noiseVariance`. */
export interface DDPMStepCoefficients {
  readonly linear: number;
  readonly score: number;
  readonly noise: number;
  readonly noiseVariance: number;
}

function record(c: Float64Array): DDPMStepCoefficients {
  return {
    linear: c[DDPM_LAYOUT.LINEAR]!,
    score: c[DDPM_LAYOUT.SCORE]!,
    noise: c[DDPM_LAYOUT.NOISE]!,
    noiseVariance: c[DDPM_LAYOUT.NOISE_VARIANCE]!,
  };
}

/**
 * The coefficients of one DDPM step from forward time `from` to `to` (see the
 * module documentation): the values every sampler and the exact analysis use.
 * Throws `InvalidArgumentError` unless `method` is a DDPM method and `from > to ≥ 0` are finite.
 *
 * @example
 * ```ts
 * import { ddpmStepCoefficients } from '@sgmkit/tensor';
 * const { linear, score, noise } = ddpmStepCoefficients('exponential-integrator', 1, 0.99);
 * // y ← linear·y + score·s + noise·z, with e^{0.01}, 2(e^{0.01} − 1) and √(e^{0.02} − 1)
 * ```
 */
export function ddpmStepCoefficients(method: DDPMMethod, from: number, to: number): DDPMStepCoefficients {
  const fn = 'ddpmStepCoefficients';
  if (!DDPM_METHODS.includes(method))
    throw new InvalidArgumentError(fn, 'method', method, `one of ${DDPM_METHODS.map((m) => `'${m}'`).join(', ')}`);
  expectNonNegative(fn, 'to', to);
  expectFinite(fn, 'from', from);
  if (!(from > to)) throw new InvalidArgumentError(fn, 'from', from, `a forward time > to = ${to}`);
  return record(ddpmCoefficientsInto(method, from, to, new Float64Array(DDPM_LAYOUT.LENGTH)));
}

/**
 * The coefficients of one Langevin corrector step of size `stepSize` (`y ← y + ε s + √(2ε) z`).
 * Throws `InvalidArgumentError` unless `stepSize` is finite and > 0.
 */
export function langevinStepCoefficients(stepSize: number): DDPMStepCoefficients {
  expectPositive('langevinStepCoefficients', 'stepSize', stepSize);
  return record(langevinCoefficientsInto(stepSize, new Float64Array(DDPM_LAYOUT.LENGTH)));
}
