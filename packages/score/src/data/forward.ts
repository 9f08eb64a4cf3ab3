/**
 * The OU forward marginal from data: if `x_0 ~ q_0` then
 * `x_t = e^{−t} x_0 + √(1 − e^{−2t}) z ~ q_t`, the law whose score the scores evaluate at t.
 * @packageDocumentation
 */
import {
  InvalidArgumentError,
  affineNoiseStep,
  batch,
  dtypeOf,
  expectAllFinite,
  expectBatch,
  expectNonNegative,
  type Batch,
} from '@sgmkit/tensor';
import { CLD_LAW, cldConditionalLawInto } from '../analytic/cld-conditional.js';
import { PAIR } from '../analytic/cld-mixture.js';
import { expectTime } from '../analytic/validate.js';
import { FORWARD_MARGINAL_STREAM, drawRows, parseNoiseAddress, type DrawOptions } from './draw.js';
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

/** Options of {@link sampleCLDForwardMarginal}. */
export interface CLDForwardMarginalOptions extends Omit<DrawOptions, 'dtype'> {
  /** γ in `V₀ ~ N(0, γI)`. Default 1. */
  readonly initialVelocityVariance?: number;
}

/**
 * Pushes data samples through the CLD forward process to time `t` (`dX = V dt, dV = −X dt − 2V dt + 2 dB`,
 * `V₀ ~ N(0, γI)`): row i gets `(x_t, v_t) = (a x₀ + L_xx ε_x, c x₀ + L_vx ε_x + ℓ_t ε_v)`, the exact law given
 * x₀ (`cldConditionalLawInto`), with `(ε_x, ε_v)` the 2d normals of global row `firstRow + i` under
 * `(seed, stream)`. So `(x_t, v_t)` is a draw of the joint CLD law whose velocity score CLD scores evaluate at t.
 * At t = 0 the positions are copied and the velocities are `√γ ε_v`.
 *
 * @param sample - contiguous `n × d` batch of finite data samples (not modified)
 * @param t - forward time, finite and ≥ 0
 * @param options - `{ seed, stream?, firstRow?, initialVelocityVariance? }` (stream default 3)
 * @returns positions and velocities, new float64 `n × d` batches
 * @example
 * ```ts
 * import { sampleCLDForwardMarginal, sampleGaussian } from '@sgmkit/score';
 * const x0 = sampleGaussian({ mean: [3], covariance: 0.25 }, 1000, { seed: 1 });
 * const { positions, velocities } = sampleCLDForwardMarginal(x0, 0.5, { seed: 1 });
 * console.log(positions.shape, velocities.shape); // [ 1000, 1 ] [ 1000, 1 ]
 * ```
 */
export function sampleCLDForwardMarginal(
  sample: Batch,
  t: number,
  options: CLDForwardMarginalOptions,
): { positions: Batch<Float64Array>; velocities: Batch<Float64Array> } {
  const fn = 'sampleCLDForwardMarginal';
  const [n, d] = expectBatch(fn, 'sample', sample);
  expectAllFinite(fn, 'sample', sample.data.subarray(sample.offset, sample.offset + n * d));
  expectTime(fn, t);
  const address = parseNoiseAddress(fn, options, n, FORWARD_MARGINAL_STREAM);
  const gamma = expectNonNegative(fn, 'options.initialVelocityVariance', options.initialVelocityVariance ?? 1);
  const law = new Float64Array(CLD_LAW.LENGTH);
  if (t === 0) {
    law[CLD_LAW.A] = 1;
    law[CLD_LAW.VELOCITY_SCALE] = Math.sqrt(gamma);
  } else if (!cldConditionalLawInto(t, gamma, law, new Float64Array(PAIR.LENGTH))) {
    throw new InvalidArgumentError(fn, 't', t, 'a time at which the CLD law is finite');
  }
  const a = law[CLD_LAW.A]!,
    c = law[CLD_LAW.C]!,
    lxx = law[CLD_LAW.LXX]!,
    lvx = law[CLD_LAW.LVX]!,
    ell = law[CLD_LAW.VELOCITY_SCALE]!;
  const joint = drawRows(n, 2 * d, 2 * d, address, 'float64', (z, zStart, out, outStart) => {
    const row = sample.offset + outStart / 2;
    for (let j = 0; j < d; j++) {
      const x0 = sample.data[row + j]!;
      out[outStart + j] = a * x0 + lxx * z[zStart + j]!;
      out[outStart + d + j] = c * x0 + lvx * z[zStart + j]! + ell * z[zStart + d + j]!;
    }
  });
  const positions = batch(n, d) as Batch<Float64Array>;
  const velocities = batch(n, d) as Batch<Float64Array>;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      positions.data[i * d + j] = joint.data[i * 2 * d + j]!;
      velocities.data[i * d + j] = joint.data[i * 2 * d + d + j]!;
    }
  }
  return { positions, velocities };
}
