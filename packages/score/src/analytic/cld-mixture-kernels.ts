/**
 * Log-sum-exp kernels of the CLD velocity score of a Gaussian mixture. Component k's joint law of
 * `z = (x, v)` is `N(μ_k, P_k)` in 2d dimensions; with the joint precision `Λ_k = P_k^{-1}` split into
 * d × d blocks `Λxx, Λxv (= Λvx), Λvv`, and the residuals `y = x − μ_k^x`, `u = v − μ_k^v`:
 * - component velocity score `s_k = ∇_v ln N_k = −(Λxv y + Λvv u)`,
 * - quadratic form `zᵀΛz = yᵀ(Λxx y + Λxv u) − uᵀ s_k`, so the logit needs one more matrix product, not two,
 * - `∇_v ln q = Σ_k e^{l_k − r} s_k / Σ_k e^{l_k − r}` with `l_k = c_k − ½ zᵀΛ_k z`.
 * The reference r is `l_0` for near particles (`|x|² + |v|² ≤ nearRadiusSquared`, one fused pass, no max)
 * and `max_k l_k` otherwise, exactly as in the OU mixture kernels (mixture-kernels.ts, which has the
 * derivation of the near region; here it is applied to the 2d-dimensional joint law).
 * @packageDocumentation
 */
import type { FloatArray } from '@sgmkit/tensor';
import { fastExp, fastExpInRange } from './fast-exp.js';
import { writeSoftmaxAverage, type MixtureScratch } from './mixture-kernels.js';

/**
 * Per-time component factors: centers `a·m_k` and `c·m_k` (K·d each, `e^{tA} = [[a, b], [c, e]]`),
 * log-normalisers `c_k = ln w_k − ½ ln det P_k` (K), and the joint precisions laid out by kernel:
 * - 'full': K blocks of `3·d·d`, `[Λxx | Λxv | Λvv]`, each d × d row-major;
 * - 'diagonal' (and 'isotropic' when d ≠ 2): K·d triples `(Λxx, Λxv, Λvv)` of coordinate pairs;
 * - 'isotropic' when d = 2: K triples.
 */
export interface CLDMixtureFactors {
  readonly positionCenters: Float64Array;
  readonly velocityCenters: Float64Array;
  readonly precisions: Float64Array;
  readonly logNormalisers: Float64Array;
  /** Particles with `|x|² + |v|² ≤ nearRadiusSquared` use `l_0` as the softmax reference. */
  nearRadiusSquared: number;
  /** The affine-logit factors when all components share one precision (see `CLDSharedFactors`), else null. */
  readonly shared: CLDSharedFactors | null;
}

/** Scratch of the CLD kernels: the OU mixture scratch (K logits, K·d scores, d accumulator) and 2d residuals. */
export interface CLDMixtureScratch extends MixtureScratch {
  readonly residuals: Float64Array;
}

/** `|x_i|² + |v_i|²`. */
function jointSquaredNorm(x: FloatArray, xi: number, v: FloatArray, vi: number, d: number): number {
  let squared = 0;
  for (let c = 0; c < d; c++) squared += x[xi + c]! * x[xi + c]! + v[vi + c]! * v[vi + c]!;
  return squared;
}

/** Any dimension d, full joint precisions (components with non-diagonal covariances). */
export function cldMixtureKernel(
  n: number, d: number, components: number, factors: CLDMixtureFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const { positionCenters, velocityCenters, precisions, logNormalisers, nearRadiusSquared: near } = factors;
  const { logits, componentScores, residuals } = scratch;
  const dd = d * d;
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    const vi = vOffset + i * d;
    for (let k = 0; k < components; k++) {
      for (let c = 0; c < d; c++) {
        residuals[c] = x[xi + c]! - positionCenters[k * d + c]!;
        residuals[d + c] = v[vi + c]! - velocityCenters[k * d + c]!;
      }
      const xxBlock = 3 * k * dd;
      const xvBlock = xxBlock + dd;
      const vvBlock = xvBlock + dd;
      let quadratic = 0;
      for (let r = 0; r < d; r++) {
        let positionRow = 0;
        let score = 0;
        for (let c = 0; c < d; c++) {
          const y = residuals[c]!;
          const u = residuals[d + c]!;
          const xv = precisions[xvBlock + r * d + c]!;
          positionRow += precisions[xxBlock + r * d + c]! * y + xv * u;
          score -= xv * y + precisions[vvBlock + r * d + c]! * u;
        }
        componentScores[k * d + r] = score;
        quadratic += residuals[r]! * positionRow - residuals[d + r]! * score;
      }
      logits[k] = logNormalisers[k]! - 0.5 * quadratic;
    }
    writeSoftmaxAverage(components, d, scratch, jointSquaredNorm(x, xi, v, vi, d) <= near, out, outOffset + i * d);
  }
}

