/**
 * Log-sum-exp kernels of mixture scores. For each particle the component
 * log-weights `l_k = ln w_k − ½ ln det Σ_k − ½ (x − m_k)ᵀ Σ_k^{-1} (x − m_k)` and
 * component scores `s_k = Σ_k^{-1}(m_k − x)` give `∇ln q = Σ_k e^{l_k − r} s_k / Σ_k e^{l_k − r}`
 * for any reference `r`. Two references, both exact (the softmax does not depend on r):
 * - near particles (`|x|² ≤ nearRadiusSquared`, see `nearRadiusSquared`): `r = l_0`, one fused pass with
 *   no max. Every `|l_k − l_0|` is then ≤ `REFERENCE_SPREAD`, so no exponent leaves `[−300, 300]`.
 *   A max over the components is a data-dependent branch per component, which the CPU mispredicts
 *   about once per particle: with the second pass and the scratch traffic, the max form is ≈ 2× slower.
 * - far particles: `r = max_k l_k` (two passes), every exponent ≤ 0, so any finite x gives a finite score.
 * (Skipping the exps of components more than ~40 below the max, possible only in the max form, was measured:
 * it pays only near t = 0, and the fused near path is faster still, so no kernel skips.)
 * Specialised kernels: isotropic components (`Σ_{k,t} = v_k I`, detected exactly at construction) need
 * no quadratic form, `l_k = c_k − |x − m_k|²/(2v_k)`, `s_k = (m_k − x)/v_k`; distances are computed
 * directly (not by expanding |x|²), which keeps the logits accurate near the means as v_k → 0.
 * Scratch arrays are owned by the caller (no allocation).
 * @packageDocumentation
 */
import type { FloatArray } from '@sgmkit/tensor';
import { fastExp, fastExpInRange } from './fast-exp.js';

/**
 * Largest `|l_k − l_0|` the near path allows. `e^{300} ≈ 2e130`: sums of K such terms times component
 * scores stay far from overflow (see `nearRadiusSquared`), and the exponents stay inside
 * `fastExpInRange`'s domain `[−708, 709]` with a wide margin for rounding, so the d = 2 kernels call it
 * without a range test; it is exact to ~2 ulp there, so the weights are as accurate as in the max-based form.
 */
export const REFERENCE_SPREAD = 300;

/** Component scores larger than this (in the near region) would risk `e^{300}·|s_k|` overflowing: near path off. */
const MAX_NEAR_SCORE = 1e100;

/**
 * Per-time component factors: centers `m_k` (K·d), log-normalisers `c_k` (K), and precisions laid out by
 * kernel: `Σ_k^{-1}` (K·d·d) for 'full', the diagonal `1/λ_{k,c}` (K·d) for 'diagonal' and for 'isotropic' when
 * d ≠ 2 (which the diagonal kernel serves), `1/v_k` (K) for 'isotropic' when d = 2.
 */
export interface MixtureFactors {
  readonly centers: Float64Array;
  readonly precisions: Float64Array;
  readonly logNormalisers: Float64Array;
  /** Particles with `|x|² ≤ nearRadiusSquared` use `l_0` as the softmax reference (see `nearRadiusSquared`). */
  nearRadiusSquared: number;
}

/** Scratch a mixture kernel needs: K logits, K·d component scores, a length-d double accumulator. */
export interface MixtureScratch {
  readonly logits: Float64Array;
  readonly componentScores: Float64Array;
  readonly accumulator: Float64Array;
}

/**
 * The near region `|x|² ≤ R²` in which `|l_k − l_j| ≤ REFERENCE_SPREAD` for all k, j. With `Λ` the largest
 * precision eigenvalue over components and `M` the largest `|m_k|`: `0 ≤ ½(x − m_k)ᵀP_k(x − m_k) ≤ ½Λ(|x| + M)²
 * ≤ Λ(|x|² + M²)`, so `|l_k − l_j| ≤ (max c − min c) + Λ(|x|² + M²)`, and `R² = (SPREAD − (max c − min c))/Λ − M²`.
 * Returns −1 (no near region: every particle takes the max path) when that is negative, or when component
 * scores in the region, `|s_k| ≤ Λ(R + M)`, could be large enough for `e^{SPREAD}|s_k|` to approach overflow.
 */
