/**
 * Exact CLD velocity scores of Gaussian mixtures and point clouds.
 *
 * Under the CLD `d(X, V) = (A ⊗ I)(X, V) dt + (0, 2) dB`, `A = [[0, 1], [−1, −2]]`, started from
 * `X₀ ~ Σ_k w_k N(m_k, S_k)` and `V₀ ~ N(0, γI)` independent of X₀, the joint law of `(x_t, v_t)` is the
 * mixture `Σ_k w_k N(μ_k, P_k)` in 2d dimensions: the flow is linear and Gaussian given the component.
 * Every coordinate pair `(x_j, v_j)` is mixed by the same 2 × 2 flow `e^{tA} = [[a, b], [c, e]]`, so
 * `μ_k = (a m_k, c m_k)` and, in the eigenbasis of `S_k` (eigenvalues λ), each eigen-direction is one
 * 2 × 2 law with covariance `P(λ) = E diag(λ, γ) Eᵀ + Q_t` (`cldPairCovarianceAt`). Its determinant is
 * computed without cancellation by the rank-one expansions (matrix determinant lemma, twice):
 *
 *   det P = det(Q + γ β βᵀ) + λ (αᵀ adj(Q) α + γ (ae − bc)²),   det(Q + γββᵀ) = det Q + γ βᵀ adj(Q) β,
 *
 * `α = (a, c)`, `β = (b, e)`, `ae − bc = e^{−2t}`. Computing `P_xx P_vv − P_xv²` directly would lose
 * about `log₁₀(γ/t)` digits as t → 0 when λ = 0 (point clouds), since then `x_t ≈ t·v_t`. The velocity
 * score is `Σ_k r_k(x, v) ∇_v ln N_k` with posterior weights `r_k`, evaluated in log-sum-exp form by the
 * kernels in cld-mixture-kernels.ts. A point cloud is the mixture of equal-weight components with
 * `S_k = 0`; its law is non-degenerate for t > 0 (for any γ ≥ 0) and singular at t = 0.
 * @packageDocumentation
 */
import {
  exp,
  expectBatch,
  expectNonNegative,
  expectSameDType,
  expm1,
  expRemainder,
  InvalidArgumentError,
  log,
  wasmMixtureKernels,
  type WasmMixtureKernels,
  type Batch,
  type Tensor,
} from '@sgmkit/tensor';
import type { CLDScore, DataMoments, ScoreSpec } from '../types.js';
import { mixtureMoments } from './data-moments.js';
import { cldTransitionAt } from './cld.js';
import {
  cldMixtureKernel,
  cldMixtureKernel2dFull,
  cldMixtureKernel2dIsotropic,
  cldMixtureKernel2dShared,
  cldMixtureKernel2dSharedWasm,
  cldMixtureKernel2dComponentsWasm,
  cldMixtureKernelDiagonal,
  cldMixtureKernelShared,
  type CLDMixtureFactors,
  type CLDMixtureScratch,
  type CLDSharedFactors,
} from './cld-mixture-kernels.js';
import { FAST_EXP_MAX } from './fast-exp.js';
import { nearRadiusSquared } from './mixture-kernels.js';
import { parseComponents } from './mixture-parameters.js';
import type { GaussianMixtureParameters, MixtureKernel } from './mixture.js';
import {
  covarianceDiagonal,
  fillConjugated,
  type CovarianceJson,
  type SpectralCovariance,
} from './spectral-covariance.js';
import { TimeCache } from './time-cache.js';
import { expectEmpiricalTime, expectOutputBatch, expectTime, parsePoints, toJsonArray } from './validate.js';

/** Layout of {@link cldPairLawTermsInto}'s output: the λ-independent parts of a coordinate pair's law at time t. */
export const PAIR = { A: 0, C: 1, XX: 2, XV: 3, VV: 4, DET: 5, DET_SLOPE: 6, LENGTH: 7 } as const;

/**
 * Writes, for time t and initial velocity variance γ, the parts of one coordinate pair's law that do not
 * depend on the data variance λ: `P(λ) = P(0) + λ ααᵀ` and `det P(λ) = det P(0) + λ·slope` (module doc).
 */
