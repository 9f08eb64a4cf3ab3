/**
 * Exact draws from a Gaussian mixture `Σ_k w_k N(μ_k, Σ_k)`: per row a component
 * `k` with probability `w_k`, then `μ_k + A_k z`.
 *
 * Each row takes `d + 1` particle-addressed normals: normal 0 picks the
 * component through the uniform `u = Φ(z_0)` (`Φ(Z)` is exactly uniform), normals
 * `1..d` are the Gaussian's `z`. Both choices are thus pure functions of
 * `(seed, stream, global row)`, in the single noise stream of the contract,
 * with no second stream id to reserve.
 * @packageDocumentation
 */
import { InvalidArgumentError, type Batch } from '@sgmkit/tensor';
import type { GaussianMixtureParameters } from '../analytic/mixture.js';
import { parseComponents, type Component } from '../analytic/mixture-parameters.js';
import { drawRows, parseDraw, uniformFromNormal, type DrawOptions } from './draw.js';
import { gaussianFactor, writeGaussianRow } from './gaussian.js';

/**
 * Upper ends of the components' intervals of `[0, 1]`: `cumulative[k] = w_0 + … + w_k`,
 * except that the last positive-weight component and those after it reach `+∞`, so a
 * rounded total below 1 (or `u = 1`) still lands on a component that has weight.
 */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  const cumulative = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, k) => (cumulative[k] = sum += w));
  let last = weights.length - 1;
  while (!(weights[last]! > 0)) last--;
  cumulative.fill(Infinity, last);
  return cumulative;
}

/**
 * The first `k` with `u < cumulative[k]` (binary search). A zero-weight component
 * has the same end as its predecessor, so it is never the first: it is never chosen.
 */
export function intervalIndex(cumulative: Float64Array, u: number): number {
  let low = 0;
  let high = cumulative.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (u < cumulative[middle]!) high = middle;
    else low = middle + 1;
  }
  return low;
}

/**
 * Draws `n` exact samples of the mixture `Σ_k w_k N(μ_k, Σ_k)`. Row `i` uses the
 * `d + 1` normals of global row `firstRow + i` under `(seed, stream)`: the first
 * chooses the component (`k` with `w_0 + … + w_{k−1} ≤ Φ(z_0) < w_0 + … + w_k`),
 * the others give `μ_k + A_k z` with `A_k A_kᵀ = Σ_k`. Zero-weight components are
 * never drawn. Same `(seed, stream, global row)`, same bits, whatever `n` or split.
 *
 * @param parameters - `{ weights, means, covariances, normalizeWeights? }` as `gaussianMixtureScore` takes them
 * @param n - number of rows, an integer ≥ 1
 * @param options - `{ seed, stream?, firstRow?, dtype? }`
 * @returns a new `n × d` batch
 * @throws {InvalidArgumentError} (or a subclass) naming the bad argument, e.g. `weights` or `covariances[1]`
 * @example
 * ```ts
 * import { ringMixtureParameters, sampleGaussianMixture } from '@sgmkit/score';
 * const data = sampleGaussianMixture(ringMixtureParameters({ components: 8, radius: 4 }), 5000, { seed: 1, dtype: 'float32' });
 * console.log(data.shape, data.data.constructor.name); // [ 5000, 2 ] Float32Array
 * ```
 */
export function sampleGaussianMixture(parameters: GaussianMixtureParameters, n: number, options: DrawOptions): Batch {
  const fn = 'sampleGaussianMixture';
  if (!parameters || typeof parameters !== 'object')
    throw new InvalidArgumentError(fn, 'parameters', parameters, 'an object { weights, means, covariances }');
  const components: Component[] = parseComponents(fn, parameters);
  const draw = parseDraw(fn, n, options);
  const d = components[0]!.mean.length;
  const factors = components.map((c) => gaussianFactor(c.mean, c.covariance));
  const cumulative = cumulativeWeights(components.map((c) => c.weight));
  return drawRows(draw.n, d, d + 1, draw.address, draw.dtype, (z, zStart, out, outStart) => {
    const k = intervalIndex(cumulative, uniformFromNormal(z[zStart]!));
    writeGaussianRow(factors[k]!, z, zStart + 1, out, outStart);
  });
}
