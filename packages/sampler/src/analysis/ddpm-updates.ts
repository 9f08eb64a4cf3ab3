/**
 * The DDPM (OU) sampler updates as coefficients: every method is one step
 * `y ← linear·y + score·s(t_k, y) + √noiseVariance·z` from forward time `t_k` to
 * `t_{k+1}`, and so is the Langevin corrector. The exact analysis and the samplers
 * read the same formulas (DEVELOPING.md "Sampler updates").
 * @packageDocumentation
 */
import type { DDPMUpdate } from './options.js';

/** One step `y ← linear·y + score·s + √noiseVariance·z`. */
export interface DDPMStepCoefficients {
  readonly linear: number;
  readonly score: number;
  readonly noiseVariance: number;
}

/**
 * Coefficients of one predictor step from forward time `from` to `to < from`
 * (`h = from − to`; the score is frozen at `from`):
 * - `exponential-integrator`: `e^h y + 2(e^h − 1) s + √(e^{2h} − 1) z` (the paper's DDPM);
 * - `euler-maruyama`: `(1 + h) y + 2h s + √(2h) z`;
 * - `ancestral` (Ho et al. on the OU clock, `ᾱ_t = e^{−2t}`, `α = e^{−2h}`, `β = 1 − α`):
 *   `(y + β s)/√α + √β̃ z` with the posterior variance `β̃ = β (1 − ᾱ_to)/(1 − ᾱ_from)` (0 when `to = 0`);
 * - `probability-flow`: `e^h y + (e^h − 1) s` (no noise).
 * `expm1` keeps the small-`h` coefficients accurate to the last digit.
 */
export function ddpmStepCoefficients(method: DDPMUpdate, from: number, to: number): DDPMStepCoefficients {
  const h = from - to;
  switch (method) {
    case 'exponential-integrator':
      return { linear: Math.exp(h), score: 2 * Math.expm1(h), noiseVariance: Math.expm1(2 * h) };
    case 'euler-maruyama':
      return { linear: 1 + h, score: 2 * h, noiseVariance: 2 * h };
    case 'ancestral': {
      const beta = -Math.expm1(-2 * h);
      const posteriorVariance = to === 0 ? 0 : (beta * Math.expm1(-2 * to)) / Math.expm1(-2 * from);
      return { linear: Math.exp(h), score: beta * Math.exp(h), noiseVariance: posteriorVariance };
    }
    case 'probability-flow':
      return { linear: Math.exp(h), score: Math.expm1(h), noiseVariance: 0 };
  }
}

/** One Langevin corrector step `y ← y + ε s(t, y) + √(2ε) z`. */
export function langevinStepCoefficients(stepSize: number): DDPMStepCoefficients {
  return { linear: 1, score: stepSize, noiseVariance: 2 * stepSize };
}
