/**
 * The exact velocity score of the critically damped Langevin diffusion (CLD)
 * `dX = V dt, dV = −X dt − 2V dt + 2 dB` started from `X₀ ~ N(μ, Σ)`, `V₀ ~ N(0, γI)`.
 *
 * The drift is `A ⊗ I` with `A = [[0, 1], [−1, −2]]`, so in the eigenbasis of Σ every
 * coordinate pair (x_i, v_i) evolves independently with data variance λ_i. For one pair,
 * `e^{tA} = e^{−t}[[1 + t, t], [−t, 1 − t]] =: [[a, b], [c, e]]`, and the covariance is
 *
 *   P(t) = e^{tA} diag(λ, γ) e^{tAᵀ} + Q(t),   Q(t) = ∫₀ᵗ e^{uA} diag(0, 4) e^{uAᵀ} du.
 *
 * Since `e^{uA}(0, 1)ᵀ = e^{−u}(u, 1 − u)ᵀ`, Q needs `∫₀ᵗ uᵏ e^{−2u} du` (k = 0, 1, 2):
 *
 *   Q_xx = 1 − e^{−2t}(1 + 2t + 2t²) = e^{−2t} Σ_{n≥3} (2t)ⁿ/n!
 *   Q_xv = 2t² e^{−2t}
 *   Q_vv = 1 − e^{−2t}(1 − 2t + 2t²) = (1 − e^{−2t}) + 2t(1 − t) e^{−2t}
 *
 * (the right-hand forms avoid cancellation for small t). Because `A + Aᵀ + diag(0, 4) = 0`,
 * `I` is stationary: `P(t) − I = e^{tA}(diag(λ, γ) − I)e^{tAᵀ} → 0` as t → ∞.
 * The mean is `(aμ, cμ)`. The velocity score is the conditional score of v given x:
 * `∇_v ln q_t = −(v − m_v − (P_xv/P_xx)(x − m_x)) / s`, `s = P_vv − P_xv²/P_xx`.
 * @packageDocumentation
 */
import {
  expectSameDType,
  expectBatch,
  expectNonNegative,
  expRemainder,
  InvalidArgumentError,
  type Batch,
} from '@sgmkit/tensor';
import type { CLDScore, DataMoments, ScoreSpec } from '../types.js';
import { momentsFromVariances } from './data-moments.js';
import { centeredTwoBlockDiagonalKernel, centeredTwoBlockKernel } from './kernels.js';
import {
  covarianceDiagonal,
  fillConjugated,
  parseCovariance,
  type CovarianceInput,
  type CovarianceJson,
  type SpectralCovariance,
} from './spectral-covariance.js';
import { TimeCache } from './time-cache.js';
import { expectOutputBatch, expectTime, toJsonArray, toVector } from './validate.js';
import { exp, expm1 } from '@sgmkit/tensor';

/** One coordinate pair's covariance `[[xx, xv], [xv, vv]]`. */
export interface CLDPairCovariance {
  readonly xx: number;
  readonly xv: number;
  readonly vv: number;
}

/** `e^{tA}` entries `[[a, b], [c, e]]` for `A = [[0, 1], [−1, −2]]`. */
export function cldTransitionAt(t: number): { a: number; b: number; c: number; e: number } {
  const decay = exp(-t);
  return { a: decay * (1 + t), b: decay * t, c: -decay * t, e: decay * (1 - t) };
}

/**
 * `Q_xx(t) = 1 − e^{−2t}(1 + 2t + 2t²) = g₂(2t)`, accurate to full relative precision for all t ≥ 0:
 * the position variance of the forward CLD step over time t, taken from the step kernels'
 * `expRemainder` (`gₙ(x) = 1 − e^{−x} Σ_{k≤n} x^k/k!`), which `cldStepCoefficients` uses for it.
 */
function noisePositionVariance(t: number): number {
  return expRemainder(2, 2 * t);
}

