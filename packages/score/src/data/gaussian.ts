/**
 * Exact draws from Gaussian data `N(μ, Σ)`: `x = μ + A z` with `A = V diag(√λ)`
 * the square root of the spectral form `Σ = V diag(λ) Vᵀ` that `gaussianScore`
 * keeps, so the law sampled is exactly the law whose score it computes.
 * @packageDocumentation
 */
import { InvalidArgumentError, type Batch } from '@sgmkit/tensor';
import type { GaussianParameters } from '../analytic/gaussian.js';
import { parseCovariance, type SpectralCovariance } from '../analytic/spectral-covariance.js';
import { toVector } from '../analytic/validate.js';
import { drawRows, parseDraw, type DrawOptions } from './draw.js';

/** `x = mean + A z` for one row: `A` row-major `d × d`, or `diag(scales)` when `matrix` is null. */
export interface GaussianFactor {
  readonly mean: Float64Array;
  readonly scales: Float64Array;
  readonly matrix: Float64Array | null;
}

/** `A = V diag(√λ)` (`A Aᵀ = Σ`); only the scales when Σ is diagonal. */
export function gaussianFactor(mean: Float64Array, covariance: SpectralCovariance): GaussianFactor {
  const d = covariance.dim;
  const scales = covariance.values.map(Math.sqrt);
  const { vectors } = covariance;
  if (vectors === null) return { mean, scales, matrix: null };
  const matrix = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let k = 0; k < d; k++) matrix[i * d + k] = vectors[i * d + k]! * scales[k]!;
  return { mean, scales, matrix };
}

/** Writes `mean + A z` (z = `z[zStart ..)`) to `out[outStart ..)`, in double precision. */
export function writeGaussianRow(
  factor: GaussianFactor,
  z: Float64Array,
  zStart: number,
  out: Batch['data'],
  outStart: number,
): void {
  const { mean, scales, matrix } = factor;
  const d = mean.length;
  if (matrix === null) {
    for (let i = 0; i < d; i++) out[outStart + i] = mean[i]! + scales[i]! * z[zStart + i]!;
    return;
  }
  for (let i = 0; i < d; i++) {
    let sum = 0;
    for (let k = 0; k < d; k++) sum += matrix[i * d + k]! * z[zStart + k]!;
    out[outStart + i] = mean[i]! + sum;
  }
}

/**
 * Draws `n` exact samples of `N(mean, covariance)`: row `i` is `μ + A z_i` with
 * `A Aᵀ = Σ` and `z_i` the `d` normals of global row `firstRow + i` under
 * `(seed, stream)` (see `fillParticleNormals`). A row depends only on
 * `(seed, stream, global row)`: drawing rows 0..999 at once or in pieces with
 * `firstRow` gives the same bits.
 *
 * @param parameters - `{ mean, covariance }` as `gaussianScore` takes them (isotropic, diagonal or full Σ)
 * @param n - number of rows, an integer ≥ 1
 * @param options - `{ seed, stream?, firstRow?, dtype? }`
 * @returns a new `n × d` batch
 * @throws {InvalidArgumentError} (or a subclass) naming the bad argument, e.g. `covariance` when Σ is not positive definite
 * @example
 * ```ts
 * import { sampleGaussian } from '@sgmkit/score';
 * const x = sampleGaussian({ mean: [1, -1], covariance: [[2, 0.5], [0.5, 1]] }, 1000, { seed: 7 });
 * const tail = sampleGaussian({ mean: [1, -1], covariance: [[2, 0.5], [0.5, 1]] }, 400, { seed: 7, firstRow: 600 });
 * console.log(x.shape, tail.data[0] === x.data[1200]); // [ 1000, 2 ] true
 * ```
 */
export function sampleGaussian(parameters: GaussianParameters, n: number, options: DrawOptions): Batch {
  const fn = 'sampleGaussian';
  if (!parameters || typeof parameters !== 'object')
    throw new InvalidArgumentError(fn, 'parameters', parameters, 'an object { mean, covariance }');
  const mean = toVector(fn, 'mean', parameters.mean);
  const factor = gaussianFactor(mean, parseCovariance(fn, 'covariance', parameters.covariance, mean.length));
  const draw = parseDraw(fn, n, options);
  const d = mean.length;
  return drawRows(draw.n, d, d, draw.address, draw.dtype, (z, zStart, out, outStart) =>
    writeGaussianRow(factor, z, zStart, out, outStart),
  );
}
