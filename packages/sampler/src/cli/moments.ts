/**
 * Sample moments next to the target's exact moments, with standard errors
 * computed from the sample itself (no Gaussian assumption), so a reader can
 * tell statistical noise from bias.
 * @packageDocumentation
 */
import type { Batch } from '@sgmkit/tensor';
import type { Moments } from './targets.js';

/** One coordinate's comparison. */
export interface CoordinateMoments {
  readonly coordinate: number;
  readonly targetMean: number;
  readonly sampleMean: number;
  /** `(sampleMean − targetMean) / SE`, SE = sample std / √n. */
  readonly meanZ: number;
  readonly targetVariance: number;
  readonly sampleVariance: number;
  /** `(sampleVariance − targetVariance) / SE`, SE = √((m₄ − s⁴)/n) from the sample's 4th central moment. */
  readonly varianceZ: number;
}

function column(samples: Batch, j: number): Float64Array {
  const [n, d] = samples.shape as [number, number];
  return Float64Array.from({ length: n }, (_, i) => samples.data[samples.offset + i * d + j]!);
}

function centralMoments(values: Float64Array): { mean: number; variance: number; fourth: number } {
  const n = values.length;
  const mean = values.reduce((a, v) => a + v, 0) / n;
  let m2 = 0;
  let m4 = 0;
  for (const v of values) {
    const c = (v - mean) ** 2;
    m2 += c;
    m4 += c * c;
  }
  return { mean, variance: m2 / (n - 1), fourth: m4 / n };
}

/** Compares the first `maxCoordinates` coordinates of `samples` with `target`. */
export function compareMoments(samples: Batch, target: Moments, maxCoordinates = 4): CoordinateMoments[] {
  const [n, d] = samples.shape as [number, number];
  return Array.from({ length: Math.min(d, maxCoordinates) }, (_, j) => {
    const { mean, variance, fourth } = centralMoments(column(samples, j));
    const targetMean = target.mean[j]!;
    const targetVariance = target.covariance[j * d + j]!;
    return {
      coordinate: j,
      targetMean,
      sampleMean: mean,
      meanZ: (mean - targetMean) / Math.sqrt(variance / n),
      targetVariance,
      sampleVariance: variance,
      varianceZ: (variance - targetVariance) / Math.sqrt(Math.max(fourth - variance * variance, 0) / n),
    };
  });
}
