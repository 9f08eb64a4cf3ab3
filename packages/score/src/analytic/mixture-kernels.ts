/**
 * Log-sum-exp kernels of mixture scores. For each particle the component
 * log-weights `l_k = ln w_k − ½ ln det Σ_k − ½ (x − m_k)ᵀ Σ_k^{-1} (x − m_k)` and
 * component scores `s_k = Σ_k^{-1}(m_k − x)` are computed once, then
 * `∇ln q = Σ_k e^{l_k − max} s_k / Σ_k e^{l_k − max}`: every exponent is ≤ 0, so far-away
 * particles give finite scores. Scratch arrays are owned by the caller (no allocation).
 * @packageDocumentation
 */
import type { FloatArray } from '@sgmkit/tensor';
import { fastExp } from './fast-exp.js';

/** Per-time component factors: centers `m_k` (K·d), precisions `Σ_k^{-1}` (K·d·d), log-normalisers (K). */
export interface MixtureFactors {
  readonly centers: Float64Array;
  readonly precisions: Float64Array;
  readonly logNormalisers: Float64Array;
}

/** Scratch a mixture kernel needs: K logits, K·d component scores, a length-d double accumulator. */
export interface MixtureScratch {
  readonly logits: Float64Array;
  readonly componentScores: Float64Array;
  readonly accumulator: Float64Array;
}

/** Normalises `Σ_k e^{l_k − max} s_k` over components; shared tail of both kernels. */
function writeSoftmaxAverage(
  components: number, d: number, scratch: MixtureScratch, max: number, out: FloatArray, oi: number,
): void {
  const { logits, componentScores, accumulator } = scratch;
  let total = 0;
  accumulator.fill(0);
  for (let k = 0; k < components; k++) {
    const w = fastExp(logits[k]! - max);
    total += w;
    for (let c = 0; c < d; c++) accumulator[c] += w * componentScores[k * d + c]!;
  }
  for (let c = 0; c < d; c++) out[oi + c] = accumulator[c]! / total;
}

/** Any dimension d. */
export function mixtureScoreKernel(
  n: number, d: number, components: number, factors: MixtureFactors, scratch: MixtureScratch,
  x: FloatArray, xOffset: number, out: FloatArray, outOffset: number,
): void {
  const { centers, precisions, logNormalisers } = factors;
  const { logits, componentScores } = scratch;
  const dd = d * d;
  for (let i = 0; i < n; i++) {
    const xi = xOffset + i * d;
    let max = -Infinity;
    for (let k = 0; k < components; k++) {
      let quadratic = 0;
      for (let r = 0; r < d; r++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += precisions[k * dd + r * d + c]! * (centers[k * d + c]! - x[xi + c]!);
        componentScores[k * d + r] = s;
        quadratic += (centers[k * d + r]! - x[xi + r]!) * s;
      }
      const l = logNormalisers[k]! - 0.5 * quadratic;
      logits[k] = l;
      if (l > max) max = l;
    }
    writeSoftmaxAverage(components, d, scratch, max, out, outOffset + i * d);
  }
}

/** d = 2, with the particle and the symmetric 2 × 2 precisions in locals. */
export function mixtureScoreKernel2d(
  n: number, components: number, factors: MixtureFactors, scratch: MixtureScratch,
  x: FloatArray, xOffset: number, out: FloatArray, outOffset: number,
): void {
  const { centers, precisions, logNormalisers } = factors;
  const { logits, componentScores } = scratch;
  for (let i = 0; i < n; i++) {
    const x0 = x[xOffset + 2 * i]!;
    const x1 = x[xOffset + 2 * i + 1]!;
    let max = -Infinity;
    for (let k = 0; k < components; k++) {
      const dx0 = centers[2 * k]! - x0;
      const dx1 = centers[2 * k + 1]! - x1;
      const p01 = precisions[4 * k + 1]!;
      const s0 = precisions[4 * k]! * dx0 + p01 * dx1;
      const s1 = p01 * dx0 + precisions[4 * k + 3]! * dx1;
      const l = logNormalisers[k]! - 0.5 * (dx0 * s0 + dx1 * s1);
      logits[k] = l;
      componentScores[2 * k] = s0;
      componentScores[2 * k + 1] = s1;
      if (l > max) max = l;
    }
    let total = 0;
    let sum0 = 0;
    let sum1 = 0;
    for (let k = 0; k < components; k++) {
      const w = fastExp(logits[k]! - max);
      total += w;
      sum0 += w * componentScores[2 * k]!;
      sum1 += w * componentScores[2 * k + 1]!;
    }
    out[outOffset + 2 * i] = sum0 / total;
    out[outOffset + 2 * i + 1] = sum1 / total;
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
