/**
 * The exact OU score when the data law is the empirical measure of m points
 * `p_1..p_m`: `q_t = (1/m) Σ_j N(e^{−t}p_j, (1 − e^{−2t})I)`. It is singular at t = 0
 * (the data have no density), which is the case the paper's early stopping is for,
 * and as t → 0 the reverse process collapses onto the points (memorisation).
 * @packageDocumentation
 */
import type { Batch, Tensor } from '@sgmkit/tensor';
import type { DataMoments, Score, ScoreAssumptions, ScoreSpec } from '../types.js';
import { empiricalMoments } from './data-moments.js';
import { pointCloudScoreKernel } from './mixture-kernels.js';
import {
  pointCloudGemmWorkspace,
  pointCloudScoreGemm,
  squaredNorms,
  type PointCloudGemmWorkspace,
} from './point-cloud-kernels.js';
import { expectEmpiricalTime, expectScoreBatches, expectTraceArguments, parsePoints, toJsonArray } from './validate.js';
import { pointCloudJacobianTrace } from './jacobian-trace.js';
import { exp, expm1, InvalidArgumentError } from '@sgmkit/tensor';

export interface PointCloudSpec extends ScoreSpec {
  readonly type: 'point-cloud';
  readonly points: number[][];
  /** Present when the caller chose the evaluation path (workers must evaluate the same way). */
  readonly path?: PointCloudPath;
}

export class PointCloudScore implements Score {
  readonly kind = 'ou' as const;
  readonly dim: number;
  readonly spec: PointCloudSpec;
  /** `m₂ = (1/m) Σ_j |p_j|²`, exact. No finite KL (the law is singular), and L_t is not known in closed form. */
  readonly assumptions: ScoreAssumptions;
  /** Empirical moments of the points (variance with divisor m: the moments of the empirical law itself). */
  readonly dataMoments: DataMoments;
  /** Number of points m. */
  readonly size: number;
  private readonly points: Float64Array;
  /** How `evaluate` runs: one particle and point at a time ('direct'), or as GEMMs ('gemm', see point-cloud-kernels.ts). */
  readonly path: PointCloudPath;
  private readonly logits: Float64Array;
  /** `m` logits for `jacobianTraceInto`, allocated on its first call. */
  private traceLogits: Float64Array;
  private readonly accumulator: Float64Array;
  private readonly norms: Float64Array | undefined;
  private readonly workspace: PointCloudGemmWorkspace | undefined;

  constructor(points: readonly (readonly number[])[] | Tensor, options: PointCloudOptions = {}) {
    const fn = 'pointCloudScore';
    const { m, d, values } = parsePoints(fn, points);
    this.path = resolvePath(fn, options.path ?? 'auto', d);
    this.dim = d;
    this.size = m;
    this.points = values;
    const rows = Array.from({ length: m }, (_, j) => toJsonArray(values.subarray(j * d, j * d + d)));
    this.spec =
      options.path === undefined || options.path === 'auto'
        ? { type: 'point-cloud', points: rows }
        : { type: 'point-cloud', points: rows, path: this.path };
    let moment = 0;
    for (const v of values) moment += v * v;
    this.assumptions = { secondMoment: moment / m };
    this.dataMoments = empiricalMoments(values, m, d);
    this.logits = new Float64Array(this.path === 'direct' ? m : 0);
    this.traceLogits = new Float64Array(0);
    this.accumulator = new Float64Array(d);
    this.norms = this.path === 'gemm' ? squaredNorms(values, m, d) : undefined;
    this.workspace = this.path === 'gemm' ? pointCloudGemmWorkspace(d) : undefined;
  }

  /** NaN in a row of x gives NaN in that row of out (not checked: a check would cost a pass over x). */
  evaluate(t: number, x: Batch, out: Batch): void {
    const fn = 'PointCloudScore.evaluate';
    expectEmpiricalTime(fn, t);
    const n = expectScoreBatches(fn, this.dim, x, out);
    const variance = -expm1(-2 * t);
    if (this.workspace !== undefined) {
      pointCloudScoreGemm(
        n,
        this.dim,
        this.size,
        this.points,
        this.norms!,
        exp(-t),
        variance,
        this.workspace,
        x.data,
        x.offset,
        out.data,
        out.offset,
      );
    } else {
      pointCloudScoreKernel(
        n,
        this.dim,
        this.size,
        this.points,
        exp(-t),
        variance,
        this.logits,
        this.accumulator,
        x.data,
        x.offset,
        out.data,
        out.offset,
      );
    }
  }

