/**
 * Per-coordinate data moments (`Score.dataMoments`) of the analytic data laws:
 * exact for Gaussians and mixtures, empirical for point clouds.
 * @packageDocumentation
 */
import type { DataMoments } from '../types.js';

/** Moments from a mean and a vector of variances (negative rounding residue clamped to 0). */
export function momentsFromVariances(mean: Float64Array, variances: Float64Array): DataMoments {
  return { mean: Float64Array.from(mean), std: variances.map((v) => Math.sqrt(Math.max(0, v))) };
}

/**
 * Exact moments of a mixture `Σ_k w_k N(μ_k, Σ_k)`: mean `Σ w_k μ_k`, variance
 * `Σ w_k (Σ_k,ii + μ_k,i²) − mean_i²`, the latter summed as `Σ w_k (Σ_k,ii + (μ_k,i − mean_i)²)`
 * (no cancellation).
 */
export function mixtureMoments(
  components: readonly { readonly weight: number; readonly mean: Float64Array; readonly diagonal: Float64Array }[],
  d: number,
): DataMoments {
  const mean = new Float64Array(d);
  for (const c of components) for (let i = 0; i < d; i++) mean[i] += c.weight * c.mean[i]!;
  const variances = new Float64Array(d);
  for (const c of components) {
    for (let i = 0; i < d; i++) {
      const offset = c.mean[i]! - mean[i]!;
      variances[i] += c.weight * (c.diagonal[i]! + offset * offset);
    }
  }
  return momentsFromVariances(mean, variances);
}

/** Empirical moments (population variance, divisor m) of `m` points of dimension `d`, row-major. */
export function empiricalMoments(values: Float64Array, m: number, d: number): DataMoments {
  const mean = new Float64Array(d);
  for (let j = 0; j < m; j++) for (let i = 0; i < d; i++) mean[i] += values[j * d + i]!;
  for (let i = 0; i < d; i++) mean[i] /= m;
  const variances = new Float64Array(d);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < d; i++) {
      const offset = values[j * d + i]! - mean[i]!;
      variances[i] += offset * offset;
    }
  }
  for (let i = 0; i < d; i++) variances[i] /= m;
  return { ...momentsFromVariances(mean, variances), ...columnRange(values, m, d) };
}

/** Per-coordinate minimum and maximum of `m` rows of `d` values. */
export function columnRange(
  values: ArrayLike<number>,
  m: number,
  d: number,
  offset = 0,
): { min: Float64Array; max: Float64Array } {
  const min = new Float64Array(d).fill(Infinity);
  const max = new Float64Array(d).fill(-Infinity);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < d; i++) {
      const v = values[offset + j * d + i]!;
      if (v < min[i]!) min[i] = v;
      if (v > max[i]!) max[i] = v;
    }
  }
  return { min, max };
}