export function cldPairLawTermsInto(t: number, gamma: number, out: Float64Array): void {
  const { a, b, c, e } = cldTransitionAt(t);
  const decay2 = exp(-2 * t);
  // Q_t, as in cldPairCovarianceAt: Q_xx = g₂(2t) (cancellation-free), Q_xv = 2t²e^{−2t}, Q_vv = (1 − e^{−2t}) + 2t(1 − t)e^{−2t}.
  const qxx = expRemainder(2, 2 * t);
  const qxv = 2 * t * t * decay2;
  const qvv = -expm1(-2 * t) + 2 * t * (1 - t) * decay2;
  // adj(Q) = [[q_vv, −q_xv], [−q_xv, q_xx]]: uᵀ adj(Q) u for u = α and u = β.
  const alphaAdjAlpha = a * a * qvv - 2 * a * c * qxv + c * c * qxx;
  const betaAdjBeta = b * b * qvv - 2 * b * e * qxv + e * e * qxx;
  out[PAIR.A] = a;
  out[PAIR.C] = c;
  out[PAIR.XX] = qxx + gamma * b * b;
  out[PAIR.XV] = qxv + gamma * b * e;
  out[PAIR.VV] = qvv + gamma * e * e;
  out[PAIR.DET] = qxx * qvv - qxv * qxv + gamma * betaAdjBeta;
  out[PAIR.DET_SLOPE] = alphaAdjAlpha + gamma * decay2 * decay2;
}

/**
 * The affine-logit form is used while `Λ_max·max_k|μ_k|² ≤ SHARED_LOGIT_LIMIT`: its logits then carry rounding
 * errors ≲ 4·SHARED_LOGIT_LIMIT·ε ≈ 4e-12 near the modes, below what the distance form loses at |z| ≈ 10.
 * Beyond it (a point cloud as t → 0, where Λ grows like t⁻³) the distance-form kernels take over.
 */
const SHARED_LOGIT_LIMIT = 4096;

/** Slopes `β_k` larger than this would risk `e^{300}·|β|` overflowing in the near path: affine form off. */
const MAX_SHARED_SLOPE = 1e100;

/** A component as the kernels see it: weight, mean, and its covariance's eigen-decomposition (eigenvalues may be 0). */
interface CLDComponent {
  readonly weight: number;
  readonly mean: Float64Array;
  readonly covariance: SpectralCovariance;
}

/**
 * The components with the one whose mean is nearest the origin first: component 0 is the kernels' softmax
 * reference, and a central reference keeps `|l_k − l_0|` small over the widest region around the data
 * (on the 5 × 5 grid a corner reference halves the near region's radius). The order changes no sum's value beyond rounding.
 */
function centralFirst(components: CLDComponent[]): CLDComponent[] {
  const norm = (c: CLDComponent) => c.mean.reduce((s, m) => s + m * m, 0);
  let central = 0;
  components.forEach((c, k) => {
    if (norm(c) < norm(components[central]!)) central = k;
  });
  return [components[central]!, ...components.filter((_, k) => k !== central)];
}

/** Largest eigenvalue of the symmetric 2 × 2 `[[p, q], [q, r]]`. */
function largestEigenvalue2(p: number, q: number, r: number): number {
  const half = 0.5 * (p - r);
  return 0.5 * (p + r) + Math.sqrt(half * half + q * q);
}

/** 'isotropic' (every component `σ_k² I`; own kernel at d = 2, diagonal otherwise), 'diagonal', else 'full'. Exact. */
function detectKernel(components: readonly CLDComponent[]): MixtureKernel {
  if (components.some((c) => c.covariance.vectors !== null)) return 'full';
  if (components.every(({ covariance: { values } }) => values.every((v) => v === values[0]))) return 'isotropic';
  return 'diagonal';
}

/**
 * The shared machinery of the CLD mixture and point-cloud scores: per-time factors (cached) and the kernel
 * dispatch. `fn` names the public class in errors.
 */
abstract class CLDMixtureBase implements CLDScore {
  readonly kind = 'cld' as const;
  readonly dim: number;
  abstract readonly spec: ScoreSpec;
  /** γ in `V₀ ~ N(0, γI)`. */
  /** Exact position moments of the data mixture (empirical ones for a point cloud). */
  readonly dataMoments: DataMoments;
  readonly initialVelocityVariance: number;
  /** The kernel in use (see `MixtureKernel`). */
  readonly kernel: MixtureKernel;
  private readonly active: readonly CLDComponent[];
  /** Every active component is `σ²I` with one σ² (and the general kernel was not forced): the affine-logit kernels apply. */
  private readonly sharedPrecision: boolean;
  private readonly factors: TimeCache<CLDMixtureFactors>;
  private readonly scratch: CLDMixtureScratch;
  private readonly pairTerms = new Float64Array(PAIR.LENGTH);
  /** Per-eigendirection joint precisions `(Λxx, Λxv, Λvv)` of the component being filled. */
  private readonly directionPrecisions: Float64Array;
  /** `<Class>.evaluate`, built once (evaluate allocates nothing). */
  private readonly evaluateName: string;

