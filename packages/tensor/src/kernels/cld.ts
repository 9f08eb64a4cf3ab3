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
import { affineNoiseSegment } from '../random/fill.js';
import { CLD_LAYOUT, expectCLDStep, type CLDDirection } from './cld-coefficients.js';
import { shiftedView } from './views.js';

/**
 * The segment's normals: drawn into L1-resident scratch, then consumed in the same pass over x and v.
 * It only ever holds normals (finite), so they are drawn as `0·z + 0·z + z` over the previous ones
 * without zeroing it first: `fillNormalSegment` zeroes because its target may hold a NaN.
 */
const normals = new Float64Array(SEGMENT_CAPACITY);
/** Coefficients of the current call (layout `CLD_LAYOUT`), filled by the validation. */
const step = new Float64Array(CLD_LAYOUT.LENGTH);

/**
 * One segment of `pairs` coordinate pairs `k` in `[start, start + pairs)`:
 * `(x, v) ← E(x, v) + w·s + L(z₁, z₂)`, `s` optional. `x`, `v` and `s` share
 * one index (views aligned by the caller), an iteration takes two pairs, and
 * the `s === null` test is made once per segment, not per pair (the
 * cld-step benchmark measured each; see docs/benchmarks.md).
 */
function cldSegment(x: FloatArray, v: FloatArray, s: FloatArray | null, start: number, pairs: number, coefficients: Float64Array): void {
  const e11 = coefficients[CLD_LAYOUT.E11]!, e12 = coefficients[CLD_LAYOUT.E12]!, e21 = coefficients[CLD_LAYOUT.E21]!, e22 = coefficients[CLD_LAYOUT.E22]!;
  const w1 = coefficients[CLD_LAYOUT.W1]!, w2 = coefficients[CLD_LAYOUT.W2]!;
  const l11 = coefficients[CLD_LAYOUT.L11]!, l21 = coefficients[CLD_LAYOUT.L21]!, l22 = coefficients[CLD_LAYOUT.L22]!;
  affineNoiseSegment(normals, normals, 0, 2 * pairs, 0, 0, 1, blockState);
  const end = start + pairs;
  const twosEnd = start + (pairs & ~1);
  let k = start, j = 0; // pair k uses normals j and j + 1 of the segment
  if (s === null) {
    // w·0 is added as in the forced form, so even an exact zero keeps its sign: bit-identical to s = 0.
    const zero1 = w1 * 0, zero2 = w2 * 0;
    for (; k < twosEnd; k += 2, j += 4) {
      const xa = x[k]!, va = v[k]!;
      const z1a = normals[j]!, z2a = normals[j + 1]!;
      x[k] = e11 * xa + e12 * va + zero1 + l11 * z1a;
      v[k] = e21 * xa + e22 * va + zero2 + (l21 * z1a + l22 * z2a);
      const xb = x[k + 1]!, vb = v[k + 1]!;
      const z1b = normals[j + 2]!, z2b = normals[j + 3]!;
      x[k + 1] = e11 * xb + e12 * vb + zero1 + l11 * z1b;
      v[k + 1] = e21 * xb + e22 * vb + zero2 + (l21 * z1b + l22 * z2b);
    }
    for (; k < end; k++, j += 2) {
      const xa = x[k]!, va = v[k]!;
      const z1a = normals[j]!, z2a = normals[j + 1]!;
      x[k] = e11 * xa + e12 * va + zero1 + l11 * z1a;
      v[k] = e21 * xa + e22 * va + zero2 + (l21 * z1a + l22 * z2a);
    }
    return;
  }
  for (; k < twosEnd; k += 2, j += 4) {
    const xa = x[k]!, va = v[k]!, fa = s[k]!;
    const z1a = normals[j]!, z2a = normals[j + 1]!;
    x[k] = e11 * xa + e12 * va + w1 * fa + l11 * z1a;
    v[k] = e21 * xa + e22 * va + w2 * fa + (l21 * z1a + l22 * z2a);
    const xb = x[k + 1]!, vb = v[k + 1]!, fb = s[k + 1]!;
    const z1b = normals[j + 2]!, z2b = normals[j + 3]!;
    x[k + 1] = e11 * xb + e12 * vb + w1 * fb + l11 * z1b;
    v[k + 1] = e21 * xb + e22 * vb + w2 * fb + (l21 * z1b + l22 * z2b);
  }
  for (; k < end; k++, j += 2) {
    const xa = x[k]!, va = v[k]!, fa = s[k]!;
    const z1a = normals[j]!, z2a = normals[j + 1]!;
    x[k] = e11 * xa + e12 * va + w1 * fa + l11 * z1a;
    v[k] = e21 * xa + e22 * va + w2 * fa + (l21 * z1a + l22 * z2a);
  }
}

/**
 * Unchecked kernel with the step's `coefficients` (layout `CLD_LAYOUT`, from `expectCLDStep`):
 * coordinate pair `(x_j, v_j)` of global row `firstRow + r` uses normals `2j`
 * and `2j + 1` of that row (`2d` per row), so `fillParticleNormals` on an
 * `n × 2d` batch reproduces them. The loop indexes `x`, `v` and `s` with one
 * index, so the arrays whose blocks start later are viewed from the difference on.
 */
export function cldExponentialIntegratorStepRaw(
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, s: FloatArray | null, sOffset: number,
  n: number, d: number, coefficients: Float64Array, seed: number, stream: number, firstRow: number,
): void {
  const start = s === null ? Math.min(xOffset, vOffset) : Math.min(xOffset, vOffset, sOffset);
  const xAligned = xOffset > start ? shiftedView(x, xOffset - start) : x;
  const vAligned = vOffset > start ? shiftedView(v, vOffset - start) : v;
  const sAligned = s !== null && sOffset > start ? shiftedView(s, sOffset - start) : s;
  beginParticleWalk(seed, stream, firstRow, n, 2 * d);
  while (nextSegment() > 0) {
    cldSegment(xAligned, vAligned, sAligned, start + walk.position / 2, walk.count / 2, coefficients);
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
  expectCLDStep(fn, h, direction, step);
  cldExponentialIntegratorStepRaw(x.data, x.offset, v.data, v.offset, s === null ? null : s.data, s === null ? 0 : s.offset, n, d, step, seed, stream, firstRow);
}
