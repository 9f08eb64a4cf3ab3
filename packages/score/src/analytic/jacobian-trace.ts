/**
 * Closed-form traces of the Jacobians of the mixture scores (`Score.jacobianTraceInto`), the exact
 * divergence the likelihood integrates, and their diagonals (`Score.jacobianDiagonalInto`, which
 * `clippedScore`'s trace needs).
 *
 * For `q = Σ_k π_k N(m_k, Σ_k)` with precisions `P_k = Σ_k^{-1}`, component scores
 * `s_k = −P_k (x − m_k)` and responsibilities `w_k(x) ∝ π_k N(x; m_k, Σ_k)`, the score is
 * `s = Σ_k w_k s_k` and, since `∇w_k = w_k (s_k − s)`,
 * `∂s/∂x = −Σ_k w_k P_k + Σ_k w_k (s_k − s)(s_k − s)ᵀ`, so
 * `tr ∂s/∂x = Σ_k w_k (|s_k − s|² − tr P_k)`: a weighted variance, summed in that centred form
 * (no cancellation between `Σ w_k |s_k|²` and `|s|²`). The responsibilities use the largest
 * logit as the softmax reference, so every finite `x` gives a finite trace.
 * A point cloud is the mixture of `N(a p_j, v I)`, `a = e^{−t}`, `v = 1 − e^{−2t}`, equal weights:
 * `tr = −d/v + (a²/v²) Σ_j w_j |p_j − p̄|²` with `p̄ = Σ_j w_j p_j`.
 * These are reference loops (one row, one component at a time), not the fused sampling kernels.
 * @packageDocumentation
 */
import { exp, type FloatArray } from '@sgmkit/tensor';
import type { MixtureFactors } from './mixture-kernels.js';

/** How a mixture's precisions are stored (see `MixtureFactors`): `d × d` per component, `d` (diagonal) or 1 (isotropic, d = 2). */
export type PrecisionLayout = 'full' | 'diagonal' | 'scalar';

/** Scratch of {@link mixtureJacobianTrace}: K logits, K·d component scores, the d-vector score. */
export interface MixtureTraceScratch {
  readonly logits: Float64Array;
  readonly componentScores: Float64Array;
  readonly accumulator: Float64Array;
}

/** `tr P_k` for component `k`. */
function precisionTrace(layout: PrecisionLayout, precisions: Float64Array, k: number, d: number): number {
  if (layout === 'scalar') return d * precisions[k]!;
  let sum = 0;
  if (layout === 'diagonal') for (let c = 0; c < d; c++) sum += precisions[k * d + c]!;
  else for (let c = 0; c < d; c++) sum += precisions[k * d * d + c * d + c]!;
  return sum;
}

/** `P_k`'s diagonal entry `(a, a)` for component `k`. */
function precisionDiagonal(layout: PrecisionLayout, precisions: Float64Array, k: number, d: number, a: number): number {
  if (layout === 'scalar') return precisions[k]!;
  return layout === 'diagonal' ? precisions[k * d + a]! : precisions[k * d * d + a * d + a]!;
}

/**
 * `out[r] = tr ∂s/∂x` at row `r` of `x` (offset `xo`, rows of `d`) for `n` rows of a `k`-component mixture;
 * with `diagonal`, the Jacobian's diagonal instead, `out[r·d + a] = Σ_k w_k ((s_{k,a} − s_a)² − (P_k)_{aa})`.
 */
