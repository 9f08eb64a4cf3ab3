/**
 * The exact OU score of a Gaussian mixture `Σ_k w_k N(μ_k, Σ_k)`: at time t the law is
 * `Σ_k w_k N(e^{−t}μ_k, Σ_{k,t})` with `Σ_{k,t} = e^{−2t}Σ_k + (1 − e^{−2t})I`, evaluated in
 * log-sum-exp form (see mixture-kernels.ts).
 * @packageDocumentation
 */
import { expectInteger, expectNonNegative, expectPositive, InvalidArgumentError, type Batch } from '@sgmkit/tensor';
import type { DataMoments, Score, ScoreAssumptions, ScoreSpec } from '../types.js';
import { mixtureMoments } from './data-moments.js';
import {
  mixtureScoreKernel,
  mixtureScoreKernel2d,
  mixtureScoreKernel2dIsotropic,
  mixtureScoreKernel2dSharedVariance,
  mixtureScoreKernelDiagonal,
  nearRadiusSquared,
  type MixtureFactors,
  type MixtureScratch,
} from './mixture-kernels.js';
import {
  covarianceDiagonal,
  covarianceTrace,
  fillOUPrecision,
  ouEigenvalueAt,
  sumSpectralFunction,
  type CovarianceJson,
} from './spectral-covariance.js';
import { TimeCache } from './time-cache.js';
import { parseComponents, type Component, type GaussianMixtureParameters } from './mixture-parameters.js';
import { expectScoreBatches, expectTime, expectTraceArguments, toJsonArray } from './validate.js';
import { mixtureJacobianTrace } from './jacobian-trace.js';
import { exp, log, turnPoint } from '@sgmkit/tensor';

export { WEIGHT_SUM_TOLERANCE, type GaussianMixtureParameters } from './mixture-parameters.js';

/**
 * Which kernel evaluates the score: `'isotropic'` when every (positive-weight) component is `σ_k² I` (its own
 * kernels at d = 2; the diagonal one otherwise), `'diagonal'` when every one is diagonal (d ≠ 2; at d = 2 the
 * full 2 × 2 kernel is as fast), else `'full'`.
 * All compute the same exact score; the structure is detected exactly (no tolerance) at construction.
 */
export type MixtureKernel = 'isotropic' | 'diagonal' | 'full';

export interface GaussianMixtureOptions {
  /**
   * `'auto'` (default) picks the most specialised kernel the covariances allow; `'full'` forces the
   * general full-covariance kernel (for cross-checking the specialised ones). Not part of the spec:
   * `scoreFromSpec` always rebuilds with `'auto'`.
   */
  readonly kernel?: 'auto' | 'full';
}

/** The most specialised kernel for these components, detected exactly. */
function detectKernel(components: readonly Component[], d: number): MixtureKernel {
  if (components.some((c) => c.covariance.vectors !== null)) return 'full';
  if (components.every(({ covariance: { values } }) => values.every((v) => v === values[0]))) return 'isotropic';
  return d === 2 ? 'full' : 'diagonal';
}

export interface GaussianMixtureSpec extends ScoreSpec {
  readonly type: 'gaussian-mixture';
  readonly weights: number[];
  readonly means: number[][];
  readonly covariances: CovarianceJson[];
}

/** `E|X|² = Σ_k w_k (|μ_k|² + tr Σ_k)`. */
function mixtureSecondMoment(components: readonly Component[]): number {
  let moment = 0;
  for (const { weight, mean, covariance } of components) {
    let meanSquared = 0;
    for (const m of mean) meanSquared += m * m;
    moment += weight * (meanSquared + covarianceTrace(covariance));
  }
  return moment;
}

export class GaussianMixtureScore implements Score {
  readonly kind = 'ou' as const;
  readonly dim: number;
  readonly spec: GaussianMixtureSpec;
  /** Only `m₂` is known in closed form for a mixture (its Lipschitz constant and KL are not). */
  readonly assumptions: ScoreAssumptions;
  /** Exact mixture moments: mean `Σ w_k μ_k`, variance `Σ w_k (Σ_k,ii + (μ_k,i − mean_i)²)`. */
  readonly dataMoments: DataMoments;
  /** Components with positive weight; zero-weight components never contribute and are skipped. */
  private readonly active: readonly Component[];
  private readonly factors: TimeCache<MixtureFactors>;
  private readonly scratch: MixtureScratch;
  /** The kernel in use (see `MixtureKernel`). */
  readonly kernel: MixtureKernel;
  /** Isotropic components that all share one variance (then also at every t): d = 2 hoists `1/v` out of the sum. */
  private readonly sharedVariance: boolean;

