/**
 * Closed-form densities of the first one or two coordinates of Gaussian and
 * Gaussian-mixture targets, for drawing the target next to the samples.
 * A marginal of a Gaussian is the Gaussian of the corresponding mean entries
 * and covariance block, so these are exact for any dimension.
 * @packageDocumentation
 */

/** A covariance as the score specs hold it: `σ²` (isotropic), a diagonal, or a full matrix. */
export type CovarianceJson = number | readonly number[] | readonly (readonly number[])[];

/** Entry `(i, j)` of a covariance in any of its JSON forms. */
export function covarianceEntry(covariance: CovarianceJson, i: number, j: number): number {
  if (typeof covariance === 'number') return i === j ? covariance : 0;
  const first = covariance[0];
  if (typeof first === 'number') return i === j ? (covariance as readonly number[])[i]! : 0;
  return (covariance as readonly (readonly number[])[])[i]![j]!;
}

/** Density of `N(mean[0], Σ₀₀)` at x. */
export function gaussianMarginal1(mean: ArrayLike<number>, covariance: CovarianceJson): (x: number) => number {
  const m = mean[0]!;
  const v = covarianceEntry(covariance, 0, 0);
  const norm = 1 / Math.sqrt(2 * Math.PI * v);
  return (x) => norm * Math.exp(-((x - m) ** 2) / (2 * v));
}

/** Density of the first two coordinates, `N((m₀, m₁), Σ[0:2, 0:2])`, at (x, y). */
export function gaussianMarginal2(
  mean: ArrayLike<number>,
  covariance: CovarianceJson,
): (x: number, y: number) => number {
  const [m0, m1] = [mean[0]!, mean[1]!];
  const a = covarianceEntry(covariance, 0, 0);
  const b = covarianceEntry(covariance, 0, 1);
  const c = covarianceEntry(covariance, 1, 1);
  const det = a * c - b * b;
  const norm = 1 / (2 * Math.PI * Math.sqrt(det));
  return (x, y) => {
    const dx = x - m0;
    const dy = y - m1;
    return norm * Math.exp(-(c * dx * dx - 2 * b * dx * dy + a * dy * dy) / (2 * det));
  };
}

/** A mixture's parameters as its score spec holds them. */
export interface MixtureJson {
  readonly weights: readonly number[];
  readonly means: readonly (readonly number[])[];
  readonly covariances: readonly CovarianceJson[];
}

/** `Σ_k w_k f_k`: the marginal density of a mixture from the marginals of its components. */
function mixtureOf<F extends (...xs: number[]) => number>(
  mixture: MixtureJson,
  marginal: (mean: readonly number[], cov: CovarianceJson) => F,
): F {
  const parts = mixture.weights.map((w, k) => [w, marginal(mixture.means[k]!, mixture.covariances[k]!)] as const);
  return ((...xs: number[]) => parts.reduce((sum, [w, f]) => sum + w * f(...xs), 0)) as F;
}

/** Density of the first coordinate of a Gaussian mixture. */
export function mixtureMarginal1(mixture: MixtureJson): (x: number) => number {
  return mixtureOf(mixture, gaussianMarginal1);
}

/** Density of the first two coordinates of a Gaussian mixture. */
export function mixtureMarginal2(mixture: MixtureJson): (x: number, y: number) => number {
  return mixtureOf(mixture, gaussianMarginal2);
}

/** Mean and covariance (row-major `d × d`) of a Gaussian mixture: `Σ w_k μ_k` and `Σ w_k (Σ_k + μ_k μ_kᵀ) − μμᵀ`. */
export function mixtureMoments(mixture: MixtureJson): { mean: Float64Array; covariance: Float64Array } {
  const d = mixture.means[0]!.length;
  const mean = new Float64Array(d);
  const second = new Float64Array(d * d);
  mixture.weights.forEach((w, k) => {
    const mu = mixture.means[k]!;
    for (let i = 0; i < d; i++) {
      mean[i] += w * mu[i]!;
      for (let j = 0; j < d; j++)
        second[i * d + j] += w * (covarianceEntry(mixture.covariances[k]!, i, j) + mu[i]! * mu[j]!);
    }
  });
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) second[i * d + j] -= mean[i]! * mean[j]!;
  return { mean, covariance: second };
}
