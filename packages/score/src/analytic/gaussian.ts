/**
 * The exact score of Gaussian data `N(μ, Σ)` under the OU forward process:
 * `q_t = N(m_t, Σ_t)` with `m_t = e^{−t}μ`, `Σ_t = e^{−2t}Σ + (1 − e^{−2t})I`, and
 * `∇ln q_t(x) = −Σ_t^{-1}(x − m_t)`, an affine map of x.
 * @packageDocumentation
 */
import { InvalidArgumentError, type Batch } from '@sgmkit/tensor';
import type { AffineScoreForm, DataMoments, Score, ScoreAssumptions, ScoreSpec } from '../types.js';
import { momentsFromVariances } from './data-moments.js';
import { centeredAffineKernel, centeredDiagonalKernel } from './kernels.js';
import {
  covarianceDiagonal,
  covarianceTrace,
  fillSpectralFunction,
  ouEigenvalueAt,
  parseCovariance,
  smallestEigenvalue,
  sumSpectralFunction,
  type CovarianceInput,
  type CovarianceJson,
  type SpectralCovariance,
} from './spectral-covariance.js';
import { TimeCache } from './time-cache.js';
import { expectScoreBatches, expectTime, toJsonArray, toVector } from './validate.js';
import { exp, log } from '@sgmkit/tensor';

export interface GaussianParameters {
  readonly mean: readonly number[] | Float64Array;
  /** `σ²` (isotropic), a diagonal, or a full symmetric positive definite matrix. */
  readonly covariance: CovarianceInput;
}

export interface GaussianSpec extends ScoreSpec {
  readonly type: 'gaussian';
  readonly mean: number[];
  readonly covariance: CovarianceJson;
}

/** `M = −Σ_t^{-1}` (full, or its diagonal) and `m_t` at one time. */
interface GaussianFactors {
  readonly center: Float64Array;
  readonly matrix: Float64Array;
}

/** Validates `0 ≤ tMin ≤ tMax < ∞` for the `sup_t` bounds. */
function expectTimeInterval(fn: string, tMin: unknown, tMax: unknown): void {
  if (typeof tMin !== 'number' || !Number.isFinite(tMin) || !(tMin >= 0))
    throw new InvalidArgumentError(fn, 'tMin', tMin, 'a finite time >= 0');
  if (typeof tMax !== 'number' || !Number.isFinite(tMax) || !(tMax >= tMin))
    throw new InvalidArgumentError(fn, 'tMax', tMax, `a finite time >= tMin = ${tMin}`);
}

/**
 * The paper's constants for Gaussian data. `∇ln q_t` has Hessian `−Σ_t^{-1}`, so its
 * Lipschitz constant is `1/λ_min(Σ_t)`, monotone in t: the sup over an interval sits at an end.
 */
function gaussianAssumptions(mean: Float64Array, covariance: SpectralCovariance): ScoreAssumptions {
  const lambdaMin = smallestEigenvalue(covariance);
  const lipschitzAt = (t: number): number => 1 / ouEigenvalueAt(lambdaMin, expectTime('lipschitzAt', t));
  let meanSquared = 0;
  for (const m of mean) meanSquared += m * m;
  const trace = covarianceTrace(covariance);
  const logDet = sumSpectralFunction(covariance, 0, log);
  return {
    lipschitzAt,
    lipschitzBound(tMin: number, tMax: number): number {
      expectTimeInterval('lipschitzBound', tMin, tMax);
      return Math.max(lipschitzAt(tMin), lipschitzAt(tMax));
    },
    secondMoment: meanSquared + trace,
    // KL(N(μ, Σ) ‖ N(0, I)) = ½(tr Σ + |μ|² − d − ln det Σ)
    klToStandardNormal: 0.5 * (trace + meanSquared - mean.length - logDet),
  };
}

