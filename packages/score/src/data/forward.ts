/**
 * The OU forward marginal from data: if `x_0 ~ q_0` then
 * `x_t = e^{−t} x_0 + √(1 − e^{−2t}) z ~ q_t`, the law whose score the scores evaluate at t.
 * @packageDocumentation
 */
import { affineNoiseStep, batch, dtypeOf, expectAllFinite, expectBatch, type Batch } from '@sgmkit/tensor';
import { expectTime } from '../analytic/validate.js';
import { FORWARD_MARGINAL_STREAM, parseNoiseAddress, type DrawOptions } from './draw.js';
import { exp, expm1 } from '@sgmkit/tensor';

/**
 * Pushes data samples through the OU forward process to time `t`:
 * `x_t = e^{−t} x_0 + √(1 − e^{−2t}) z`, with `z` the normals of global row
 * `firstRow + i` under `(seed, stream)` for row `i`, drawn by the same fused kernel
 * as the samplers (`affineNoiseStep`). Returns a new batch of `sample`'s dtype; `t = 0`
 * returns an exact copy. The noise must be independent of `sample`: the default stream
 * ({@link FORWARD_MARGINAL_STREAM}) differs from the data samplers' (`DATA_STREAM`), so
 * default streams with one seed are safe; never reuse the `(seed, stream)` that drew `sample`.
 *
 * @param sample - contiguous `n × d` batch of finite data samples (not modified)
 * @param t - forward time, finite and ≥ 0
 * @param options - `{ seed, stream?, firstRow? }` (stream default 3; `dtype` is `sample`'s)
 * @throws {InvalidArgumentError} (or a subclass) naming the bad argument
 * @example
 * ```ts
 * import { sampleForwardMarginal, sampleGaussian } from '@sgmkit/score';
 * const x0 = sampleGaussian({ mean: [3], covariance: 0.25 }, 1000, { seed: 1 });
 * const xt = sampleForwardMarginal(x0, 0.5, { seed: 1 }); // ~ N(3e^{-0.5}, 0.25e^{-1} + 1 − e^{-1}): its own stream
 * console.log(xt.shape); // [ 1000, 1 ]
 * ```
 */
export function sampleForwardMarginal(sample: Batch, t: number, options: Omit<DrawOptions, 'dtype'>): Batch {
  const fn = 'sampleForwardMarginal';
  const [n, d] = expectBatch(fn, 'sample', sample);
  const values = sample.data.subarray(sample.offset, sample.offset + n * d);
  // A non-finite entry would make 0·s (the kernel's unused score term) NaN, and is no data anyway.
  expectAllFinite(fn, 'sample', values);
  expectTime(fn, t);
  const { seed, stream, firstRow } = parseNoiseAddress(fn, options, n, FORWARD_MARGINAL_STREAM);
  const out = batch(n, d, dtypeOf(sample));
  out.data.set(values);
  // −expm1(−2t) = 1 − e^{−2t} without cancellation for small t.
  return affineNoiseStep(out, out, exp(-t), 0, Math.sqrt(-expm1(-2 * t)), seed, stream, firstRow);
}
