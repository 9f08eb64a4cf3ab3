/**
 * The fused CLD exponential-integrator step on position and velocity batches.
 * Coefficients come from `cld-coefficients.ts`; this file is the kernel and
 * its public boundary.
 * @packageDocumentation
 */
import type { Batch, FloatArray } from '../tensor.js';
import { InvalidArgumentError } from '../errors.js';
import { expectBatch, expectSameDType } from '../tensor.js';
import { expectNoiseAddress } from '../random/particle.js';
import { SEGMENT_CAPACITY, beginParticleWalk, blockState, nextSegment, walk } from '../random/blocks.js';
import { fillNormalSegment } from '../random/fill.js';
import { CLD, expectCldStep, type CLDDirection } from './cld-coefficients.js';

/** The segment's normals: drawn into L1-resident scratch, then consumed in the same pass over x and v. */
const normals = new Float64Array(SEGMENT_CAPACITY);
/** Coefficients of the current call (layout `CLD`), filled by the validation. */
const step = new Float64Array(CLD.LENGTH);

/** One segment of `pairs` coordinate pairs: `(x, v) ← E(x, v) + w·s + L(z₁, z₂)`, `s` optional. */
function cldSegment(
  x: FloatArray, xStart: number, v: FloatArray, vStart: number, s: FloatArray | null, sStart: number, pairs: number,
  coefficients: Float64Array,
): void {
  const e11 = coefficients[CLD.E11]!, e12 = coefficients[CLD.E12]!, e21 = coefficients[CLD.E21]!, e22 = coefficients[CLD.E22]!;
  const w1 = coefficients[CLD.W1]!, w2 = coefficients[CLD.W2]!;
  const l11 = coefficients[CLD.L11]!, l21 = coefficients[CLD.L21]!, l22 = coefficients[CLD.L22]!;
  fillNormalSegment(blockState, normals, 0, 2 * pairs);
  for (let p = 0; p < pairs; p++) {
    const xi = x[xStart + p]!, vi = v[vStart + p]!;
    const force = s === null ? 0 : s[sStart + p]!;
    const z1 = normals[2 * p]!, z2 = normals[2 * p + 1]!;
    x[xStart + p] = e11 * xi + e12 * vi + w1 * force + l11 * z1;
    v[vStart + p] = e21 * xi + e22 * vi + w2 * force + (l21 * z1 + l22 * z2);
  }
}

/**
 * Unchecked kernel with the step's `coefficients` (layout `CLD`, from `expectCldStep`):
 * coordinate pair `(x_j, v_j)` of global row `firstRow + r` uses normals `2j`
 * and `2j + 1` of that row (`2d` per row), so `fillParticleNormals` on an
 * `n × 2d` batch reproduces them.
 */
export function cldExponentialIntegratorStepRaw(
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, s: FloatArray | null, sOffset: number,
  n: number, d: number, coefficients: Float64Array, seed: number, stream: number, firstRow: number,
): void {
  beginParticleWalk(seed, stream, firstRow, n, 2 * d);
  while (nextSegment() > 0) {
    const pair = walk.position / 2;
    cldSegment(x, xOffset + pair, v, vOffset + pair, s, sOffset + pair, walk.count / 2, coefficients);
  }
}

/**
 * Exponential-integrator step of the critically damped Langevin diffusion on
 * `(x, v)`, in place: the linear drift is solved exactly, the frozen score (or
 * forcing) term integrated exactly, and the Gaussian increment sampled through
 * the Cholesky factor of its exact covariance (see `cldStepCoefficients`).
 * - `'reverse'`: `dX = −V dt`, `dV = (X + 2V + 4s) dt + 2 dB`, `s` the velocity score.
 * - `'forward'`: `dX = V dt`, `dV = (−X − 2V + s) dt + 2 dB`; pass `s = null` for the plain forward process.
 *
 * @param x - positions, `n × d`, updated in place
 * @param v - velocities, `n × d`, same dtype, updated in place
 * @param s - velocity score (reverse) or forcing (forward), `n × d`, or `null` (forward only)
 * @param h - step size, finite and > 0
 */
export function cldExponentialIntegratorStep(
  x: Batch, v: Batch, s: Batch | null, h: number, direction: CLDDirection, seed: number, stream: number, firstRow: number,
): void {
  const fn = 'cldExponentialIntegratorStep';
  const [n, d] = expectBatch(fn, 'x', x);
  expectBatch(fn, 'v', v, d, n);
  expectSameDType(fn, 'v', x, v);
  if (s !== null) {
    expectBatch(fn, 's', s, d, n);
    expectSameDType(fn, 's', x, s);
  } else if (direction === 'reverse') {
    throw new InvalidArgumentError(fn, 's', s, "a velocity-score batch (null is allowed only for direction 'forward')");
  }
  if (x.data === v.data && x.offset === v.offset && n * d > 0) throw new InvalidArgumentError(fn, 'v', v, 'a batch distinct from x');
  expectNoiseAddress(fn, seed, stream, firstRow, n);
  expectCldStep(fn, h, direction, step);
  cldExponentialIntegratorStepRaw(x.data, x.offset, v.data, v.offset, s === null ? null : s.data, s === null ? 0 : s.offset, n, d, step, seed, stream, firstRow);
}
