/**
 * The CLD law of one coordinate pair `(x_t, v_t)` given the data point x₀, with `V₀ ~ N(0, γ)`: mean
 * `(a x₀, c x₀)` (`e^{tA} = [[a, b], [c, e]]`) and covariance `P = E diag(0, γ) Eᵀ + Q_t`, the λ = 0 pair
 * law of the exact mixture scores (`cldPairLawTermsInto`), with its Cholesky factor
 * `[[L_xx, 0], [L_vx, ℓ_t]]`, `ℓ_t = √(det P / P_xx)` (det from the rank-one expansion: no cancellation
 * as t → 0). Used by hybrid score matching (`learned/cld-network.ts`) and `sampleCLDForwardMarginal`.
 * @packageDocumentation
 */
import { PAIR, cldPairLawTermsInto } from './cld-mixture.js';

/** Layout of {@link cldConditionalLawInto}'s output. */
export const CLD_LAW = {
  A: 0,
  C: 1,
  LXX: 2,
  LVX: 3,
  VELOCITY_SCALE: 4,
  XX: 5,
  XV: 6,
  DET: 7,
  DET_SLOPE: 8,
  LENGTH: 9,
} as const;

/**
 * Writes the law of one coordinate pair `(x_t, v_t)` given x₀ at time t > 0 (layout {@link CLD_LAW}):
 * the mean factors a, c, the Cholesky entries `L_xx`, `L_vx`, `ℓ_t`, and the λ-independent terms
 * `P_xx(0)`, `P_xv(0)`, `det P(0)` and the determinant's slope in λ (for the skip Gaussian).
 * Returns false when the law is degenerate (t = 0: x_t = x₀) or not finite.
 */
export function cldConditionalLawInto(t: number, gamma: number, out: Float64Array, terms: Float64Array): boolean {
  cldPairLawTermsInto(t, gamma, terms);
  const xx = terms[PAIR.XX]!;
  const det = terms[PAIR.DET]!;
  const lxx = Math.sqrt(xx);
  out[CLD_LAW.A] = terms[PAIR.A]!;
  out[CLD_LAW.C] = terms[PAIR.C]!;
  out[CLD_LAW.LXX] = lxx;
  out[CLD_LAW.LVX] = terms[PAIR.XV]! / lxx;
  out[CLD_LAW.VELOCITY_SCALE] = Math.sqrt(det / xx);
  out[CLD_LAW.XX] = xx;
  out[CLD_LAW.XV] = terms[PAIR.XV]!;
  out[CLD_LAW.DET] = det;
  out[CLD_LAW.DET_SLOPE] = terms[PAIR.DET_SLOPE]!;
  return xx > 0 && det > 0 && Number.isFinite(out[CLD_LAW.VELOCITY_SCALE]!) && Number.isFinite(out[CLD_LAW.LVX]!);
}