export function nearRadiusSquared(logNormalisers: Float64Array, largestPrecision: number, largestMeanSquared: number): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of logNormalisers) {
    lo = Math.min(lo, c);
    hi = Math.max(hi, c);
  }
  const radiusSquared = (REFERENCE_SPREAD - (hi - lo)) / largestPrecision - largestMeanSquared;
  if (!(radiusSquared >= 0)) return -1;
  if (!(largestPrecision * (Math.sqrt(radiusSquared) + Math.sqrt(largestMeanSquared)) <= MAX_NEAR_SCORE)) return -1;
  return radiusSquared;
}

/**
 * Writes `Σ_k e^{l_k − r} s_k / Σ_k e^{l_k − r}` for the logits `l_k` and component scores `s_k` in `scratch`,
 * with `r = l_0` for a near particle and `r = max_k l_k` otherwise. The tail of the any-d kernels, and the
 * far path of the d = 2 ones.
 */
export function writeSoftmaxAverage(
  components: number, d: number, scratch: MixtureScratch, isNear: boolean, out: FloatArray, oi: number,
): void {
  const { logits, componentScores, accumulator } = scratch;
  let reference = logits[0]!;
  if (!isNear) {
    reference = -Infinity;
    for (let k = 0; k < components; k++) if (logits[k]! > reference) reference = logits[k]!;
  }
  let total = 0;
  accumulator.fill(0);
  for (let k = 0; k < components; k++) {
    const w = fastExp(logits[k]! - reference);
    total += w;
    for (let c = 0; c < d; c++) accumulator[c] += w * componentScores[k * d + c]!;
  }
  for (let c = 0; c < d; c++) out[oi + c] = accumulator[c]! / total;
}

/** `|x_i|²` of the row at `xi`. */
export function squaredNorm(x: FloatArray, xi: number, d: number): number {
  let squared = 0;
  for (let c = 0; c < d; c++) squared += x[xi + c]! * x[xi + c]!;
  return squared;
}

/** Any dimension d, full precisions. */
export function mixtureScoreKernel(
  n: number, d: number, components: number, factors: MixtureFactors, scratch: MixtureScratch,
  x: FloatArray, xOffset: number, out: FloatArray, outOffset: number,
): void {
  const { centers, precisions, logNormalisers, nearRadiusSquared: near } = factors;
  const { logits, componentScores } = scratch;
  const dd = d * d;
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    for (let k = 0; k < components; k++) {
      let quadratic = 0;
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += precisions[k * dd + r * d + c]! * (centers[k * d + c]! - x[xi + c]!);
        componentScores[k * d + r] = s;
        quadratic += (centers[k * d + r]! - x[xi + r]!) * s;
      }
      logits[k] = logNormalisers[k]! - 0.5 * quadratic;
    }
    writeSoftmaxAverage(components, d, scratch, squaredNorm(x, xi, d) <= near, out, outOffset + i * d);
  }
}

/** Any dimension d, diagonal (or isotropic) components: `precisions[k·d + c] = 1/λ_{k,c}`. */
export function mixtureScoreKernelDiagonal(
  n: number, d: number, components: number, factors: MixtureFactors, scratch: MixtureScratch,
  x: FloatArray, xOffset: number, out: FloatArray, outOffset: number,
): void {
  const { centers, precisions, logNormalisers, nearRadiusSquared: near } = factors;
  const { logits, componentScores } = scratch;
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    for (let k = 0; k < components; k++) {
      let quadratic = 0;
      for (let c = 0; c < d; c++) {
        const diff = centers[k * d + c]! - x[xi + c]!;
        const s = precisions[k * d + c]! * diff;
        componentScores[k * d + c] = s;
        quadratic += s * diff;
      }
      logits[k] = logNormalisers[k]! - 0.5 * quadratic;
    }
    writeSoftmaxAverage(components, d, scratch, squaredNorm(x, xi, d) <= near, out, outOffset + i * d);
  }
}

/**
 * d = 2, full symmetric 2 × 2 precisions, particle in locals. Near particles: one fused pass
 * (component 0 first gives the reference); far particles: logits, max, then the weighted sum.
 */