  protected constructor(
    private readonly fn: string,
    components: readonly CLDComponent[],
    gamma: number,
    kernel: 'auto' | 'full',
  ) {
    const d = (this.dim = components[0]!.mean.length);
    this.dataMoments = mixtureMoments(
      components.map((c) => ({ weight: c.weight, mean: c.mean, diagonal: covarianceDiagonal(c.covariance) })),
      d,
    );
    this.evaluateName = `${fn}.evaluate`;
    this.initialVelocityVariance = gamma;
    this.active = centralFirst(components.filter((c) => c.weight > 0));
    const k = this.active.length;
    this.kernel = kernel === 'full' ? 'full' : detectKernel(this.active);
    const variance = this.active[0]!.covariance.values[0]!;
    this.sharedPrecision = this.kernel === 'isotropic' && this.active.every((c) => c.covariance.values[0] === variance);
    const shared = this.sharedPrecision;
    const precisionsPerComponent =
      this.kernel === 'full' ? 3 * d * d : this.kernel === 'isotropic' && d === 2 ? 3 : 3 * d;
    this.directionPrecisions = new Float64Array(3 * d);
    this.factors = new TimeCache<CLDMixtureFactors>(
      () => ({
        positionCenters: new Float64Array(k * d),
        velocityCenters: new Float64Array(k * d),
        precisions: new Float64Array(k * precisionsPerComponent),
        logNormalisers: new Float64Array(k),
        nearRadiusSquared: -1,
        shared: shared
          ? { linear: false, coefficients: new Float64Array(4), table: this.sharedTable(), nearRadiusSquared: -1 }
          : null,
      }),
      (t, slot) => this.fillFactors(t, slot),
    );
    this.scratch = {
      logits: new Float64Array(k),
      componentScores: new Float64Array(k * d),
      accumulator: new Float64Array(d),
      residuals: new Float64Array(2 * d),
    };
  }

  /** Number of components with positive weight (the ones the kernels sum over). */
  get activeComponents(): number {
    return this.active.length;
  }

  private fillFactors(t: number, slot: CLDMixtureFactors): void {
    const d = this.dim;
    const terms = this.pairTerms;
    cldPairLawTermsInto(t, this.initialVelocityVariance, terms);
    const a = terms[PAIR.A]!;
    const c = terms[PAIR.C]!;
    const p = this.directionPrecisions;
    let largestPrecision = 0;
    let largestMeanSquared = 0;
    this.active.forEach(({ weight, mean, covariance }, k) => {
      let logDeterminant = 0;
      for (let j = 0; j < d; j++) {
        const lambda = covariance.values[j]!;
        const xx = terms[PAIR.XX]! + lambda * a * a;
        const xv = terms[PAIR.XV]! + lambda * a * c;
        const vv = terms[PAIR.VV]! + lambda * c * c;
        const det = terms[PAIR.DET]! + lambda * terms[PAIR.DET_SLOPE]!;
        p[3 * j] = vv / det;
        p[3 * j + 1] = -xv / det;
        p[3 * j + 2] = xx / det;
        // det > 0 is not enough: a tiny one (γ = 0 and t = 1e-320) has an inverse that overflows, then NaN scores
        if (
          !(det > 0) ||
          !Number.isFinite(det) ||
          !(Number.isFinite(p[3 * j]!) && Number.isFinite(p[3 * j + 1]!) && Number.isFinite(p[3 * j + 2]!))
        ) {
          throw new InvalidArgumentError(this.fn, 't', t, this.degenerateTimeExpectation());
        }
        logDeterminant += log(det);
        largestPrecision = Math.max(largestPrecision, largestEigenvalue2(p[3 * j]!, p[3 * j + 1]!, p[3 * j + 2]!));
      }
      let meanSquared = 0;
      for (let j = 0; j < d; j++) {
        slot.positionCenters[k * d + j] = a * mean[j]!;
        slot.velocityCenters[k * d + j] = c * mean[j]!;
        meanSquared += (a * a + c * c) * mean[j]! * mean[j]!;
      }
      largestMeanSquared = Math.max(largestMeanSquared, meanSquared);
      this.writePrecisions(covariance, slot.precisions, k);
      slot.logNormalisers[k] = log(weight) - 0.5 * logDeterminant;
    });
    slot.nearRadiusSquared = nearRadiusSquared(slot.logNormalisers, largestPrecision, largestMeanSquared);
    if (slot.shared) this.fillSharedFactors(slot, slot.shared, largestPrecision * largestMeanSquared, a, c);
  }

