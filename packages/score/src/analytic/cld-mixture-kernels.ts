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
import type { FloatArray, WasmMixtureKernels } from '@sgmkit/tensor';
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
 * are affine in z = (x, v): `l_k = c_k − ½μ_kᵀΛμ_k + zᵀΛμ_k`. The means are `μ_k = (a m_k, c m_k)` for one flow
 * `e^{tA}` and every pair has the precision `(Λxx, Λxv, Λvv)`, so `zᵀΛμ_k = m_k·(κˣx + κᵛv)` with
 * `κˣ = aΛxx + cΛxv`, `κᵛ = aΛxv + cΛvv`, and `l_k = α_k + m_k·w` with `w = κˣx + κᵛv` computed once per particle,
 * `α_k = c_k − ½(aκˣ + cκᵛ)|m_k|²`. The component scores `s_k = −(Λxv x + Λvv v) + κᵛ m_k` share their z-part:
 * `∇_v ln q = −(Λxv x + Λvv v) + κᵛ Σ_k r_k m_k`. Per component: one d-dot product, one exp, one d-vector update,
 * as in the OU kernels. Rounding in the logits is `≈ ε·Λ(|μ|² + |μ||z|)`, so the scores use this form only while
 * `Λ·max|μ|²` is moderate (`linear`).
 */
export interface CLDSharedFactors {
  /** True when the affine-logit kernels may be used at this time (rounding bound above). */
  linear: boolean;
  /** `[Λxv, Λvv, κˣ, κᵛ]`. */
  readonly coefficients: Float64Array;
  /** K rows of `d + 1`: `[α_k, m_k]`. */
  readonly table: Float64Array;
  /**
   * Particles with `|x|² + |v|² ≤ nearRadiusSquared` use `l_0` as the reference: then every `|l_k − l_0|` is small
   * enough for `fastExpInRange` and for the sums not to overflow (the bound is in `CLDMixtureBase.fillSharedFactors`).
   */
  nearRadiusSquared: number;
}

/** Far path of the affine-logit kernels: logits into scratch, max reference, `Σ r_k m_k` into `accumulator`; `w` in `residuals`. */
function sharedFar(d: number, components: number, table: Float64Array, scratch: CLDMixtureScratch): void {
  const { logits, accumulator, residuals: w } = scratch;
  const row = d + 1;
  let max = -Infinity;
  for (let k = 0; k < components; k++) {
    let logit = table[k * row]!;
    for (let c = 0; c < d; c++) logit += table[k * row + 1 + c]! * w[c]!;
    logits[k] = logit;
    if (logit > max) max = logit;
  }
  accumulator.fill(0);
  let total = 0;
  for (let k = 0; k < components; k++) {
    const weight = fastExp(logits[k]! - max);
    total += weight;
    for (let c = 0; c < d; c++) accumulator[c] += weight * table[k * row + 1 + c]!;
  }
  for (let c = 0; c < d; c++) accumulator[c] /= total;
}

/** Any d, shared precision, affine logits (see `CLDSharedFactors`). */
export function cldMixtureKernelShared(
  n: number, d: number, components: number, shared: CLDSharedFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const { table, coefficients, nearRadiusSquared: near } = shared;
  const pxv = coefficients[0]!, pvv = coefficients[1]!, kx = coefficients[2]!, kv = coefficients[3]!;
  const { accumulator, residuals: w } = scratch;
  const row = d + 1;
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    const vi = vOffset + i * d;
    for (let c = 0; c < d; c++) w[c] = kx * x[xi + c]! + kv * v[vi + c]!;
    if (!(jointSquaredNorm(x, xi, v, vi, d) <= near)) {
      sharedFar(d, components, table, scratch);
    } else {
      let reference = table[0]!;
      for (let c = 0; c < d; c++) reference += table[1 + c]! * w[c]!;
      for (let c = 0; c < d; c++) accumulator[c] = table[1 + c]!;
      let total = 1;
      for (let k = 1; k < components; k++) {
        let logit = table[k * row]! - reference;
        for (let c = 0; c < d; c++) logit += table[k * row + 1 + c]! * w[c]!;
        const weight = fastExpInRange(logit);
        total += weight;
        for (let c = 0; c < d; c++) accumulator[c] += weight * table[k * row + 1 + c]!;
      }
      for (let c = 0; c < d; c++) accumulator[c] /= total;
    }
    for (let c = 0; c < d; c++) out[outOffset + i * d + c] = kv * accumulator[c]! - pxv * x[xi + c]! - pvv * v[vi + c]!;
  }
}