/** The 2 × 2 CLD covariance at time t of one coordinate pair with data variance λ and initial velocity variance γ. */
export function cldPairCovarianceAt(t: number, lambda: number, gamma: number): CLDPairCovariance {
  const { a, b, c, e } = cldTransitionAt(t);
  const decay2 = exp(-2 * t);
  return {
    xx: noisePositionVariance(t) + lambda * a * a + gamma * b * b,
    xv: 2 * t * t * decay2 + lambda * a * c + gamma * b * e,
    vv: -expm1(-2 * t) + 2 * t * (1 - t) * decay2 + lambda * c * c + gamma * e * e,
  };
}

export interface CLDGaussianParameters {
  readonly mean: readonly number[] | Float64Array;
  readonly covariance: CovarianceInput;
  /** γ in `V₀ ~ N(0, γI)`; 1 in the paper, small in Dockhorn et al. Default 1. */
  readonly initialVelocityVariance?: number;
}

export interface CLDGaussianSpec extends ScoreSpec {
  readonly type: 'cld-gaussian';
  readonly mean: number[];
  readonly covariance: CovarianceJson;
  readonly initialVelocityVariance: number;
}

/** Affine velocity score at one time: `Mx (x − m_x) + Mv (v − m_v)` (matrices full, or diagonals). */
interface CLDFactors {
  readonly positionMatrix: Float64Array;
  readonly velocityMatrix: Float64Array;
  readonly positionCenter: Float64Array;
  readonly velocityCenter: Float64Array;
}

export class CLDGaussianScore implements CLDScore {
  readonly kind = 'cld' as const;
  readonly dim: number;
  readonly spec: CLDGaussianSpec;
  readonly initialVelocityVariance: number;
  /** Exact position moments: the mean and the square roots of the covariance's diagonal. */
  readonly dataMoments: DataMoments;
  private readonly mean: Float64Array;
  private readonly covariance: SpectralCovariance;
  private readonly factors: TimeCache<CLDFactors>;
  /** Per-eigendirection coefficients at the time being filled (scratch of the cache fill). */
  private readonly positionCoefficients: Float64Array;
  private readonly velocityCoefficients: Float64Array;

  constructor(parameters: CLDGaussianParameters) {
    const fn = 'cldGaussianScore';
    if (!parameters || typeof parameters !== 'object')
      throw new InvalidArgumentError(
        fn,
        'parameters',
        parameters,
        'an object { mean, covariance, initialVelocityVariance? }',
      );
    this.mean = toVector(fn, 'mean', parameters.mean);
    const d = (this.dim = this.mean.length);
    this.covariance = parseCovariance(fn, 'covariance', parameters.covariance, d);
    const gamma = expectNonNegative(fn, 'initialVelocityVariance', parameters.initialVelocityVariance ?? 1);
    this.initialVelocityVariance = gamma;
    this.spec = {
      type: 'cld-gaussian',
      mean: toJsonArray(this.mean),
      covariance: this.covariance.json,
      initialVelocityVariance: gamma,
    };
    this.dataMoments = momentsFromVariances(this.mean, covarianceDiagonal(this.covariance));
    const matrixLength = this.covariance.vectors === null ? d : d * d;
    this.positionCoefficients = new Float64Array(d);
    this.velocityCoefficients = new Float64Array(d);
    this.factors = new TimeCache<CLDFactors>(
      () => ({
        positionMatrix: new Float64Array(matrixLength),
        velocityMatrix: new Float64Array(matrixLength),
        positionCenter: new Float64Array(d),
        velocityCenter: new Float64Array(d),
      }),
      (t, slot) => this.fillFactors(t, slot),
    );
  }

  /** The joint covariance of coordinate pair k (in Σ's eigenbasis) at time t. */
  pairCovarianceAt(t: number, k: number): CLDPairCovariance {
    return cldPairCovarianceAt(t, this.covariance.values[k]!, this.initialVelocityVariance);
  }