export function mixtureScoreKernel2d(
  n: number, components: number, factors: MixtureFactors, scratch: MixtureScratch,
  x: FloatArray, xOffset: number, out: FloatArray, outOffset: number,
): void {
  const { centers, precisions, logNormalisers, nearRadiusSquared: near } = factors;
  const { logits, componentScores } = scratch;
  const c00 = centers[0]!;
  const c01 = centers[1]!;
  const p000 = precisions[0]!;
  const p001 = precisions[1]!;
  const p011 = precisions[3]!;
  const n0 = logNormalisers[0]!;
  for (let i = 0; i < n; i++) {
    const x0 = x[xOffset + 2 * i]!;
    const x1 = x[xOffset + 2 * i + 1]!;
    if (!(x0 * x0 + x1 * x1 <= near)) {
      for (let k = 0; k < components; k++) {
        const dx0 = centers[2 * k]! - x0;
        const dx1 = centers[2 * k + 1]! - x1;
        const p01 = precisions[4 * k + 1]!;
        const s0 = (componentScores[2 * k] = precisions[4 * k]! * dx0 + p01 * dx1);
        const s1 = (componentScores[2 * k + 1] = p01 * dx0 + precisions[4 * k + 3]! * dx1);
        logits[k] = logNormalisers[k]! - 0.5 * (dx0 * s0 + dx1 * s1);
      }
      writeSoftmaxAverage(components, 2, scratch, false, out, outOffset + 2 * i);
      continue;
    }
    const d0 = c00 - x0;
    const d1 = c01 - x1;
    const t0 = p000 * d0 + p001 * d1;
    const t1 = p001 * d0 + p011 * d1;
    const reference = n0 - 0.5 * (d0 * t0 + d1 * t1);
    let total = 1;
    let sum0 = t0;
    let sum1 = t1;
    for (let k = 1; k < components; k++) {
      const dx0 = centers[2 * k]! - x0;
      const dx1 = centers[2 * k + 1]! - x1;
      const p01 = precisions[4 * k + 1]!;
      const s0 = precisions[4 * k]! * dx0 + p01 * dx1;
      const s1 = p01 * dx0 + precisions[4 * k + 3]! * dx1;
      const w = fastExpInRange(logNormalisers[k]! - 0.5 * (dx0 * s0 + dx1 * s1) - reference);
      total += w;
      sum0 += w * s0;
      sum1 += w * s1;
    }
    out[outOffset + 2 * i] = sum0 / total;
    out[outOffset + 2 * i + 1] = sum1 / total;
  }
}

/** d = 2, isotropic components (`precisions[k] = 1/v_k`): no quadratic form, `s_k = (m_k − x)/v_k`. */
export function mixtureScoreKernel2dIsotropic(
  n: number, components: number, factors: MixtureFactors, scratch: MixtureScratch,
  x: FloatArray, xOffset: number, out: FloatArray, outOffset: number,
): void {
  const { centers, precisions, logNormalisers, nearRadiusSquared: near } = factors;
  const c00 = centers[0]!;
  const c01 = centers[1]!;
  const p0 = precisions[0]!;
  const n0 = logNormalisers[0]!;
  for (let i = 0; i < n; i++) {
    const x0 = x[xOffset + 2 * i]!;
    const x1 = x[xOffset + 2 * i + 1]!;
    if (!(x0 * x0 + x1 * x1 <= near)) {
      writeIsotropic2dFar(components, factors, scratch, x0, x1, out, outOffset + 2 * i);
      continue;
    }
    const d0 = c00 - x0;
    const d1 = c01 - x1;
    const reference = n0 - 0.5 * p0 * (d0 * d0 + d1 * d1);
    let total = 1;
    let sum0 = p0 * d0;
    let sum1 = p0 * d1;
    for (let k = 1; k < components; k++) {
      const dx0 = centers[2 * k]! - x0;
      const dx1 = centers[2 * k + 1]! - x1;
      const p = precisions[k]!;
      const w = fastExpInRange(logNormalisers[k]! - 0.5 * p * (dx0 * dx0 + dx1 * dx1) - reference);
      const wp = w * p;
      total += w;
      sum0 += wp * dx0;
      sum1 += wp * dx1;
    }
    out[outOffset + 2 * i] = sum0 / total;
    out[outOffset + 2 * i + 1] = sum1 / total;
  }
}

