/**
 * The score contract every sgmkit score satisfies, analytic or learned.
 *
 * Time is always the forward OU (or CLD) time `t`: the law `q_t` of
 * `dX = -X dt + sqrt(2) dB` at time `t` started from the data law. Samplers
 * running reverse time `s` call the score at forward time `T - s`.
 * @packageDocumentation
 */
import type { Batch } from '@sgmkit/tensor';

/**
 * A JSON-serialisable description of a score, from which `scoreFromSpec`
 * rebuilds an identical score (used to ship scores to worker threads and to
 * save them). `type` names the family; the rest are its parameters.
 */
export interface ScoreSpec {
  readonly type: string;
  readonly [parameter: string]: unknown;
}

/**
 * Affine form `s(x) = M x + c` of a score at one time, for scores that are
 * affine in x (Gaussian data, possibly with a known affine error). This is
 * what the exact Gaussian analysis consumes.
 */
export interface AffineScoreForm {
  /** `d × d` row-major matrix `M`. */
  readonly matrix: Float64Array;
  /** Length-`d` vector `c`. */
  readonly offset: Float64Array;
}

/** What the paper's assumptions need, where it is known in closed form. */
export interface ScoreAssumptions {
  /** Lipschitz constant of `x ↦ ∇ln q_t(x)` at forward time `t` (sup over x). */
  lipschitzAt?(t: number): number;
  /** `sup_t` of the Lipschitz constant over `[tMin, tMax]`. */
  lipschitzBound?(tMin: number, tMax: number): number;
  /** Second moment `E|X_0|^2` of the data law. */
  readonly secondMoment?: number;
  /** `KL(q_0 ‖ N(0, I))` of the data law, where finite and known. */
  readonly klToStandardNormal?: number;
}

/**
 * How a score's space maps to the data: the score (and so a sampler that uses it) works on
 * standardised points `y`, and a data point is `x = mean + scale ⊙ y` (`'affine'`) or
 * `x = mean + matrix·y` (`'whitening'`, `matrix` `d × d` row-major). The OU noise is isotropic
 * in `y`, so such a score is the score of the OU process started from the standardised data,
 * not a rescaled score of the raw data: samplers run in `y` and map each final sample to `x`.
 */
export type DataNormalization =
  | { readonly kind: 'affine'; readonly mean: Float64Array; readonly scale: Float64Array }
  | { readonly kind: 'whitening'; readonly mean: Float64Array; readonly matrix: Float64Array };

/**
 * Per-coordinate mean and standard deviation of the data law `q_0`, in the space the score
 * (and the sampler) works in: for a network trained on standardised data, the moments of the
 * standardised training data (≈ 0 and ≈ 1; exactly 0 for a coordinate that is constant).
 */
export interface DataMoments {
  readonly mean: Float64Array;
  readonly std: Float64Array;
  /**
   * Per-coordinate minimum and maximum of the data, for empirical data (point clouds, trained
   * networks); absent for laws with unbounded support. The samplers' divergence box contains
   * `[min, max]`: real data can lie far beyond 10 standard deviations in a coordinate that is
   * nearly constant (a pixel lit in a few images), and such rows are not divergence.
   */
  readonly min?: Float64Array;
  readonly max?: Float64Array;
}

/** A score of the OU forward process: `∇_x ln q_t(x)`. */
export interface Score {
  readonly kind: 'ou';
  /** Dimension `d` of a particle. */
  readonly dim: number;
  /**
   * Writes `∇ln q_t(x)` for every row of `x` into the same row of `out`.
   * `x` and `out` are contiguous `n × d` batches of one dtype; `out` may not alias `x`.
   * Must not allocate per call in the hot path.
   */
  evaluate(t: number, x: Batch, out: Batch): void;
  /** Closed-form affine representation at time `t`, when the score is affine in x. */
  affineAt?(t: number): AffineScoreForm;
  /**
   * Writes the trace of the score's Jacobian, `tr ∂s/∂x (t, x) = Δ ln q_t(x)`, for every row of `x`
   * (a contiguous `n × d` batch) into `out[0 … n−1]`: the exact divergence the likelihood needs
   * (`logLikelihood`'s `'exact'` method), where the score can compute it in closed form (mixtures,
   * point clouds) or by forward-mode differentiation (networks, `d` tangents per row).
   */
  jacobianTraceInto?(t: number, x: Batch, out: Float64Array): void;
  /**
   * Writes the diagonal of the Jacobian, `out[r·d + i] = ∂s_i/∂x_i` at row r of `x` (`out` holds at least
   * `n·d` values), where the score can compute it exactly (mixtures, point clouds, networks). `clippedScore`
   * needs it for its trace: clipping replaces some coordinates of the score, and with them those diagonal
   * entries.
   */
  jacobianDiagonalInto?(t: number, x: Batch, out: Float64Array): void;
  /** Exact `E_{q_t} |s(x) - ∇ln q_t(x)|^2` for scores with a known error; 0 for exact scores. */
  l2ErrorAt?(t: number): number;
  /**
   * Fisher information `E_{q_t} |∇ln q_t(X)|^2` of the true law, where known in closed form
   * (Gaussian data: `tr Σ_t^{-1}`). Lets `scaledScore` report its L2 error exactly.
   */
  fisherInformationAt?(t: number): number;
  /** The paper's assumption constants, where known. */
  readonly assumptions?: ScoreAssumptions;
  /** Serialisable description; present when the score can be rebuilt elsewhere (workers, files). */
  readonly spec?: ScoreSpec;
  /** Present when the score works on standardised data: how a sample maps back to data space. */
  readonly normalization?: DataNormalization;
  /** Moments of the data law in the score's own space, where known (e.g. from the training data). */
  readonly dataMoments?: DataMoments;
}

/**
 * A score of the CLD forward process on `(x, v)`: the velocity score
 * `∇_v ln q_t(x, v)`, which is the only part the CLD reverse SDE needs.
 */
export interface CLDScore {
  readonly kind: 'cld';
  /** Dimension `d` of the position (and of the velocity). */
  readonly dim: number;
  /** Writes `∇_v ln q_t(x, v)` row by row into `out`. */
  evaluate(t: number, x: Batch, v: Batch, out: Batch): void;
  /**
   * Affine form `s(x, v) = Mx x + Mv v + c` at time `t` when it exists
   * (Gaussian data), each matrix `d × d` row-major.
   */
  affineAt?(t: number): {
    readonly positionMatrix: Float64Array;
    readonly velocityMatrix: Float64Array;
    readonly offset: Float64Array;
  };
  readonly spec?: ScoreSpec;
  /** Per-coordinate moments of the data positions `x_0` (see {@link DataMoments}). */
  readonly dataMoments?: DataMoments;
  /** Map from the sampling space to data space (positions), as for {@link Score.normalization}. */
  readonly normalization?: DataNormalization;
}

/** Either kind of score. */
export type AnyScore = Score | CLDScore;
