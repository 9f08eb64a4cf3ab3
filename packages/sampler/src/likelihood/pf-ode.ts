/**
 * The probability-flow ODE integrated forward in time with the instantaneous change of
 * variables, for one chunk of rows (unchecked; `logLikelihood` validates).
 *
 * Forward OU clock: `dX = −X dt + √2 dB`; its probability-flow ODE is
 * `dx/dt = f(t, x) = −x − s(t, x)`, and along a solution `d/dt log q_t(x(t)) = −div f`,
 * so `log q_δ(x) = log q_T(x_T) + ∫_δ^T div f(t, x(t)) dt`. The model replaces
 * `q_T` by `N(0, I)`.
 *
 * Integrator: classical fourth-order Runge–Kutta on the augmented state `(x, ℓ)`,
 * `dℓ/dt = div f(t, x)`, on a fixed grid (global error `O(h⁴)` for a smooth score).
 * `ℓ` does not feed back into `x`, so every Hutchinson probe shares one trajectory:
 * the stage divergences of probe `j` are summed with the Runge–Kutta weights into its
 * own `ℓ_j`. For an affine score the stage divergences do not depend on `x`, and the
 * `ℓ` update is Simpson's rule on `tr` (see `analysis/likelihood.ts`, its closed form).
 * @packageDocumentation
 */
import { log } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import type { Score } from '@sgmkit/score';
import {
  exactDivergence,
  finiteDifferenceDivergence,
  traceDivergence,
  hutchinsonDivergence,
  type DivergenceMethod,
  type DivergenceScratch,
} from './divergence.js';
import { checkScoreOutput } from '../samplers/common.js';

/** `log 2π`. */
export const LOG_TWO_PI = 1.8378770664093453;

/** Runge–Kutta 4 stages: offset of the stage time in units of `h`, weight of the stage in the update. */
const STAGE_TIME = [0, 0.5, 0.5, 1] as const;
const STAGE_WEIGHT = [1, 2, 2, 1] as const;
/** How far the next stage's point moves along this stage's slope, in units of `h`. */
const NEXT_STAGE_STEP = [0.5, 0.5, 1, 0] as const;

/** The validated problem one chunk solves. */
export interface PFODEProblem {
  readonly score: Score;
  readonly d: number;
  /** Forward times in increasing order, `δ = τ_0 < … < τ_N = T`. */
  readonly times: Float64Array;
  readonly divergence: DivergenceMethod;
  /** Hutchinson probes per row (1 for the deterministic methods). */
  readonly probes: number;
}

/** The buffers of a chunk of `n` rows. */
interface ChunkBuffers {
  readonly stage: Batch<Float64Array>;
  readonly score: Batch<Float64Array>;
  readonly slopeSum: Float64Array;
  readonly divergence: Float64Array;
  readonly scratch: DivergenceScratch;
}

function float64Batch(n: number, d: number): Batch<Float64Array> {
  return { data: new Float64Array(n * d), shape: [n, d], stride: [d, 1], offset: 0 };
}

function chunkBuffers(n: number, d: number): ChunkBuffers {
  return {
    stage: float64Batch(n, d),
    score: float64Batch(n, d),
    slopeSum: new Float64Array(n * d),
    divergence: new Float64Array(n),
    scratch: {
      plus: float64Batch(n, d),
      minus: float64Batch(n, d),
      scorePlus: float64Batch(n, d),
      scoreMinus: float64Batch(n, d),
    },
  };
}

/**
 * Adds `weight · div f(t, stage)` to `integral[r·K + j]` for every row `r` and probe `j`.
 * `probes` holds the `n × K·d` Rademacher probes (undefined for deterministic methods).
 */
function accumulateDivergence(
  problem: PFODEProblem,
  t: number,
  buffers: ChunkBuffers,
  probes: Float64Array | undefined,
  weight: number,
  integral: Float64Array,
): void {
  const { score, d, divergence: method, probes: K } = problem;
  const { stage, divergence, scratch } = buffers;
  const n = stage.shape[0]!;
  if (method === 'finite-difference') finiteDifferenceDivergence(score, t, stage, scratch, divergence);
  else if (method === 'exact' && score.affineAt !== undefined)
    exactDivergence(score.affineAt(t).matrix, d, n, divergence);
  else if (method === 'exact') traceDivergence(score, t, stage, divergence);
  if (method !== 'hutchinson') {
    for (let r = 0; r < n; r++) integral[r] += weight * divergence[r]!;
    return;
  }
  const matrix = score.affineAt === undefined ? undefined : score.affineAt(t).matrix;
  for (let j = 0; j < K; j++) {
    hutchinsonDivergence(score, t, stage, probes!, j * d, K * d, matrix, scratch, divergence);
    for (let r = 0; r < n; r++) integral[r * K + j] += weight * divergence[r]!;
  }
}

/**
 * Integrates the rows of `x` (`n × d`, float64, the sampling space; overwritten with
 * `x_T`) from `times[0]` to `times[N]` and writes `log N(x_T; 0, I) + ℓ_j` to
 * `out[r·K + j]`. `probes` is the `n × K·d` probe batch for Hutchinson.
 * `firstRow` only names rows in errors.
 */
export function integrateChunk(
  fn: string,
  problem: PFODEProblem,
  x: Batch<Float64Array>,
  probes: Float64Array | undefined,
  firstRow: number,
  out: Float64Array,
): void {
  const { score, d, times, probes: K } = problem;
  const n = x.shape[0]!;
  const buffers = chunkBuffers(n, d);
  const { stage, score: s, slopeSum } = buffers;
  const xs = x.data;
  out.fill(0, 0, n * K);
  for (let k = 0; k + 1 < times.length; k++) {
    const t0 = times[k]!;
    const h = times[k + 1]! - t0;
    stage.data.set(xs.subarray(0, n * d));
    slopeSum.fill(0);
    for (let q = 0; q < 4; q++) {
      const t = q === 3 ? times[k + 1]! : t0 + STAGE_TIME[q]! * h;
      score.evaluate(t, stage, s);
      checkScoreOutput(fn, s, k, t, firstRow);
      accumulateDivergence(problem, t, buffers, probes, (h * STAGE_WEIGHT[q]!) / 6, out);
      const next = NEXT_STAGE_STEP[q]! * h;
      for (let i = 0; i < n * d; i++) {
        const slope = -stage.data[i]! - s.data[i]!;
        slopeSum[i] += STAGE_WEIGHT[q]! * slope;
        if (q < 3) stage.data[i] = xs[i]! + next * slope;
      }
    }
    for (let i = 0; i < n * d; i++) xs[i] += (h / 6) * slopeSum[i]!;
  }
  for (let r = 0; r < n; r++) {
    let squared = 0;
    for (let i = 0; i < d; i++) squared += xs[r * d + i]! * xs[r * d + i]!;
    const prior = -0.5 * squared - 0.5 * d * LOG_TWO_PI;
    for (let j = 0; j < K; j++) out[r * K + j] += prior;
  }
}

/** `log 2` (bits per dimension divide nats by `d · log 2`). */
export const LOG_TWO = log(2);