/** Any dimension d, diagonal (or isotropic) components: every coordinate pair has its own 2 × 2 precision. */
export function cldMixtureKernelDiagonal(
  n: number, d: number, components: number, factors: CLDMixtureFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const { positionCenters, velocityCenters, precisions, logNormalisers, nearRadiusSquared: near } = factors;
  const { logits, componentScores } = scratch;
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    const vi = vOffset + i * d;
    for (let k = 0; k < components; k++) {
      let quadratic = 0;
      for (let c = 0; c < d; c++) {
        const y = x[xi + c]! - positionCenters[k * d + c]!;
        const u = v[vi + c]! - velocityCenters[k * d + c]!;
        const j = 3 * (k * d + c);
        const xv = precisions[j + 1]!;
        const score = -(xv * y + precisions[j + 2]! * u);
        componentScores[k * d + c] = score;
        quadratic += y * (precisions[j]! * y + xv * u) - u * score;
      }
      logits[k] = logNormalisers[k]! - 0.5 * quadratic;
    }
    writeSoftmaxAverage(components, d, scratch, jointSquaredNorm(x, xi, v, vi, d) <= near, out, outOffset + i * d);
  }
}

/**
 * d = 2, isotropic components (one 2 × 2 precision per component), particle in locals. Near particles:
 * one fused pass with component 0 as the reference; far particles: logits and scores, then the max form.
 */
export function cldMixtureKernel2dIsotropic(
  n: number, components: number, factors: CLDMixtureFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const { positionCenters: pc, velocityCenters: vc, precisions, logNormalisers, nearRadiusSquared: near } = factors;
  const { logits, componentScores } = scratch;
  for (let i = 0; i < n; i++) {
    const x0 = x[xOffset + 2 * i]!;
    const x1 = x[xOffset + 2 * i + 1]!;
    const v0 = v[vOffset + 2 * i]!;
    const v1 = v[vOffset + 2 * i + 1]!;
    const isNear = x0 * x0 + x1 * x1 + v0 * v0 + v1 * v1 <= near;
    let reference = 0;
    let total = 0;
    let sum0 = 0;
    let sum1 = 0;
    for (let k = 0; k < components; k++) {
      const y0 = x0 - pc[2 * k]!;
      const y1 = x1 - pc[2 * k + 1]!;
      const u0 = v0 - vc[2 * k]!;
      const u1 = v1 - vc[2 * k + 1]!;
      const pxx = precisions[3 * k]!;
      const pxv = precisions[3 * k + 1]!;
      const pvv = precisions[3 * k + 2]!;
      const s0 = -(pxv * y0 + pvv * u0);
      const s1 = -(pxv * y1 + pvv * u1);
      const logit = logNormalisers[k]! - 0.5 * (y0 * (pxx * y0 + pxv * u0) + y1 * (pxx * y1 + pxv * u1) - u0 * s0 - u1 * s1);
      if (!isNear) {
        logits[k] = logit;
        componentScores[2 * k] = s0;
        componentScores[2 * k + 1] = s1;
        continue;
      }
      if (k === 0) {
        reference = logit;
        total = 1;
        sum0 = s0;
        sum1 = s1;
        continue;
      }
      const w = fastExpInRange(logit - reference);
      total += w;
      sum0 += w * s0;
      sum1 += w * s1;
    }
    if (!isNear) {
      writeSoftmaxAverage(components, 2, scratch, false, out, outOffset + 2 * i);
      continue;
    }
    out[outOffset + 2 * i] = sum0 / total;
    out[outOffset + 2 * i + 1] = sum1 / total;
  }
}

/**
 * Factors of the shared-precision form. When every component has the same joint precision Λ (isotropic components
 * of one variance, e.g. the ring and grid presets, and point clouds), `zᵀΛz` cancels in the softmax and the logits
 * are affine in z = (x, v): `l_k = α_k + β_kˣ·x + β_kᵛ·v` with `β_k = Λμ_k` (per coordinate pair
 * `βˣ = Λxx μˣ + Λxv μᵛ`, `βᵛ = Λxv μˣ + Λvv μᵛ`) and `α_k = c_k − ½ μ_kᵀΛμ_k`. The component scores
 * `s_k = −(Λxv x + Λvv v) + β_kᵛ` share their z-part, so `∇_v ln q = −(Λxv x + Λvv v) + Σ_k r_k β_kᵛ`.
 * Per component that is one affine logit, one exp and one d-vector accumulation. Rounding in the logits is
 * `≈ ε·Λ(|μ|² + |μ||z|)`, so the scores use this form only while `Λ·max|μ|²` is moderate (`linear`).
 */
export interface CLDSharedFactors {
  /** True when the affine-logit kernels may be used at this time (rounding bound above). */
  linear: boolean;
  /** `(Λxx, Λxv, Λvv)` of every coordinate pair and component. */
  readonly precision: Float64Array;
  readonly offsets: Float64Array;
  readonly positionSlopes: Float64Array;
  readonly velocitySlopes: Float64Array;
  /** Particles with `|x|² + |v|² ≤ nearRadiusSquared` use `l_0` as the reference (then `|l_k − l_0| ≤ REFERENCE_SPREAD`). */
  nearRadiusSquared: number;
}

