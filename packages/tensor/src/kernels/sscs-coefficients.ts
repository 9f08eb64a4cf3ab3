/**
 * The coefficients of the exact SSCS half step, shared by the sampler (`cldSSCS`)
 * and the exact analysis (`sscsHalfStepUpdate`), taken from the CLD step's closed
 * forms (`cldCoefficientsInto`). Symbols as in DEVELOPING.md "Sampler updates".
 *
 * The half step solves `d(x, v) = B (x, v) ds + (0, σ) dB`, `B = [[0, −1], [1, −2]]`,
 * over time `τ`. `B = D A D` with `D = diag(1, −1)` and `A = [[0, 1], [−1, −2]]` the
 * forward CLD drift, and `D` leaves the noise `(0, σ)` alone, so the half step is
 * the forward CLD step of length `τ` conjugated by `D`: flow `D e^{τA} D`,
 * covariance `D Q D` and Cholesky factor `D L D` (still lower triangular with a
 * positive diagonal). Conjugating by `D` negates the off-diagonal entries, exactly.
 * @packageDocumentation
 */
import { CLD_LAYOUT, cldCoefficientsInto } from './cld-coefficients.js';

/**
 * Writes the SSCS half-step coefficients for time `tau` into `out` in the kernels'
 * layout `CLD_LAYOUT`: the flow `E = e^{τB} = e^{−τ} [[1 + τ, −τ], [τ, 1 − τ]]`
 * (`E11 … E22`), the covariance `Q = I − e^{τB} e^{τBᵀ}` (`Q11, Q12, Q22`) and its lower
 * Cholesky factor (`L11, L21, L22`); the score weight (`W1, W2`) is 0. Returns
 * false when a coefficient is not finite. `tau` must be finite and > 0 (callers validate).
 */
export function sscsHalfStepCoefficientsInto(tau: number, out: Float64Array): boolean {
  const finite = cldCoefficientsInto(tau, 'forward', out);
  for (const entry of [CLD_LAYOUT.E12, CLD_LAYOUT.E21, CLD_LAYOUT.Q12, CLD_LAYOUT.L21]) out[entry] = -out[entry]!;
  out[CLD_LAYOUT.W1] = 0;
  out[CLD_LAYOUT.W2] = 0;
  return finite;
}