  /** Rows `[α_k, m_k]` with the data means filled in (they do not depend on t). */
  private sharedTable(): Float64Array {
    const d = this.dim;
    const table = new Float64Array(this.active.length * (d + 1));
    this.active.forEach(({ mean }, k) => table.set(mean, k * (d + 1) + 1));
    return table;
  }

  /** The affine-logit factors (see `CLDSharedFactors`); `directionPrecisions` holds the one pair precision shared by all. */
  private fillSharedFactors(
    slot: CLDMixtureFactors,
    shared: CLDSharedFactors,
    roundingScale: number,
    a: number,
    c: number,
  ): void {
    const d = this.dim;
    const p = this.directionPrecisions;
    const pxx = p[0]!,
      pxv = p[1]!,
      pvv = p[2]!;
    const kx = a * pxx + c * pxv;
    const kv = a * pxv + c * pvv;
    shared.coefficients[0] = pxv;
    shared.coefficients[1] = pvv;
    shared.coefficients[2] = kx;
    shared.coefficients[3] = kv;
    const curvature = a * kx + c * kv;
    const { table } = shared;
    let offsetSpread = 0;
    let meanSpread = 0;
    let largestMean = 0;
    for (let k = 0; k < this.active.length; k++) {
      const row = k * (d + 1);
      let squared = 0;
      let distance = 0;
      for (let j = 0; j < d; j++) {
        squared += table[row + 1 + j]! ** 2;
        distance += (table[row + 1 + j]! - table[1 + j]!) ** 2;
      }
      table[row] = slot.logNormalisers[k]! - 0.5 * curvature * squared;
      offsetSpread = Math.max(offsetSpread, Math.abs(table[row]! - table[0]!));
      meanSpread = Math.max(meanSpread, Math.sqrt(distance));
      largestMean = Math.max(largestMean, Math.sqrt(squared));
    }
    const slopeNorm = Math.sqrt(kx * kx + kv * kv); // not Math.hypot (implementation-defined): it picks the kernel
    shared.linear = roundingScale <= SHARED_LOGIT_LIMIT && slopeNorm * largestMean <= MAX_SHARED_SLOPE;
    // |l_k − l_0| ≤ |α_k − α_0| + |m_k − m_0|·|w|, |w| ≤ √(κˣ² + κᵛ²)·|z|. With l_0 as the reference the sums are
    // ≥ 1 (component 0 contributes 1), so only overflow limits the spread: K·e^{spread}·(1 + max|m_k|) must stay
    // below e^{709}, and every exponent inside fastExpInRange's [−708, 709] (a unit of margin for rounding).
    const spread = FAST_EXP_MAX - 2 - log(this.active.length * (1 + largestMean));
    const slope = meanSpread * slopeNorm;
    if (!(offsetSpread <= spread)) shared.nearRadiusSquared = -1;
    else shared.nearRadiusSquared = slope === 0 ? Infinity : ((spread - offsetSpread) / slope) ** 2;
  }

  /** Component k's precisions, from the per-direction ones, in the kernel's layout (see `CLDMixtureFactors`). */
  private writePrecisions(covariance: SpectralCovariance, precisions: Float64Array, k: number): void {
    const d = this.dim;
    const p = this.directionPrecisions;
    if (this.kernel === 'isotropic' && d === 2) {
      precisions.set(p.subarray(0, 3), 3 * k);
    } else if (this.kernel !== 'full') {
      precisions.set(p, 3 * d * k);
    } else {
      const dd = d * d;
      for (let block = 0; block < 3; block++) {
        fillConjugated(
          covariance,
          (j) => p[3 * j + block]!,
          precisions.subarray((3 * k + block) * dd, (3 * k + block + 1) * dd),
        );
      }
    }
  }

