/**
 * The exact OU score when the data law is the empirical measure of m points
 * `p_1..p_m`: `q_t = (1/m) Σ_j N(e^{−t}p_j, (1 − e^{−2t})I)`. It is singular at t = 0
 * (the data have no density), which is the case the paper's early stopping is for,
 * and as t → 0 the reverse process collapses onto the points (memorisation).
 * @packageDocumentation
 */
import type { Batch, Tensor } from '@sgmkit/tensor';
import type { Score, ScoreAssumptions, ScoreSpec } from '../types.js';
import { pointCloudScoreKernel } from './mixture-kernels.js';
import { expectPositiveTime, expectScoreBatches, parsePoints, toJsonArray } from './validate.js';
import { exp, expm1 } from '@sgmkit/tensor';

export interface PointCloudSpec extends ScoreSpec {
  readonly type: 'point-cloud';
  readonly points: number[][];
}

export class PointCloudScore implements Score {
  readonly kind = 'ou' as const;
  readonly dim: number;
  readonly spec: PointCloudSpec;
  /** `m₂ = (1/m) Σ_j |p_j|²`, exact. No finite KL (the law is singular), and L_t is not known in closed form. */
  readonly assumptions: ScoreAssumptions;
  /** Number of points m. */
  readonly size: number;
  private readonly points: Float64Array;
  private readonly logits: Float64Array;
  private readonly accumulator: Float64Array;

  constructor(points: readonly (readonly number[])[] | Tensor) {
    const fn = 'pointCloudScore';
    const { m, d, values } = parsePoints(fn, points);
    this.dim = d;
    this.size = m;
    this.points = values;
    this.spec = { type: 'point-cloud', points: Array.from({ length: m }, (_, j) => toJsonArray(values.subarray(j * d, j * d + d))) };
    let moment = 0;
    for (const v of values) moment += v * v;
    this.assumptions = { secondMoment: moment / m };
    this.logits = new Float64Array(m);
    this.accumulator = new Float64Array(d);
  }

  /** NaN in a row of x gives NaN in that row of out (not checked: a check would cost a pass over x). */
  evaluate(t: number, x: Batch, out: Batch): void {
    const fn = 'PointCloudScore.evaluate';
    expectPositiveTime(fn, t, 'the score of an empirical measure is singular at t = 0');
    const n = expectScoreBatches(fn, this.dim, x, out);
    const variance = -expm1(-2 * t);
    pointCloudScoreKernel(n, this.dim, this.size, this.points, exp(-t), variance, this.logits, this.accumulator, x.data, x.offset, out.data, out.offset);
  }

  /** The score is exact. */
  l2ErrorAt(t: number): number {
    expectPositiveTime('PointCloudScore.l2ErrorAt', t, 'the score of an empirical measure is singular at t = 0');
    return 0;
  }
}

/** The exact OU score of the empirical measure of `points` (an `m × d` array or tensor). */
export function pointCloudScore(points: readonly (readonly number[])[] | Tensor): PointCloudScore {
  return new PointCloudScore(points);
}