/** Far path of the affine-logit kernels: logits into scratch, max reference, `Σ r_k β_kᵛ` into `accumulator`. */
function sharedFar(
  d: number, components: number, shared: CLDSharedFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xi: number, v: FloatArray, vi: number,
): void {
  const { offsets, positionSlopes, velocitySlopes } = shared;
  const { logits, accumulator } = scratch;
  let max = -Infinity;
  for (let k = 0; k < components; k++) {
    let logit = offsets[k]!;
    for (let c = 0; c < d; c++) logit += positionSlopes[k * d + c]! * x[xi + c]! + velocitySlopes[k * d + c]! * v[vi + c]!;
    logits[k] = logit;
    if (logit > max) max = logit;
  }
  accumulator.fill(0);
  let total = 0;
  for (let k = 0; k < components; k++) {
    const w = fastExp(logits[k]! - max);
    total += w;
    for (let c = 0; c < d; c++) accumulator[c] += w * velocitySlopes[k * d + c]!;
  }
  for (let c = 0; c < d; c++) accumulator[c] /= total;
}

/** Any d, shared precision, affine logits (see `CLDSharedFactors`). */
export function cldMixtureKernelShared(
  n: number, d: number, components: number, shared: CLDSharedFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const { offsets, positionSlopes, velocitySlopes, nearRadiusSquared: near } = shared;
  const pxv = shared.precision[1]!;
  const pvv = shared.precision[2]!;
  const { accumulator } = scratch;
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    const vi = vOffset + i * d;
    if (!(jointSquaredNorm(x, xi, v, vi, d) <= near)) {
      sharedFar(d, components, shared, scratch, x, xi, v, vi);
    } else {
      let reference = offsets[0]!;
      for (let c = 0; c < d; c++) reference += positionSlopes[c]! * x[xi + c]! + velocitySlopes[c]! * v[vi + c]!;
      for (let c = 0; c < d; c++) accumulator[c] = velocitySlopes[c]!;
      let total = 1;
      for (let k = 1; k < components; k++) {
        let logit = offsets[k]! - reference;
        for (let c = 0; c < d; c++) logit += positionSlopes[k * d + c]! * x[xi + c]! + velocitySlopes[k * d + c]! * v[vi + c]!;
        const w = fastExpInRange(logit);
        total += w;
        for (let c = 0; c < d; c++) accumulator[c] += w * velocitySlopes[k * d + c]!;
      }
      for (let c = 0; c < d; c++) accumulator[c] /= total;
    }
    for (let c = 0; c < d; c++) out[outOffset + i * d + c] = accumulator[c]! - pxv * x[xi + c]! - pvv * v[vi + c]!;
  }
}

/** d = 2, shared precision, affine logits, particle in locals (the ring and grid presets). */
export function cldMixtureKernel2dShared(
  n: number, components: number, shared: CLDSharedFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const { offsets, positionSlopes: px, velocitySlopes: pv, nearRadiusSquared: near } = shared;
  const pxv = shared.precision[1]!;
  const pvv = shared.precision[2]!;
  const { accumulator } = scratch;
  const a0 = offsets[0]!;
  const bx0 = px[0]!, bx1 = px[1]!, bv0 = pv[0]!, bv1 = pv[1]!;
  for (let i = 0; i < n; i++) {
    const x0 = x[xOffset + 2 * i]!;
    const x1 = x[xOffset + 2 * i + 1]!;
    const v0 = v[vOffset + 2 * i]!;
    const v1 = v[vOffset + 2 * i + 1]!;
    let mean0: number;
    let mean1: number;
    if (!(x0 * x0 + x1 * x1 + v0 * v0 + v1 * v1 <= near)) {
      sharedFar(2, components, shared, scratch, x, xOffset + 2 * i, v, vOffset + 2 * i);
      mean0 = accumulator[0]!;
      mean1 = accumulator[1]!;
    } else {
      const reference = a0 + bx0 * x0 + bx1 * x1 + bv0 * v0 + bv1 * v1;
      let total = 1;
      let sum0 = bv0;
      let sum1 = bv1;
      for (let k = 1; k < components; k++) {
        const c0 = pv[2 * k]!;
        const c1 = pv[2 * k + 1]!;
        const w = fastExpInRange(offsets[k]! - reference + px[2 * k]! * x0 + px[2 * k + 1]! * x1 + c0 * v0 + c1 * v1);
        total += w;
        sum0 += w * c0;
        sum1 += w * c1;
      }
      mean0 = sum0 / total;
      mean1 = sum1 / total;
    }
    out[outOffset + 2 * i] = mean0 - pxv * x0 - pvv * v0;
    out[outOffset + 2 * i + 1] = mean1 - pxv * x1 - pvv * v1;
  }
}