  /** What `t` must be when the law at t is degenerate. */
  protected abstract degenerateTimeExpectation(): string;

  /** Checks t (the subclasses differ at t = 0). */
  protected abstract expectEvaluationTime(fn: string, t: unknown): void;

  /** Writes `∇_v ln q_t(x, v)`. NaN in x or v gives NaN in that row (not checked). */
  evaluate(t: number, x: Batch, v: Batch, out: Batch): void {
    const fn = this.evaluateName;
    this.expectEvaluationTime(fn, t);
    const d = this.dim;
    const [n] = expectBatch(fn, 'x', x, d);
    expectBatch(fn, 'v', v, d, n);
    expectSameDType(fn, 'v', x, v);
    expectOutputBatch(fn, d, out, x, 'x', v, 'v');
    const factors = this.factors.at(t);
    const wasm = d === 2 ? wasmMixtureKernels() : null;
    if (wasm) this.evaluateOnWasm(wasm, factors, n, x, v, out);
    else this.evaluateScalar(factors, n, x, v, out);
  }

  /** The d = 2 kernels on WebAssembly SIMD (bit-identical to the scalar ones); d = 2 diagonal components stay scalar. */
  private evaluateOnWasm(
    wasm: WasmMixtureKernels,
    factors: CLDMixtureFactors,
    n: number,
    x: Batch,
    v: Batch,
    out: Batch,
  ): void {
    const k = this.active.length;
    const s = this.scratch;
    const shared = factors.shared;
    const xd = x.data;
    const vd = v.data;
    const od = out.data;
    if (shared !== null && shared.linear)
      cldMixtureKernel2dSharedWasm(wasm, n, k, shared, s, xd, x.offset, vd, v.offset, od, out.offset);
    else if (this.kernel === 'isotropic')
      cldMixtureKernel2dComponentsWasm(wasm, 'isotropic', n, k, factors, s, xd, x.offset, vd, v.offset, od, out.offset);
    else if (this.kernel === 'full')
      cldMixtureKernel2dComponentsWasm(wasm, 'full', n, k, factors, s, xd, x.offset, vd, v.offset, od, out.offset);
    else this.evaluateScalar(factors, n, x, v, out);
  }

  /** The scalar TypeScript kernels: every d, the reference and fallback of the wasm ones. */
  private evaluateScalar(factors: CLDMixtureFactors, n: number, x: Batch, v: Batch, out: Batch): void {
    const d = this.dim;
    const k = this.active.length;
    const s = this.scratch;
    const shared = factors.shared;
    const xd = x.data;
    const vd = v.data;
    const od = out.data;
    if (shared !== null && shared.linear) {
      if (d === 2) cldMixtureKernel2dShared(n, k, shared, s, xd, x.offset, vd, v.offset, od, out.offset);
      else cldMixtureKernelShared(n, d, k, shared, s, xd, x.offset, vd, v.offset, od, out.offset);
    } else if (this.kernel === 'isotropic' && d === 2) {
      cldMixtureKernel2dIsotropic(n, k, factors, s, xd, x.offset, vd, v.offset, od, out.offset);
    } else if (this.kernel !== 'full') {
      cldMixtureKernelDiagonal(n, d, k, factors, s, xd, x.offset, vd, v.offset, od, out.offset);
    } else if (d === 2) {
      cldMixtureKernel2dFull(n, k, factors, s, xd, x.offset, vd, v.offset, od, out.offset);
    } else {
      cldMixtureKernel(n, d, k, factors, s, xd, x.offset, vd, v.offset, od, out.offset);
    }
  }
}

/** Options of the CLD mixture score. */
export interface CLDGaussianMixtureParameters extends GaussianMixtureParameters {
  /** γ in `V₀ ~ N(0, γI)`; 1 in the paper, small in Dockhorn et al. Default 1. */
  readonly initialVelocityVariance?: number;
}

export interface CLDGaussianMixtureSpec extends ScoreSpec {
  readonly type: 'cld-gaussian-mixture';
  readonly weights: number[];
  readonly means: number[][];
  readonly covariances: CovarianceJson[];
  readonly initialVelocityVariance: number;
}

export interface CLDGaussianMixtureOptions {
  /** `'auto'` (default) picks the most specialised kernel; `'full'` forces the general one (for cross-checks). Not in the spec. */
  readonly kernel?: 'auto' | 'full';
}

