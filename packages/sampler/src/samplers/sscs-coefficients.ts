/**
 * The coefficients of the exact SSCS half step, shared by the sampler (`cldSSCS`)
 * and the exact analysis (`sscsHalfStepUpdate`), taken from the step kernels'
 * closed forms (`cldCoefficientsInto` of `@sgmkit/tensor`).
 *
 * The half step solves `d(x, v) = F (x, v) ds + (0, 2) dB`, `F = [[0, −1], [1, −2]]`,
 * over time `τ`. `F = D A D` with `D = diag(1, −1)` and `A = [[0, 1], [−1, −2]]` the
 * forward CLD drift, and `D` leaves the noise `(0, 2)` alone, so the half step is
 * the forward CLD step of length `τ` conjugated by `D`: flow `D e^{τA} D`,
 * covariance `D Σ D` and Cholesky factor `D L D` (still lower triangular with a
 * positive diagonal). Conjugating by `D` negates the off-diagonal entries, exactly.
 * @packageDocumentation
 */
import { CLD, cldCoefficientsInto } from '@sgmkit/tensor';

/**
 * Writes the SSCS half-step coefficients for time `tau` into `out` in the kernels'
 * layout `CLD`: the flow `e^{τF} = e^{−τ} [[1 + τ, −τ], [τ, 1 − τ]]`
 * (`E11 … E22`), the covariance `I − e^{τF} e^{τFᵀ}` (`S11, S12, S22`) and its lower
 * Cholesky factor (`L11, L21, L22`); the score weight (`W1, W2`) is 0. Returns
 * false when a coefficient is not finite. `tau` must be finite and > 0 (callers validate).
 */
export function sscsHalfStepCoefficientsInto(tau: number, out: Float64Array): boolean {
  const finite = cldCoefficientsInto(tau, 'forward', out);
  for (const entry of [CLD.E12, CLD.E21, CLD.S12, CLD.L21]) out[entry] = -out[entry]!;
  out[CLD.W1] = 0;
  out[CLD.W2] = 0;
  return finite;
}
