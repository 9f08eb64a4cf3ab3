/**
 * Scores with a known error, to watch the paper's `ε_score` term: an exact score plus
 * a constant bias, or times `(1 + η)`. Both are instances of `s = f·∇ln q_t + β`
 * (nesting composes f and β), whose error `e = (f − 1)∇ln q_t + β` has, since
 * `E_{q_t}[∇ln q_t] = 0`, the exact squared L2 error
 *
 *   E_{q_t}|e|² = (f − 1)² E_{q_t}|∇ln q_t|² + |β|².
 *
 * `l2ErrorAt` reports this **squared** error (ε_score² in the paper's notation).
 * @packageDocumentation
 */
import { expectScore } from '../expect-score.js';
import { expectFinite, SgmkitError, type Batch } from '@sgmkit/tensor';
import type { AffineScoreForm, DataMoments, DataNormalization, Score, ScoreAssumptions, ScoreSpec } from '../types.js';
import { scaleShiftRowsKernel } from './kernels.js';
import { toJsonArray, toVector } from './validate.js';

export interface BiasedSpec extends ScoreSpec {
  readonly type: 'biased';
  readonly score: ScoreSpec;
  readonly bias: number[];
}

export interface ScaledSpec extends ScoreSpec {
  readonly type: 'scaled';
  readonly score: ScoreSpec;
  readonly eta: number;
}

/** `s = factor·root + bias` over a root score that is not itself a KnownErrorScore. */
export class KnownErrorScore implements Score {
  readonly kind = 'ou' as const;
  readonly dim: number;
  readonly spec?: ScoreSpec;
  /** The paper's assumptions concern the true law, so they are the root's. */
  readonly assumptions?: ScoreAssumptions;
  /** Present when the root is affine: the error keeps the score affine. */
  readonly affineAt?: (t: number) => AffineScoreForm;
  /** Present when the root reports its error (and, when factor ≠ 1, its Fisher information). */
  readonly l2ErrorAt?: (t: number) => number;
  readonly fisherInformationAt?: (t: number) => number;
  /** Present when the root gives them: `factor` times the root's (the bias is constant in x). */
  readonly jacobianTraceInto?: (t: number, x: Batch, out: Float64Array) => void;
  readonly jacobianDiagonalInto?: (t: number, x: Batch, out: Float64Array) => void;
  /** The data law is the root's, so are its moments and normalisation. */
  readonly dataMoments?: DataMoments;
  readonly normalization?: DataNormalization;

  constructor(
    readonly root: Score,
    readonly factor: number,
    readonly bias: Float64Array,
    spec: ScoreSpec | undefined,
  ) {
    this.dim = root.dim;
    if (spec) this.spec = spec;
    if (root.assumptions) this.assumptions = root.assumptions;
    if (root.dataMoments) this.dataMoments = root.dataMoments;
    if (root.normalization) this.normalization = root.normalization;
    if (root.fisherInformationAt) this.fisherInformationAt = (t) => root.fisherInformationAt!(t);
    if (root.affineAt) this.affineAt = (t) => this.shiftedAffine(root.affineAt!(t));
    if (root.jacobianTraceInto)
      this.jacobianTraceInto = (t, x, out) => {
        root.jacobianTraceInto!(t, x, out); // validates t, x and out
        scaleKernel(x.shape[0]!, this.factor, out);
      };
    if (root.jacobianDiagonalInto)
      this.jacobianDiagonalInto = (t, x, out) => {
        root.jacobianDiagonalInto!(t, x, out);
        scaleKernel(x.shape[0]! * this.dim, this.factor, out);
      };
    if (root.l2ErrorAt && (factor === 1 || root.fisherInformationAt)) this.l2ErrorAt = (t) => this.squaredError(t);
  }

  evaluate(t: number, x: Batch, out: Batch): void {
    this.root.evaluate(t, x, out); // validates t, x and out
    scaleShiftRowsKernel(out.shape[0]!, this.dim, this.factor, this.bias, out.data, out.offset);
  }

  private shiftedAffine({ matrix, offset }: AffineScoreForm): AffineScoreForm {
    return {
      matrix: matrix.map((m) => this.factor * m),
      offset: offset.map((c, i) => this.factor * c + this.bias[i]!),
    };
  }

  private squaredError(t: number): number {
    const rootError = this.root.l2ErrorAt!(t);
    if (rootError !== 0)
      throw new SgmkitError(
        `l2ErrorAt: the error of a biased/scaled score is known only over an exact score; the base score's own L2 error is ${rootError}`,
        'ERR_UNKNOWN_ERROR',
      );
    let biasSquared = 0;
    for (const b of this.bias) biasSquared += b * b;
    const excess = this.factor - 1;
    return excess === 0 ? biasSquared : excess * excess * this.root.fisherInformationAt!(t) + biasSquared;
  }
}

/** `values[0 … count) *= factor`. */
function scaleKernel(count: number, factor: number, values: Float64Array): void {
  for (let i = 0; i < count; i++) values[i] = factor * values[i]!;
}

/** The root, factor and bias of any score: a KnownErrorScore is unwrapped, anything else is its own root. */
function decompose(score: Score): { root: Score; factor: number; bias: Float64Array } {
  if (score instanceof KnownErrorScore) return { root: score.root, factor: score.factor, bias: score.bias };
  return { root: score, factor: 1, bias: new Float64Array(score.dim) };
}

/** `s + b`: squared L2 error `|b|²` over an exact score. */
export function biasedScore(score: Score, bias: readonly number[] | Float64Array): KnownErrorScore {
  const fn = 'biasedScore';
  const base = expectScore(fn, 'score', score, { kind: 'ou' });
  const b = toVector(fn, 'bias', bias, base.dim);
  const { root, factor, bias: inner } = decompose(base);
  const spec: BiasedSpec | undefined = base.spec
    ? { type: 'biased', score: base.spec, bias: toJsonArray(b) }
    : undefined;
  return new KnownErrorScore(
    root,
    factor,
    inner.map((v, i) => v + b[i]!),
    spec,
  );
}

/** `s·(1 + η)`: squared L2 error `η² E_{q_t}|∇ln q_t|²` (`η² tr Σ_t^{-1}` for Gaussian data) over an exact score. */
export function scaledScore(score: Score, eta: number): KnownErrorScore {
  const fn = 'scaledScore';
  const base = expectScore(fn, 'score', score, { kind: 'ou' });
  expectFinite(fn, 'eta', eta);
  const { root, factor, bias } = decompose(base);
  const spec: ScaledSpec | undefined = base.spec ? { type: 'scaled', score: base.spec, eta } : undefined;
  return new KnownErrorScore(
    root,
    (1 + eta) * factor,
    bias.map((v) => (1 + eta) * v),
    spec,
  );
}