export class CLDGaussianMixtureScore extends CLDMixtureBase {
  readonly spec: CLDGaussianMixtureSpec;

  constructor(parameters: CLDGaussianMixtureParameters, options: CLDGaussianMixtureOptions = {}) {
    const fn = 'cldGaussianMixtureScore';
    if (!parameters || typeof parameters !== 'object')
      throw new InvalidArgumentError(
        fn,
        'parameters',
        parameters,
        'an object { weights, means, covariances, initialVelocityVariance? }',
      );
    if (!options || typeof options !== 'object')
      throw new InvalidArgumentError(fn, 'options', options, 'an object { kernel? }');
    const kernel = options.kernel ?? 'auto';
    if (kernel !== 'auto' && kernel !== 'full')
      throw new InvalidArgumentError(fn, 'options.kernel', kernel, "'auto' or 'full'");
    const components = parseComponents(fn, parameters);
    const gamma = expectNonNegative(fn, 'initialVelocityVariance', parameters.initialVelocityVariance ?? 1);
    super('CLDGaussianMixtureScore', components, gamma, kernel);
    this.spec = {
      type: 'cld-gaussian-mixture',
      weights: components.map((c) => c.weight),
      means: components.map((c) => toJsonArray(c.mean)),
      covariances: components.map((c) => c.covariance.json),
      initialVelocityVariance: gamma,
    };
  }

  /** Number of components (including zero-weight ones). */
  get components(): number {
    return this.spec.weights.length;
  }

  protected degenerateTimeExpectation(): string {
    return 'a time at which the CLD law of (x, v) is non-degenerate (t > 0 when initialVelocityVariance = 0)';
  }

  protected expectEvaluationTime(fn: string, t: unknown): void {
    expectTime(fn, t);
  }
}

/** The exact CLD velocity score of a Gaussian mixture with full, diagonal or isotropic components. */
export function cldGaussianMixtureScore(
  parameters: CLDGaussianMixtureParameters,
  options: CLDGaussianMixtureOptions = {},
): CLDGaussianMixtureScore {
  return new CLDGaussianMixtureScore(parameters, options);
}

export interface CLDPointCloudOptions {
  /** γ in `V₀ ~ N(0, γI)`. Default 1. */
  readonly initialVelocityVariance?: number;
}

export interface CLDPointCloudSpec extends ScoreSpec {
  readonly type: 'cld-point-cloud';
  readonly points: number[][];
  readonly initialVelocityVariance: number;
}

export class CLDPointCloudScore extends CLDMixtureBase {
  readonly spec: CLDPointCloudSpec;
  /** Number of points m. */
  readonly size: number;

  constructor(points: readonly (readonly number[])[] | Tensor, options: CLDPointCloudOptions = {}) {
    const fn = 'cldPointCloudScore';
    const { m, d, values } = parsePoints(fn, points);
    if (!options || typeof options !== 'object')
      throw new InvalidArgumentError(fn, 'options', options, 'an object { initialVelocityVariance? }');
    const gamma = expectNonNegative(fn, 'options.initialVelocityVariance', options.initialVelocityVariance ?? 1);
    const zero: SpectralCovariance = { dim: d, values: new Float64Array(d), vectors: null, json: 0 };
    const components = Array.from({ length: m }, (_, j) => ({
      weight: 1 / m,
      mean: values.subarray(j * d, j * d + d),
      covariance: zero,
    }));
    super('CLDPointCloudScore', components, gamma, 'auto');
    this.size = m;
    this.spec = {
      type: 'cld-point-cloud',
      points: Array.from({ length: m }, (_, j) => toJsonArray(values.subarray(j * d, j * d + d))),
      initialVelocityVariance: gamma,
    };
  }

  protected degenerateTimeExpectation(): string {
    return 'a time at which the CLD law of (x, v) is non-degenerate';
  }

  protected expectEvaluationTime(fn: string, t: unknown): void {
    expectEmpiricalTime(fn, t);
  }
}

/** The exact CLD velocity score of the empirical measure of `points` (an `m × d` array or tensor). */
export function cldPointCloudScore(
  points: readonly (readonly number[])[] | Tensor,
  options: CLDPointCloudOptions = {},
): CLDPointCloudScore {
  return new CLDPointCloudScore(points, options);
}
