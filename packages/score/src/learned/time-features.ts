import { exp, expm1, log, sinCosInto } from '@sgmkit/tensor';
import type { FloatArray } from '@sgmkit/tensor';

/**
 * Sinusoidal time features. They are functions of `ln t` rather than `t`: the law q_t
 * changes on a logarithmic time scale near t = 0 (σ_t ≈ √(2t)), so log-time features
 * resolve small times as well as large ones with a handful of frequencies.
 * @packageDocumentation
 */

/** `count` angular frequencies log-spaced from `minFrequency` to `maxFrequency` (inclusive). */
export function logSpacedFrequencies(count: number, minFrequency: number, maxFrequency: number): number[] {
  if (count === 1) return [minFrequency];
  const ratio = log(maxFrequency / minFrequency) / (count - 1);
  return Array.from({ length: count }, (_, j) => minFrequency * exp(ratio * j));
}

/** Writes `[sin(ω_0 ln t), cos(ω_0 ln t), sin(ω_1 ln t), …]` into `out[offset…]` (allocating nothing). */
export function writeTimeFeatures(t: number, frequencies: Float64Array, out: FloatArray, offset: number): void {
  const logT = log(t);
  for (let j = 0; j < frequencies.length; j++) sinCosInto(frequencies[j]! * logT, out, offset + 2 * j);
}

/** σ_t = √(1 − e^{−2t}), the OU noise scale at forward time t (expm1 keeps it accurate for small t). */
export function noiseScale(t: number): number {
  return Math.sqrt(-expm1(-2 * t));
}