export function mixtureJacobianTrace(
  n: number,
  d: number,
  k: number,
  factors: MixtureFactors,
  layout: PrecisionLayout,
  scratch: MixtureTraceScratch,
  x: FloatArray,
  xo: number,
  out: Float64Array,
  diagonal = false,
): void {
  const { centers, precisions, logNormalisers } = factors;
  const { logits, componentScores: scores, accumulator: mean } = scratch;
  for (let r = 0; r < n; r++) {
    const row = xo + r * d;
    let largest = -Infinity;
    for (let j = 0; j < k; j++) {
      // s_j = −P_j (x − m_j); logit = c_j − ½ (x − m_j)ᵀ P_j (x − m_j) = c_j + ½ (x − m_j)·s_j
      let half = 0;
      for (let a = 0; a < d; a++) {
        let value: number;
        if (layout === 'full') {
          value = 0;
          for (let b = 0; b < d; b++) value -= precisions[j * d * d + a * d + b]! * (x[row + b]! - centers[j * d + b]!);
        } else {
          const p = layout === 'diagonal' ? precisions[j * d + a]! : precisions[j]!;
          value = -p * (x[row + a]! - centers[j * d + a]!);
        }
        scores[j * d + a] = value;
        half += (x[row + a]! - centers[j * d + a]!) * value;
      }
      const logit = (logits[j] = logNormalisers[j]! + 0.5 * half);
      if (logit > largest) largest = logit;
    }
    let total = 0;
    for (let j = 0; j < k; j++) total += logits[j] = exp(logits[j]! - largest);
    mean.fill(0);
    for (let j = 0; j < k; j++) {
      const w = logits[j]! / total;
      for (let a = 0; a < d; a++) mean[a] += w * scores[j * d + a]!;
    }
    if (diagonal) {
      for (let a = 0; a < d; a++) {
        let entry = 0;
        for (let j = 0; j < k; j++) {
          const spread = (scores[j * d + a]! - mean[a]!) ** 2;
          entry += (logits[j]! / total) * (spread - precisionDiagonal(layout, precisions, j, d, a));
        }
        out[r * d + a] = entry;
      }
      continue;
    }
    let trace = 0;
    for (let j = 0; j < k; j++) {
      let spread = 0;
      for (let a = 0; a < d; a++) spread += (scores[j * d + a]! - mean[a]!) ** 2;
      trace += (logits[j]! / total) * (spread - precisionTrace(layout, precisions, j, d));
    }
    out[r] = trace;
  }
}

/**
 * `out[r] = tr ∂s/∂x` at row `r` for the point-cloud score of the `m` points `points` (rows of `d`):
 * `−d/v + (a²/v²) Σ_j w_j |p_j − p̄|²` (see the module doc). `logits` has length `m`, `mean` length `d`.
 * With `diagonal`, the Jacobian's diagonal instead, `out[r·d + c] = −1/v + (a²/v²) Σ_j w_j (p_{j,c} − p̄_c)²`.
 */
export function pointCloudJacobianTrace(
  n: number,
  d: number,
  m: number,
  points: Float64Array,
  a: number,
  v: number,
  logits: Float64Array,
  mean: Float64Array,
  x: FloatArray,
  xo: number,
  out: Float64Array,
  diagonal = false,
): void {
  for (let r = 0; r < n; r++) {
    const row = xo + r * d;
    let largest = -Infinity;
    for (let j = 0; j < m; j++) {
      let squared = 0;
      for (let c = 0; c < d; c++) squared += (x[row + c]! - a * points[j * d + c]!) ** 2;
      const logit = (logits[j] = -squared / (2 * v));
      if (logit > largest) largest = logit;
    }
    let total = 0;
    for (let j = 0; j < m; j++) total += logits[j] = exp(logits[j]! - largest);
    mean.fill(0);
    for (let j = 0; j < m; j++) {
      const w = logits[j]! / total;
      for (let c = 0; c < d; c++) mean[c] += w * points[j * d + c]!;
    }
    if (diagonal) {
      for (let c = 0; c < d; c++) {
        let spread = 0;
        for (let j = 0; j < m; j++) spread += (logits[j]! / total) * (points[j * d + c]! - mean[c]!) ** 2;
        out[r * d + c] = -1 / v + ((a * a) / (v * v)) * spread;
      }
      continue;
    }
    let spread = 0;
    for (let j = 0; j < m; j++) {
      let squared = 0;
      for (let c = 0; c < d; c++) squared += (points[j * d + c]! - mean[c]!) ** 2;
      spread += (logits[j]! / total) * squared;
    }
    out[r] = -d / v + ((a * a) / (v * v)) * spread;
  }
}
