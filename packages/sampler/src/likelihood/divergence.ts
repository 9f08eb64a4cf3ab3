/**
 * The divergence of the probability-flow drift `f(t, x) = −x − s(t, x)`:
 * `div f = −d − tr ∂s/∂x`, at one stage of the integrator, for every row of a batch.
 *
 * Three estimators:
 * - `'exact'`: the score's exact Jacobian `M(t)` from `affineAt(t)` (affine scores:
 *   Gaussian data, known affine errors); `tr M` is the same for every row. Otherwise the
 *   score's own `jacobianTraceInto` (closed form for mixtures and point clouds, forward-mode
 *   differentiation along the `d` basis vectors for networks).
 * - `'finite-difference'`: `Σ_i (s_i(x + η e_i) − s_i(x − η e_i)) / 2η`, `2d` score
 *   evaluations per stage. Not exact: central differences have error
 *   `η²/6 · |∂³s|` plus rounding `≈ 2^-52 |s| / η`; with `η = 2^-17` (near the
 *   optimum `2^-52·⅓`) both are ≈ 1e-10 relative for scores that vary on the
 *   unit scale. For small `d`, where the cost `2d` is acceptable.
 * - `'hutchinson'`: `tr J ≈ (1/K) Σ_j v_jᵀ J v_j` with Rademacher probes `v_j`
 *   (unbiased), the probe fixed along the trajectory (FFJORD). `J v` is `M v` when
 *   the score is affine, else the central difference `(s(x + ηv) − s(x − ηv)) / 2η`
 *   (2 evaluations per probe and stage, same error as above).
 * @packageDocumentation
 */
import type { Batch } from '@sgmkit/tensor';
import type { Score } from '@sgmkit/score';

/** How the divergence is computed (see the module doc). */
export type DivergenceMethod = 'exact' | 'finite-difference' | 'hutchinson';

/** All divergence methods. */
export const DIVERGENCE_METHODS: readonly DivergenceMethod[] = ['exact', 'finite-difference', 'hutchinson'];

/** Central-difference step `η` of the non-affine estimators (`2^-17`). */
export const FINITE_DIFFERENCE_STEP = 2 ** -17;

/** Scratch buffers of one chunk of `n` rows (allocated once per chunk, reused at every stage). */
export interface DivergenceScratch {
  /** `n × d`: shifted points. */
  readonly plus: Batch<Float64Array>;
  readonly minus: Batch<Float64Array>;
  /** `n × d`: scores at the shifted points. */
  readonly scorePlus: Batch<Float64Array>;
  readonly scoreMinus: Batch<Float64Array>;
}

/** Trace of the `d × d` row-major matrix `m`. */
export function trace(m: Float64Array, d: number): number {
  let sum = 0;
  for (let i = 0; i < d; i++) sum += m[i * d + i]!;
  return sum;
}

/** `out[r] = div f` for every row, from the exact Jacobian `M` (the same for every row). */
export function exactDivergence(matrix: Float64Array, d: number, n: number, out: Float64Array): void {
  out.fill(-d - trace(matrix, d), 0, n);
}

/** `out[r] = div f = −d − tr ∂s/∂x` for every row, from the score's `jacobianTraceInto`. */
export function traceDivergence(score: Score, t: number, x: Batch<Float64Array>, out: Float64Array): void {
  const [n, d] = x.shape as [number, number];
  score.jacobianTraceInto!(t, x, out);
  for (let r = 0; r < n; r++) out[r] = -d - out[r]!;
}

/** `out[r] = −d − Σ_i ∂s_i/∂x_i` for every row by central differences along each coordinate. */
export function finiteDifferenceDivergence(
  score: Score,
  t: number,
  x: Batch<Float64Array>,
  scratch: DivergenceScratch,
  out: Float64Array,
): void {
  const [n, d] = x.shape as [number, number];
  const { plus, minus, scorePlus, scoreMinus } = scratch;
  out.fill(-d, 0, n);
  for (let i = 0; i < d; i++) {
    plus.data.set(x.data.subarray(x.offset, x.offset + n * d));
    minus.data.set(x.data.subarray(x.offset, x.offset + n * d));
    for (let r = 0; r < n; r++) {
      plus.data[r * d + i] += FINITE_DIFFERENCE_STEP;
      minus.data[r * d + i] -= FINITE_DIFFERENCE_STEP;
    }
    score.evaluate(t, plus, scorePlus);
    score.evaluate(t, minus, scoreMinus);
    for (let r = 0; r < n; r++) {
      out[r] -= (scorePlus.data[r * d + i]! - scoreMinus.data[r * d + i]!) / (2 * FINITE_DIFFERENCE_STEP);
    }
  }
}

/**
 * `out[r] = −d − v_rᵀ J v_r` for every row `r`, `v` the probe batch (`±1` entries):
 * one Hutchinson sample of the divergence. `matrix` is the exact Jacobian when the
 * score is affine (then `J v = M v`), else undefined (central differences).
 */
export function hutchinsonDivergence(
  score: Score,
  t: number,
  x: Batch<Float64Array>,
  probe: Float64Array,
  probeOffset: number,
  probeStride: number,
  matrix: Float64Array | undefined,
  scratch: DivergenceScratch,
  out: Float64Array,
): void {
  const [n, d] = x.shape as [number, number];
  if (matrix !== undefined) {
    for (let r = 0; r < n; r++) {
      const v = probeOffset + r * probeStride;
      let quadratic = 0;
      for (let i = 0; i < d; i++) {
        let row = 0;
        for (let j = 0; j < d; j++) row += matrix[i * d + j]! * probe[v + j]!;
        quadratic += probe[v + i]! * row;
      }
      out[r] = -d - quadratic;
    }
    return;
  }
  const { plus, minus, scorePlus, scoreMinus } = scratch;
  for (let r = 0; r < n; r++) {
    const v = probeOffset + r * probeStride;
    for (let i = 0; i < d; i++) {
      const xi = x.data[x.offset + r * d + i]!;
      plus.data[r * d + i] = xi + FINITE_DIFFERENCE_STEP * probe[v + i]!;
      minus.data[r * d + i] = xi - FINITE_DIFFERENCE_STEP * probe[v + i]!;
    }
  }
  score.evaluate(t, plus, scorePlus);
  score.evaluate(t, minus, scoreMinus);
  for (let r = 0; r < n; r++) {
    const v = probeOffset + r * probeStride;
    let quadratic = 0;
    for (let i = 0; i < d; i++) quadratic += probe[v + i]! * (scorePlus.data[r * d + i]! - scoreMinus.data[r * d + i]!);
    out[r] = -d - quadratic / (2 * FINITE_DIFFERENCE_STEP);
  }
}