  private fillFactors(t: number, slot: CLDFactors): void {
    const d = this.dim;
    for (let k = 0; k < d; k++) {
      const { xx, xv, vv } = this.pairCovarianceAt(t, k);
      const conditionalVariance = vv - (xv * xv) / xx;
      const [positionCoefficient, velocityCoefficient] = [xv / xx / conditionalVariance, -1 / conditionalVariance];
      // a tiny γ and t leave a conditional variance (e.g. 1e-320) whose inverse overflows: refuse, not NaN
      if (
        !(conditionalVariance > 0) ||
        !(xx > 0) ||
        !Number.isFinite(positionCoefficient) ||
        !Number.isFinite(velocityCoefficient)
      ) {
        throw new InvalidArgumentError(
          'CLDGaussianScore',
          't',
          t,
          'a time at which the CLD law of (x, v) is non-degenerate in double precision (t > 0 when initialVelocityVariance = 0; larger when it is tiny)',
        );
      }
      this.positionCoefficients[k] = positionCoefficient;
      this.velocityCoefficients[k] = velocityCoefficient;
    }
    const { a, c } = cldTransitionAt(t);
    for (let i = 0; i < d; i++) {
      slot.positionCenter[i] = a * this.mean[i]!;
      slot.velocityCenter[i] = c * this.mean[i]!;
    }
    this.conjugate(this.positionCoefficients, slot.positionMatrix);
    this.conjugate(this.velocityCoefficients, slot.velocityMatrix);
  }

  /** `V diag(coefficients) Vᵀ` into `out`, or the diagonal itself when Σ is diagonal. */
  private conjugate(coefficients: Float64Array, out: Float64Array): void {
    if (this.covariance.vectors === null) out.set(coefficients);
    else fillConjugated(this.covariance, (k) => coefficients[k]!, out);
  }

  /** Writes `∇_v ln q_t(x, v)`. NaN in x or v gives NaN in that row (not checked). */
  evaluate(t: number, x: Batch, v: Batch, out: Batch): void {
    const fn = 'CLDGaussianScore.evaluate';
    expectTime(fn, t);
    const d = this.dim;
    const [n] = expectBatch(fn, 'x', x, d);
    expectBatch(fn, 'v', v, d, n);
    expectSameDType(fn, 'v', x, v);
    expectOutputBatch(fn, d, out, x, 'x', v, 'v');
    const f = this.factors.at(t);
    const kernel = this.covariance.vectors === null ? centeredTwoBlockDiagonalKernel : centeredTwoBlockKernel;
    kernel(
      n,
      d,
      f.positionMatrix,
      f.positionCenter,
      x.data,
      x.offset,
      f.velocityMatrix,
      f.velocityCenter,
      v.data,
      v.offset,
      out.data,
      out.offset,
    );
  }

  /** `s(x, v) = Mx x + Mv v + c`; fresh arrays, full `d × d` row-major. */
  affineAt(t: number): {
    readonly positionMatrix: Float64Array;
    readonly velocityMatrix: Float64Array;
    readonly offset: Float64Array;
  } {
    expectTime('CLDGaussianScore.affineAt', t);
    const d = this.dim;
    const f = this.factors.at(t);
    const positionMatrix = this.toFull(f.positionMatrix);
    const velocityMatrix = this.toFull(f.velocityMatrix);
    const offset = new Float64Array(d);
    for (let r = 0; r < d; r++) {
      let sum = 0;
      for (let c = 0; c < d; c++)
        sum -= positionMatrix[r * d + c]! * f.positionCenter[c]! + velocityMatrix[r * d + c]! * f.velocityCenter[c]!;
      offset[r] = sum;
    }
    return { positionMatrix, velocityMatrix, offset };
  }

  private toFull(matrix: Float64Array): Float64Array {
    const d = this.dim;
    if (this.covariance.vectors !== null) return Float64Array.from(matrix);
    const full = new Float64Array(d * d);
    for (let i = 0; i < d; i++) full[i * d + i] = matrix[i]!;
    return full;
  }
}

/** The exact CLD velocity score for Gaussian data and Gaussian initial velocity. */
export function cldGaussianScore(parameters: CLDGaussianParameters): CLDGaussianScore {
  return new CLDGaussianScore(parameters);
}