  constructor(parameters: GaussianMixtureParameters, options: GaussianMixtureOptions = {}) {
    const fn = 'gaussianMixtureScore';
    if (!parameters || typeof parameters !== 'object')
      throw new InvalidArgumentError(fn, 'parameters', parameters, 'an object { weights, means, covariances }');
    if (!options || typeof options !== 'object')
      throw new InvalidArgumentError(fn, 'options', options, 'an object { kernel? }');
    const requested = options.kernel ?? 'auto';
    if (requested !== 'auto' && requested !== 'full')
      throw new InvalidArgumentError(fn, 'options.kernel', requested, "'auto' or 'full'");
    const components = parseComponents(fn, parameters);
    const d = (this.dim = components[0]!.mean.length);
    this.spec = {
      type: 'gaussian-mixture',
      weights: components.map((c) => c.weight),
      means: components.map((c) => toJsonArray(c.mean)),
      covariances: components.map((c) => c.covariance.json),
    };
    this.assumptions = { secondMoment: mixtureSecondMoment(components) };
    this.dataMoments = mixtureMoments(
      components.map((c) => ({ weight: c.weight, mean: c.mean, diagonal: covarianceDiagonal(c.covariance) })),
      d,
    );
    this.active = components.filter((c) => c.weight > 0);
    const k = this.active.length;
    this.kernel = requested === 'full' ? 'full' : detectKernel(this.active, d);
    this.sharedVariance =
      this.kernel === 'isotropic' &&
      this.active.every((c) => c.covariance.values[0] === this.active[0]!.covariance.values[0]);
    const precisionsPerComponent = this.kernel === 'full' ? d * d : this.kernel === 'isotropic' && d === 2 ? 1 : d;
    this.factors = new TimeCache<MixtureFactors>(
      () => ({
        centers: new Float64Array(k * d),
        precisions: new Float64Array(k * precisionsPerComponent),
        logNormalisers: new Float64Array(k),
        nearRadiusSquared: -1,
      }),
      (t, slot) => this.fillFactors(t, slot),
    );
    this.scratch = {
      logits: new Float64Array(k),
      componentScores: new Float64Array(k * d),
      accumulator: new Float64Array(d),
    };
  }

  /** Number of components (including zero-weight ones). */
  get components(): number {
    return this.spec.weights.length;
  }

  /**
   * Per-time factors; the `−(d/2) ln 2π` normaliser is common to all components and cancels in the softmax.
   * Precisions in the kernel's layout (see `MixtureFactors`); every entry is `1/λ_{k,t}` or, for 'full',
   * `V diag(1/λ_{k,t}) Vᵀ`, so a diagonal covariance gets the same precisions from every kernel.
   */
  private fillFactors(t: number, slot: MixtureFactors): void {
    const d = this.dim;
    const decay = exp(-t);
    let largestPrecision = 0;
    let largestMeanSquared = 0;
    this.active.forEach(({ weight, mean, covariance }, k) => {
      let meanSquared = 0;
      for (let c = 0; c < d; c++) {
        const center = (slot.centers[k * d + c] = decay * mean[c]!);
        meanSquared += center * center;
      }
      largestMeanSquared = Math.max(largestMeanSquared, meanSquared);
      for (const lambda of covariance.values)
        largestPrecision = Math.max(largestPrecision, 1 / ouEigenvalueAt(lambda, t));
      if (this.kernel === 'full') fillOUPrecision(covariance, t, slot.precisions.subarray(k * d * d, (k + 1) * d * d));
      else if (this.kernel === 'isotropic' && d === 2)
        slot.precisions[k] = 1 / ouEigenvalueAt(covariance.values[0]!, t);
      else for (let c = 0; c < d; c++) slot.precisions[k * d + c] = 1 / ouEigenvalueAt(covariance.values[c]!, t);
      slot.logNormalisers[k] = log(weight) - 0.5 * sumSpectralFunction(covariance, t, log);
    });
    slot.nearRadiusSquared = nearRadiusSquared(slot.logNormalisers, largestPrecision, largestMeanSquared);
  }