/** d = 2, shared precision, affine logits, particle in locals (the ring and grid presets). */
export function cldMixtureKernel2dShared(
  n: number, components: number, shared: CLDSharedFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const { table, coefficients, nearRadiusSquared: near } = shared;
  const pxv = coefficients[0]!, pvv = coefficients[1]!, kx = coefficients[2]!, kv = coefficients[3]!;
  const { accumulator, residuals } = scratch;
  const a0 = table[0]!, m00 = table[1]!, m01 = table[2]!;
  for (let i = 0; i < n; i++) {
    const x0 = x[xOffset + 2 * i]!;
    const x1 = x[xOffset + 2 * i + 1]!;
    const v0 = v[vOffset + 2 * i]!;
    const v1 = v[vOffset + 2 * i + 1]!;
    const w0 = kx * x0 + kv * v0;
    const w1 = kx * x1 + kv * v1;
    let mean0: number;
    let mean1: number;
    if (!(x0 * x0 + x1 * x1 + v0 * v0 + v1 * v1 <= near)) {
      residuals[0] = w0;
      residuals[1] = w1;
      sharedFar(2, components, table, scratch);
      mean0 = accumulator[0]!;
      mean1 = accumulator[1]!;
    } else {
      const reference = a0 + m00 * w0 + m01 * w1;
      let total = 1;
      let sum0 = m00;
      let sum1 = m01;
      for (let k = 1; k < components; k++) {
        const c0 = table[3 * k + 1]!;
        const c1 = table[3 * k + 2]!;
        const weight = fastExpInRange(table[3 * k]! - reference + c0 * w0 + c1 * w1);
        total += weight;
        sum0 += weight * c0;
        sum1 += weight * c1;
      }
      mean0 = sum0 / total;
      mean1 = sum1 / total;
    }
    out[outOffset + 2 * i] = kv * mean0 - pxv * x0 - pvv * v0;
    out[outOffset + 2 * i + 1] = kv * mean1 - pxv * x1 - pvv * v1;
  }
}

/**
 * `cldMixtureKernel2dShared` with its near path on the WebAssembly SIMD kernel (@sgmkit/tensor's `WasmMixtureKernels`,
 * two particles per vector, the same operations per particle, so the same bits); the particles it leaves (far or NaN)
 * go through the scalar kernel one by one.
 */
export function cldMixtureKernel2dSharedWasm(
  wasm: WasmMixtureKernels, n: number, components: number, shared: CLDSharedFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  if (!(shared.nearRadiusSquared >= 0)) {
    cldMixtureKernel2dShared(n, components, shared, scratch, x, xOffset, v, vOffset, out, outOffset);
    return;
  }
  const far = wasm.cldShared2d(n, components, shared, x, xOffset, v, vOffset, out, outOffset);
  const particles = wasm.farParticles;
  for (let j = 0; j < far; j++) {
    const i = 2 * particles[j]!;
    cldMixtureKernel2dShared(1, components, shared, scratch, x, xOffset + i, v, vOffset + i, out, outOffset + i);
  }
}

/**
 * `cldMixtureKernel2dIsotropic` (`layout` `'isotropic'`) or `cldMixtureKernel2dFull` (`'full'`) on the WebAssembly
 * SIMD kernel (@sgmkit/tensor's `WasmMixtureKernels`: two particles per vector, the same operations per particle,
 * near and far, so the same bits); the particles it leaves (a softmax exponent beyond `fastExp`'s fast range, where
 * the scalar kernel calls the portable exp, or NaN) go through the scalar kernel one by one.
 */
export function cldMixtureKernel2dComponentsWasm(
  wasm: WasmMixtureKernels, layout: 'isotropic' | 'full', n: number, components: number, factors: CLDMixtureFactors,
  scratch: CLDMixtureScratch, x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const far = wasm.cldComponents2d(layout, n, components, factors, x, xOffset, v, vOffset, out, outOffset);
  const particles = wasm.farParticles;
  const scalar = layout === 'isotropic' ? cldMixtureKernel2dIsotropic : cldMixtureKernel2dFull;
  for (let j = 0; j < far; j++) {
    const i = 2 * particles[j]!;
    scalar(1, components, factors, scratch, x, xOffset + i, v, vOffset + i, out, outOffset + i);
  }
}

/**
 * d = 2, full components (`'full'` precision layout, 12 entries per component, each 2 × 2 block symmetric),
 * particle in locals. Near particles: one fused pass with component 0 as the reference; far particles: the max form.
 */
export function cldMixtureKernel2dFull(
  n: number, components: number, factors: CLDMixtureFactors, scratch: CLDMixtureScratch,
  x: FloatArray, xOffset: number, v: FloatArray, vOffset: number, out: FloatArray, outOffset: number,
): void {
  const { positionCenters: pc, velocityCenters: vc, precisions: p, logNormalisers, nearRadiusSquared: near } = factors;
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
      const b = 12 * k;
      const xv01 = p[b + 5]!;
      const s0 = -(p[b + 4]! * y0 + xv01 * y1 + p[b + 8]! * u0 + p[b + 9]! * u1);
      const s1 = -(xv01 * y0 + p[b + 7]! * y1 + p[b + 9]! * u0 + p[b + 11]! * u1);
      const xx01 = p[b + 1]!;
      const g0 = p[b]! * y0 + xx01 * y1 + p[b + 4]! * u0 + xv01 * u1;
      const g1 = xx01 * y0 + p[b + 3]! * y1 + xv01 * u0 + p[b + 7]! * u1;
      const logit = logNormalisers[k]! - 0.5 * (y0 * g0 + y1 * g1 - u0 * s0 - u1 * s1);
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
