/**
 * Exact draws from the empirical measure of m points `(1/m) Σ_j δ_{p_j}`: each row
 * is one of the points, chosen uniformly and independently (with replacement).
 * @packageDocumentation
 */
import type { Batch, Tensor } from '@sgmkit/tensor';
import { parsePoints } from '../analytic/validate.js';
import { drawRows, parseDraw, uniformFromNormal, type DrawOptions } from './draw.js';

/**
 * Draws `n` rows from the empirical measure of `points`: row `i` is point
 * `j = ⌊m·Φ(z)⌋` (clamped to `m − 1`, for `Φ(z) = 1`), with `z` the one normal of
 * global row `firstRow + i` under `(seed, stream)`. `Φ(Z)` is exactly uniform, so
 * each point has probability `1/m`; a point listed twice counts twice. Same
 * `(seed, stream, global row)`, same bits, whatever `n` or split.
 *
 * @param points - the `m × d` points: nested arrays or a tensor, as `pointCloudScore` takes them
 * @param n - number of rows, an integer ≥ 1
 * @param options - `{ seed, stream?, firstRow?, dtype? }`
 * @returns a new `n × d` batch whose rows are copies of points
 * @throws {InvalidArgumentError} (or a subclass) naming the bad argument, e.g. `points[2]`
 * @example
 * ```ts
 * import { samplePointCloud } from '@sgmkit/score';
 * const x = samplePointCloud([[0, 0], [1, 0], [0, 1]], 6, { seed: 3 });
 * console.log(x.shape); // [ 6, 2 ]
 * ```
 */
export function samplePointCloud(
  points: readonly (readonly number[])[] | Tensor,
  n: number,
  options: DrawOptions,
): Batch {
  const fn = 'samplePointCloud';
  const { m, d, values } = parsePoints(fn, points);
  const draw = parseDraw(fn, n, options);
  return drawRows(draw.n, d, 1, draw.address, draw.dtype, (z, zStart, out, outStart) => {
    const j = Math.min(m - 1, Math.floor(m * uniformFromNormal(z[zStart]!)));
    for (let c = 0; c < d; c++) out[outStart + c] = values[j * d + c]!;
  });
}
