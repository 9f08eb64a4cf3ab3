/**
 * Public fused steps of the affine family `y ← a·y + b·s + c·z`: each validates
 * its arguments once, computes its coefficients in double precision (also for
 * float32 batches) and runs the unchecked kernel in place.
 * @packageDocumentation
 */
import type { Batch } from '../tensor.js';
import { expectBatch, expectSameDType } from '../tensor.js';
import { expectFinite, expectNonNegative, expectPositive } from '../validate.js';
import { InvalidArgumentError } from '../errors.js';
import { expectNoiseAddress } from '../random/particle.js';
import { affineNoiseStepRaw } from './affine.js';
import { DDPM_LAYOUT, ddpmCoefficientsInto, langevinCoefficientsInto } from './ddpm-coefficients.js';

/** Coefficients of the current call (layout `DDPM_LAYOUT`); the steps are synchronous, so one buffer serves all. */
const coefficients = new Float64Array(DDPM_LAYOUT.LENGTH);

/**
 * `checkedAffineStep` with the coefficients in `coefficients`, after checking they are finite: a finite but
 * huge step (`e^{2h}` overflows from h ≈ 354.9) would otherwise fill `y` with ±Infinity and NaN silently.
 */
function checkedCoefficientStep(
  fn: string,
  stepName: string,
  step: number,
  y: Batch,
  s: Batch,
  seed: number,
  stream: number,
  firstRow: number,
): Batch {
  const { LINEAR, SCORE, NOISE } = DDPM_LAYOUT;
  const [a, b, c] = [coefficients[LINEAR]!, coefficients[SCORE]!, coefficients[NOISE]!];
  expectFiniteCoefficients(fn, stepName, step, a, b, c);
  return checkedAffineStep(fn, 's', y, s, a, b, c, seed, stream, firstRow);
}

function expectFiniteCoefficients(fn: string, stepName: string, step: number, a: number, b: number, c: number): void {
  if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c))) {
    throw new InvalidArgumentError(
      fn,
      stepName,
      step,
      `small enough that the step's coefficients are finite; they are [${a}, ${b}, ${c}]`,
    );
  }
}

/**
 * The shared boundary of the affine-family steps, run after the caller has
 * checked its scalars: checks `y`, the same-shaped same-dtype operand `s` and
 * the noise address, then updates `y` in place (nothing is written on bad input).
 */
function checkedAffineStep(
  fn: string,
  operandName: string,
  y: Batch,
  s: Batch,
  a: number,
  b: number,
  c: number,
  seed: number,
  stream: number,
  firstRow: number,
): Batch {
  const [n, d] = expectBatch(fn, 'y', y);
  expectBatch(fn, operandName, s, d, n);
  expectSameDType(fn, operandName, y, s);
  expectNoiseAddress(fn, seed, stream, firstRow, n);
  affineNoiseStepRaw(y.data, y.offset, s.data, s.offset, n, d, a, b, c, seed, stream, firstRow);
  return y;
}

/**
 * `y ← a·y + b·s + c·z` in place, z the standard normals of global rows
 * `firstRow ..` under `(seed, stream)` (see `fillParticleNormals`). DDPM's
 * exponential integrator, Euler–Maruyama, ancestral and probability-flow steps
 * are all instances.
 *
 * @param y - contiguous `n × d` batch, updated in place
 * @param s - contiguous `n × d` batch of the same dtype (score, drift, …)
 * @example
 * const { linear, score: gain, noise } = ddpmStepCoefficients('exponential-integrator', h, 0);
 * affineNoiseStep(y, score, linear, gain, noise, seed, step, 0); // = ouExponentialIntegratorStep(y, score, h, seed, step, 0)
 */
export function affineNoiseStep(
  y: Batch,
  s: Batch,
  a: number,
  b: number,
  c: number,
  seed: number,
  stream: number,
  firstRow: number,
): Batch {
  const fn = 'affineNoiseStep';
  expectFinite(fn, 'a', a);
  expectFinite(fn, 'b', b);
  expectFinite(fn, 'c', c);
  return checkedAffineStep(fn, 's', y, s, a, b, c, seed, stream, firstRow);
}

/**
 * DDPM's exponential integrator for the reverse OU process over a step `h`
 * with the score `s` frozen at the step's left end:
 * `y ← e^h·y + 2(e^h − 1)·s + √(e^{2h} − 1)·z`, with the coefficients of
 * `ddpmCoefficientsInto('exponential-integrator', h, 0, ·)`, the ones the
 * samplers use (`expm1` keeps them accurate for small `h`).
 *
 * @param y - particles, updated in place
 * @param s - score `∇ln q_t(y)` at the step's forward time
 * @param h - step size, finite and > 0
 */
export function ouExponentialIntegratorStep(
  y: Batch,
  s: Batch,
  h: number,
  seed: number,
  stream: number,
  firstRow: number,
): Batch {
  const fn = 'ouExponentialIntegratorStep';
  expectPositive(fn, 'h', h);
  ddpmCoefficientsInto('exponential-integrator', h, 0, coefficients);
  return checkedCoefficientStep(fn, 'h', h, y, s, seed, stream, firstRow);
}

/**
 * Euler–Maruyama step of `dY = drift dt + σ dB`: `y ← y + h·drift + σ√h·z`.
 *
 * @param drift - drift evaluated at `y` (same shape and dtype)
 * @param h - step size, finite and > 0
 * @param sigma - diffusion coefficient, finite and ≥ 0
 */
export function eulerMaruyamaStep(
  y: Batch,
  drift: Batch,
  h: number,
  sigma: number,
  seed: number,
  stream: number,
  firstRow: number,
): Batch {
  const fn = 'eulerMaruyamaStep';
  expectPositive(fn, 'h', h);
  expectNonNegative(fn, 'sigma', sigma);
  const noise = sigma * Math.sqrt(h);
  expectFiniteCoefficients(fn, 'h', h, 1, h, noise);
  return checkedAffineStep(fn, 'drift', y, drift, 1, h, noise, seed, stream, firstRow);
}

/**
 * Unadjusted Langevin step (the corrector of predictor–corrector samplers):
 * `y ← y + ε·s + √(2ε)·z` (coefficients from `langevinCoefficientsInto`).
 *
 * @param s - score at `y`
 * @param epsilon - step size, finite and > 0
 */
export function langevinStep(
  y: Batch,
  s: Batch,
  epsilon: number,
  seed: number,
  stream: number,
  firstRow: number,
): Batch {
  const fn = 'langevinStep';
  expectPositive(fn, 'epsilon', epsilon);
  langevinCoefficientsInto(epsilon, coefficients);
  return checkedCoefficientStep(fn, 'epsilon', epsilon, y, s, seed, stream, firstRow);
}