export class GaussianScore implements Score {
  readonly kind = 'ou' as const;
  readonly dim: number;
  readonly spec: GaussianSpec;
  readonly assumptions: ScoreAssumptions;
  /** Exact: the mean and the square roots of the covariance's diagonal. */
  readonly dataMoments: DataMoments;
  private readonly mean: Float64Array;
  private readonly covariance: SpectralCovariance;
  private readonly factors: TimeCache<GaussianFactors>;

  constructor(parameters: GaussianParameters) {
    const fn = 'gaussianScore';
    if (!parameters || typeof parameters !== 'object')
      throw new InvalidArgumentError(fn, 'parameters', parameters, 'an object { mean, covariance }');
    this.mean = toVector(fn, 'mean', parameters.mean);
    const d = (this.dim = this.mean.length);
    this.covariance = parseCovariance(fn, 'covariance', parameters.covariance, d);
    this.spec = { type: 'gaussian', mean: toJsonArray(this.mean), covariance: this.covariance.json };
    this.assumptions = gaussianAssumptions(this.mean, this.covariance);
    this.dataMoments = momentsFromVariances(this.mean, covarianceDiagonal(this.covariance));
    const matrixLength = this.covariance.vectors === null ? d : d * d;
    this.factors = new TimeCache<GaussianFactors>(
      () => ({ center: new Float64Array(d), matrix: new Float64Array(matrixLength) }),
      (t, slot) => this.fillFactors(t, slot),
    );
  }

  private fillFactors(t: number, slot: GaussianFactors): void {
    const decay = exp(-t);
    for (let i = 0; i < this.dim; i++) slot.center[i] = decay * this.mean[i]!;
    if (this.covariance.vectors === null) {
      for (let i = 0; i < this.dim; i++) slot.matrix[i] = -1 / ouEigenvalueAt(this.covariance.values[i]!, t);
    } else {
      fillSpectralFunction(this.covariance, t, (lambdaT) => -1 / lambdaT, slot.matrix);
    }
  }

  /** NaN in a row of x gives NaN in that row of out (not checked: a check would cost as much as the score). */
  evaluate(t: number, x: Batch, out: Batch): void {
    const fn = 'GaussianScore.evaluate';
    expectTime(fn, t);
    const n = expectScoreBatches(fn, this.dim, x, out);
    const { center, matrix } = this.factors.at(t);
    const kernel = this.covariance.vectors === null ? centeredDiagonalKernel : centeredAffineKernel;
    kernel(n, this.dim, matrix, center, x.data, x.offset, out.data, out.offset);
  }

  /** `s(x) = M x + c` with `M = −Σ_t^{-1}`, `c = Σ_t^{-1} m_t`. Fresh arrays: callers may keep or modify them. */
  affineAt(t: number): AffineScoreForm {
    expectTime('GaussianScore.affineAt', t);
    const d = this.dim;
    const { center, matrix } = this.factors.at(t);
    const full = new Float64Array(d * d);
    if (this.covariance.vectors === null) for (let i = 0; i < d; i++) full[i * d + i] = matrix[i]!;
    else full.set(matrix);
    const offset = new Float64Array(d);
    for (let r = 0; r < d; r++) {
      let sum = 0;
      for (let c = 0; c < d; c++) sum -= full[r * d + c]! * center[c]!;
      offset[r] = sum;
    }
    return { matrix: full, offset };
  }

  /** The score is exact. */
  l2ErrorAt(t: number): number {
    expectTime('GaussianScore.l2ErrorAt', t);
    return 0;
  }

  /** `E_{q_t}|∇ln q_t|² = E|Σ_t^{-1}(X − m_t)|² = tr Σ_t^{-1}`. */
  fisherInformationAt(t: number): number {
    expectTime('GaussianScore.fisherInformationAt', t);
    return sumSpectralFunction(this.covariance, t, (lambdaT) => 1 / lambdaT);
  }
}

/** The exact OU score of Gaussian data `N(mean, covariance)`. */
export function gaussianScore(parameters: GaussianParameters): GaussianScore {
  return new GaussianScore(parameters);
}
