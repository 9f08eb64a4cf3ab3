/**
 * Validation of Gaussian-mixture parameters, shared by the mixture score and the
 * mixture data sampler so both name the same arguments in the same way.
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError } from '@sgmkit/tensor';
import { parseCovariance, type CovarianceInput, type SpectralCovariance } from './spectral-covariance.js';
import { expectNonEmptyArray, toVector } from './validate.js';

/** A Gaussian mixture: weights, means and covariances of its components. */
export interface GaussianMixtureParameters {
  readonly weights: readonly number[] | Float64Array;
  readonly means: readonly (readonly number[] | Float64Array)[];
  /** One covariance per component, each in any form `gaussianScore` accepts. */
  readonly covariances: readonly CovarianceInput[];
  /** Rescale non-negative weights to sum to 1 instead of requiring it. Default false. */
  readonly normalizeWeights?: boolean;
}

/** Weights must sum to 1 within this relative tolerance unless normalisation is asked for. */
export const WEIGHT_SUM_TOLERANCE = 1e-12;

function parseWeights(fn: string, value: unknown, normalize: boolean): Float64Array {
  const weights = toVector(fn, 'weights', value);
  let sum = 0;
  weights.forEach((w, k) => {
    if (!(w >= 0)) throw new InvalidArgumentError(fn, `weights[${k}]`, w, 'a weight >= 0');
    sum += w;
  });
  if (normalize) {
    if (!(sum > 0)) throw new InvalidArgumentError(fn, 'weights', value, 'non-negative weights with a positive sum');
    return weights.map((w) => w / sum);
  }
  if (!(Math.abs(sum - 1) <= WEIGHT_SUM_TOLERANCE)) {
    throw new InvalidArgumentError(
      fn,
      'weights',
      value,
      `non-negative weights summing to 1 within ${WEIGHT_SUM_TOLERANCE} (sum is ${sum}; pass normalizeWeights: true to rescale)`,
    );
  }
  return weights;
}

/** A validated mixture component. */
export interface Component {
  readonly weight: number;
  readonly mean: Float64Array;
  readonly covariance: SpectralCovariance;
}

/** Validates `{ weights, means, covariances }`, naming `fn` and the argument in errors. */
export function parseComponents(fn: string, parameters: GaussianMixtureParameters): Component[] {
  const weights = parseWeights(fn, parameters.weights, parameters.normalizeWeights === true);
  const means = expectNonEmptyArray(fn, 'means', parameters.means);
  const covariances = expectNonEmptyArray(fn, 'covariances', parameters.covariances);
  const count = weights.length;
  if (means.length !== count) throw new ShapeMismatchError(fn, 'means', means, `${count} means, one per weight`);
  if (covariances.length !== count)
    throw new ShapeMismatchError(fn, 'covariances', covariances, `${count} covariances, one per weight`);
  const d = toVector(fn, 'means[0]', means[0]).length;
  return means.map((mean, k) => ({
    weight: weights[k]!,
    mean: toVector(fn, `means[${k}]`, mean, d),
    covariance: parseCovariance(fn, `covariances[${k}]`, covariances[k], d),
  }));
}