  /**
   * Writes `tr ∂s/∂x` for every row of `x` into `out` in closed form,
   * `−d/v + (a²/v²) Σ_j w_j |p_j − p̄|²` (see `jacobian-trace.ts`): the exact divergence for `logLikelihood`.
   */
  jacobianTraceInto(t: number, x: Batch, out: Float64Array): void {
    this.jacobianInto('PointCloudScore.jacobianTraceInto', t, x, out, false);
  }

  /**
   * Writes the diagonal of the score's Jacobian, `out[r·d + c] = −1/v + (a²/v²) Σ_j w_j (p_{j,c} − p̄_c)²`, for
   * every row of `x` (`out` holds at least `n·d` values).
   */
  jacobianDiagonalInto(t: number, x: Batch, out: Float64Array): void {
    this.jacobianInto('PointCloudScore.jacobianDiagonalInto', t, x, out, true);
  }

  private jacobianInto(fn: string, t: number, x: Batch, out: Float64Array, diagonal: boolean): void {
    expectEmpiricalTime(fn, t);
    const n = expectTraceArguments(fn, this.dim, x, out, diagonal ? this.dim : 1);
    if (this.traceLogits.length < this.size) this.traceLogits = new Float64Array(this.size);
    pointCloudJacobianTrace(
      n,
      this.dim,
      this.size,
      this.points,
      exp(-t),
      -expm1(-2 * t),
      this.traceLogits,
      this.accumulator,
      x.data,
      x.offset,
      out,
      diagonal,
    );
  }

  /** The score is exact. */
  l2ErrorAt(t: number): number {
    expectEmpiricalTime('PointCloudScore.l2ErrorAt', t);
    return 0;
  }
}

/**
 * How the point-cloud score is evaluated. `'direct'` computes each particle–point distance as
 * `|x − a·p|²` (the reference, accurate to the last bits near the points); `'gemm'` runs both passes
 * over the points as blocked GEMMs (logits from the expansion `a·x·p − a²|p|²/2`, relative weight
 * error about `ε·(a²|p|² + 2a|x·p|)/σ²`, ~1e-11 at δ = 1e-3 for standardised 64-D data); `'auto'`
 * takes 'gemm' from d = {@link POINT_CLOUD_GEMM_MIN_DIM}, where it is faster (benchmarks/point-cloud-score.bench.mjs).
 * Since the GEMM runs on WebAssembly SIMD that is every d: at d = 1, 2 and 3 the GEMM path measured 1.9–3.3×
 * the direct kernel for 50 to 4000 points (4000 particles, load 3).
 * The path depends on d only, never on the batch, so chunks and workers give identical rows.
 */
export type PointCloudPath = 'direct' | 'gemm';

/** Options of {@link pointCloudScore}. */
export interface PointCloudOptions {
  /** Evaluation path; default 'auto' (see {@link PointCloudPath}). */
  readonly path?: PointCloudPath | 'auto';
}

/** Smallest dimension at which `path: 'auto'` evaluates by GEMM. */
export const POINT_CLOUD_GEMM_MIN_DIM = 1;

function resolvePath(fn: string, path: unknown, d: number): PointCloudPath {
  if (path === 'auto') return d >= POINT_CLOUD_GEMM_MIN_DIM ? 'gemm' : 'direct';
  if (path === 'direct' || path === 'gemm') return path;
  throw new InvalidArgumentError(fn, 'options.path', path, "'auto', 'direct' or 'gemm'");
}

/**
 * The exact OU score of the empirical measure of `points` (an `m × d` array or tensor).
 * Cost per particle and step: O(m·d), two passes over the points (see {@link PointCloudPath}).
 */
export function pointCloudScore(
  points: readonly (readonly number[])[] | Tensor,
  options?: PointCloudOptions,
): PointCloudScore {
  return new PointCloudScore(points, options);
}