/** Far path of both d = 2 isotropic kernels (`precisions[k] = 1/v_k`): logits and `s_k = (m_k − x)/v_k`, then the max form. */
function writeIsotropic2dFar(
  components: number, factors: MixtureFactors, scratch: MixtureScratch, x0: number, x1: number, out: FloatArray, oi: number,
): void {
  const { centers, precisions, logNormalisers } = factors;
  const { logits, componentScores } = scratch;
  for (let k = 0; k < components; k++) {
    const dx0 = centers[2 * k]! - x0;
    const dx1 = centers[2 * k + 1]! - x1;
    const p = precisions[k]!;
    logits[k] = logNormalisers[k]! - 0.5 * p * (dx0 * dx0 + dx1 * dx1);
    componentScores[2 * k] = p * dx0;
    componentScores[2 * k + 1] = p * dx1;
  }
  writeSoftmaxAverage(components, 2, scratch, false, out, oi);
}

/**
 * d = 2, isotropic components sharing one variance (`precisions[k] = 1/v` for all k, e.g. the ring mixture):
 * as `mixtureScoreKernel2dIsotropic` with `1/v` hoisted, `∇ln q = (1/v)·Σ_k w_k (m_k − x) / Σ_k w_k` (≈ 5% faster).
 */
export function mixtureScoreKernel2dSharedVariance(
  n: number, components: number, factors: MixtureFactors, scratch: MixtureScratch,
  x: FloatArray, xOffset: number, out: FloatArray, outOffset: number,
): void {
  const { centers, precisions, logNormalisers, nearRadiusSquared: near } = factors;
  const c00 = centers[0]!;
  const c01 = centers[1]!;
  const precision = precisions[0]!;
  const negativeHalfPrecision = -0.5 * precision;
  const n0 = logNormalisers[0]!;
  for (let i = 0; i < n; i++) {
    const x0 = x[xOffset + 2 * i]!;
    const x1 = x[xOffset + 2 * i + 1]!;
    if (!(x0 * x0 + x1 * x1 <= near)) {
      writeIsotropic2dFar(components, factors, scratch, x0, x1, out, outOffset + 2 * i);
      continue;
    }
    const d0 = c00 - x0;
    const d1 = c01 - x1;
    const reference = n0 + negativeHalfPrecision * (d0 * d0 + d1 * d1);
    let total = 1;
    let sum0 = d0;
    let sum1 = d1;
    for (let k = 1; k < components; k++) {
      const dx0 = centers[2 * k]! - x0;
      const dx1 = centers[2 * k + 1]! - x1;
      const w = fastExpInRange(logNormalisers[k]! + negativeHalfPrecision * (dx0 * dx0 + dx1 * dx1) - reference);
      total += w;
      sum0 += w * dx0;
      sum1 += w * dx1;
    }
    const scale = precision / total;
    out[outOffset + 2 * i] = sum0 * scale;
    out[outOffset + 2 * i + 1] = sum1 * scale;
  }
}

/**
 * Equal-weight isotropic mixture `N(a·p_j, σ²I)` over the rows `p_j` of `points` (m·d):
 * the point-cloud score `Σ_j π_j (a·p_j − x) / σ²`. Distances are computed directly
 * (not by expanding |x|²), which keeps the logits accurate near the points as σ → 0.
 */
export function pointCloudScoreKernel(
  n: number, d: number, m: number, points: Float64Array, decay: number, variance: number,
  logits: Float64Array, accumulator: Float64Array,
  x: FloatArray, xOffset: number, out: FloatArray, outOffset: number,
): void {
  const halfPrecision = 0.5 / variance;
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    let max = -Infinity;
    for (let j = 0; j < m; j++) {
      let squared = 0;
      for (let c = 0; c < d; c++) {
        const diff = decay * points[j * d + c]! - x[xi + c]!;
        squared += diff * diff;
      }
      const l = -halfPrecision * squared;
      logits[j] = l;
      if (l > max) max = l;
    }
    let total = 0;
    accumulator.fill(0);
    for (let j = 0; j < m; j++) {
      const w = fastExp(logits[j]! - max);
      total += w;
      for (let c = 0; c < d; c++) accumulator[c] += w * (decay * points[j * d + c]! - x[xi + c]!);
    }
    const scale = 1 / (total * variance);
    for (let c = 0; c < d; c++) out[outOffset + i * d + c] = accumulator[c]! * scale;
  }
}
