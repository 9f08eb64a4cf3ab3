/**
 * The random-stream scheme of the samplers (fixed; changing it changes every sample).
 *
 * A normal is addressed by `(seed, stream, global row)` (see DEVELOPING.md), so a
 * particle's noise never depends on the batch size, the chunking or the workers.
 * Stream ids:
 * - `0`: the initial positions (DDPM `y`, CLD `x`) when drawn from `N(0, I)`;
 * - `1`: the initial CLD velocities;
 * - `2`, `3`: the data samplers of `@sgmkit/score` (`DATA_STREAM`, `FORWARD_MARGINAL_STREAM`);
 * - `4`: the Rademacher probes of `logLikelihood`'s Hutchinson estimator;
 * - `64·(k + 1) + slot` for step `k` (`0 ≤ k < 2^26 − 1`), with
 *   - slot `0`: the predictor's noise (DDPM step, CLD exponential-integrator or
 *     Euler–Maruyama step, first SSCS half-step),
 *   - slot `1`: the second SSCS half-step,
 *   - slot `2 + j`: Langevin corrector step `j` (`0 ≤ j < 62`) after step `k`
 *     (DDPM: on `y`; CLD: on the velocity).
 *
 * The predictor's noise is the same with and without a corrector, so runs with
 * and without a corrector are coupled.
 * @packageDocumentation
 */

/** Stream of the initial positions. */
export const INITIAL_POSITION_STREAM = 0;
/** Stream of the initial CLD velocities. */
export const INITIAL_VELOCITY_STREAM = 1;
/** Stream of `logLikelihood`'s Hutchinson probes (all probes of a row come from this stream). */
export const LIKELIHOOD_PROBE_STREAM = 4;
/** Most Langevin corrector steps per predictor step. */
export const MAX_CORRECTOR_STEPS = 62;

/** Stream of the predictor's noise at step `k` (the first SSCS half-step for SSCS). */
export function predictorStream(step: number): number {
  return 64 * (step + 1);
}

/** Stream of the second SSCS half-step of step `k`. */
export function secondHalfStepStream(step: number): number {
  return 64 * (step + 1) + 1;
}

/** Stream of Langevin corrector step `j` after predictor step `k`. */
export function correctorStream(step: number, j: number): number {
  return 64 * (step + 1) + 2 + j;
}