  /** NaN in a row of x gives NaN in that row of out (not checked: a check would cost a pass over x). */
  evaluate(t: number, x: Batch, out: Batch): void {
    const fn = 'GaussianMixtureScore.evaluate';
    expectTime(fn, t);
    const n = expectScoreBatches(fn, this.dim, x, out);
    const factors = this.factors.at(t);
    const k = this.active.length;
    const { scratch } = this;
    if (this.kernel === 'isotropic' && this.dim === 2) {
      if (this.sharedVariance)
        mixtureScoreKernel2dSharedVariance(n, k, factors, scratch, x.data, x.offset, out.data, out.offset);
      else mixtureScoreKernel2dIsotropic(n, k, factors, scratch, x.data, x.offset, out.data, out.offset);
    } else if (this.kernel !== 'full') {
      mixtureScoreKernelDiagonal(n, this.dim, k, factors, scratch, x.data, x.offset, out.data, out.offset);
    } else if (this.dim === 2) {
      mixtureScoreKernel2d(n, k, factors, scratch, x.data, x.offset, out.data, out.offset);
    } else {
      mixtureScoreKernel(n, this.dim, k, factors, scratch, x.data, x.offset, out.data, out.offset);
    }
  }

  /**
   * Writes `tr ∂s/∂x` for every row of `x` into `out` in closed form,
   * `Σ_k w_k (|s_k − s|² − tr P_k)` (see `jacobian-trace.ts`): the exact divergence for `logLikelihood`.
   */
  jacobianTraceInto(t: number, x: Batch, out: Float64Array): void {
    this.jacobianInto('GaussianMixtureScore.jacobianTraceInto', t, x, out, false);
  }

  /**
   * Writes the diagonal of the score's Jacobian, `out[r·d + a] = ∂s_a/∂x_a = Σ_k w_k ((s_{k,a} − s_a)² − (P_k)_{aa})`,
   * for every row of `x` (`out` holds at least `n·d` values).
   */
  jacobianDiagonalInto(t: number, x: Batch, out: Float64Array): void {
    this.jacobianInto('GaussianMixtureScore.jacobianDiagonalInto', t, x, out, true);
  }

  private jacobianInto(fn: string, t: number, x: Batch, out: Float64Array, diagonal: boolean): void {
    expectTime(fn, t);
    const n = expectTraceArguments(fn, this.dim, x, out, diagonal ? this.dim : 1);
    const layout =
      this.kernel === 'full' ? 'full' : this.kernel === 'isotropic' && this.dim === 2 ? 'scalar' : 'diagonal';
    const k = this.active.length;
    mixtureJacobianTrace(n, this.dim, k, this.factors.at(t), layout, this.scratch, x.data, x.offset, out, diagonal);
  }

  /** The score is exact. */
  l2ErrorAt(t: number): number {
    expectTime('GaussianMixtureScore.l2ErrorAt', t);
    return 0;
  }
}

/** The exact OU score of a Gaussian mixture with any weights and full covariances. */
export function gaussianMixtureScore(
  parameters: GaussianMixtureParameters,
  options: GaussianMixtureOptions = {},
): GaussianMixtureScore {
  return new GaussianMixtureScore(parameters, options);
}

export interface RingMixtureOptions {
  readonly components?: number;
  readonly radius?: number;
  readonly std?: number;
}

/** Parameters of `components` equal-weight isotropic Gaussians (std `std`) evenly spaced on a circle of radius `radius`. */
export function ringMixtureParameters(options: RingMixtureOptions = {}): GaussianMixtureParameters {
  const fn = 'ringMixture';
  const { components = 8, radius = 4, std = 0.5 } = options;
  expectInteger(fn, 'options.components', components, 1);
  expectNonNegative(fn, 'options.radius', radius);
  expectPositive(fn, 'options.std', std);
  // turnPoint, not Math.cos/sin: the same means, hence the same samples, in every JavaScript engine
  const points = Array.from({ length: components }, (_, k) => turnPoint(k, components));
  return {
    weights: points.map(() => 1 / components),
    means: points.map(([c, s]) => [radius * c, radius * s]),
    covariances: points.map(() => std * std),
    normalizeWeights: true,
  };
}

/** The classic "8 Gaussians on a ring" target as an exact mixture score. */
export function ringMixture(options: RingMixtureOptions = {}): GaussianMixtureScore {
  return gaussianMixtureScore(ringMixtureParameters(options));
}
