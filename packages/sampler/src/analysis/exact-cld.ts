/**
 * The exact law of a CLD sampler's output on `(x, v)` for Gaussian data `N(μ, Σ)` with
 * initial velocity `N(0, γ I)`. After diagonalising `Σ` each eigen-direction is an
 * independent `(x_i, v_i)` pair with a 2×2 recursion; a user score whose affine form
 * does not commute with `Σ`, or a general initial law, runs the full `2d × 2d` recursion.
 * @packageDocumentation
 */
import { InvalidArgumentError, ShapeMismatchError, expectAllFinite } from '@sgmkit/tensor';
import { cldPairCovarianceAt, cldTransitionAt, expectScore, type CLDScore } from '@sgmkit/score';
import { applyAffineUpdate, type DenseLaw } from './affine-recursion.js';
import { expectFiniteLaw } from './finite-law.js';
import { cldUpdateSchedule, type CLDAffineUpdate, type Pair2x2 } from './cld-updates.js';
import {
  denseCopy,
  eigenbasis,
  expectGaussianLaw,
  fromEigenCoordinates,
  fromEigenDiagonal,
  squareMatrix,
  toEigenCoordinates,
  type Eigenbasis,
  type GaussianLaw,
} from './gaussian.js';
import { expectHorizonAndGrid, expectScoreError, type ResolvedScoreError, type ScoreErrorOptions } from './options.js';
import { expectCLDMethod, type CLDMethod } from '../samplers/methods.js';
import { expectCorrector, type LangevinCorrector } from '../samplers/common.js';

/** Where the CLD sampler starts: `N(0, I_{2d})` (default), the forward marginal at `T`, or a law on `(x, v)` (x first). */
export type CLDInitialLaw = 'standard-normal' | 'forward-marginal' | GaussianLaw;

/** Options of {@link exactCLDLaw}. */
export interface ExactCLDOptions {
  readonly T: number;
  readonly grid: ArrayLike<number>;
  readonly method: CLDMethod;
  /** Variance `γ ≥ 0` of the data's initial velocity (1 in the paper; Dockhorn et al. use small γ). */
  readonly initialVelocityVariance?: number;
  /** Known affine error of the velocity score: `(1 + scale)·s_v + bias`. */
  readonly scoreError?: ScoreErrorOptions;
  /** Velocity Langevin corrector after every predictor step. */
  readonly corrector?: LangevinCorrector;
  readonly init?: CLDInitialLaw;
  /** Use this CLD score (it must have `affineAt`) instead of the exact one. */
  readonly score?: CLDScore;
}

/** The output law: the joint on `(x, v)` (x first, `2d`) and its two marginals. */
export interface ExactCLDLaw {
  readonly position: GaussianLaw;
  readonly velocity: GaussianLaw;
  readonly joint: GaussianLaw;
}

/** Affine velocity score `s_v = Mx x + Mv v + c` in dense form. */
interface DenseCLDScoreForm {
  readonly positionMatrix: Float64Array;
  readonly velocityMatrix: Float64Array;
  readonly offset: Float64Array;
}

/**
 * Exact mean and covariance of the CLD sampler's output (updates: DEVELOPING.md
 * "Sampler updates"). The reverse process targets `N(μ, Σ) ⊗ N(0, γ I)`.
 * @throws {InvalidArgumentError} for a bad horizon, grid, method, γ, corrector, score error, init or score
 * @throws {NotPositiveDefiniteError} when a covariance is not SPD
 *
 * @example
 * ```ts
 * import { exactCLDLaw, uniformGrid } from '@sgmkit/sampler';
 * const data = { mean: Float64Array.of(2), covariance: { data: Float64Array.of(0.5), shape: [1, 1], stride: [1, 1], offset: 0 } };
 * const { position, joint } = exactCLDLaw(data, { T: 8, grid: uniformGrid(8, 200), method: 'sscs' });
 * ```
 */
export function exactCLDLaw(data: GaussianLaw, options: ExactCLDOptions): ExactCLDLaw {
  const fn = 'exactCLDLaw';
  const d = expectGaussianLaw(fn, 'data', data);
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an object { T, grid, method, ... }');
  const grid = expectHorizonAndGrid(fn, options.T, options.grid);
  const method = expectCLDMethod(fn, 'options.method', options.method);
  const corrector = expectCorrector(fn, 'options.corrector', options.corrector);
  const scoreError = expectScoreError(fn, options.scoreError, d);
  const gamma = options.initialVelocityVariance ?? 1;
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0)
    throw new InvalidArgumentError(fn, 'options.initialVelocityVariance', gamma, 'a finite number >= 0');
  const init = options.init ?? 'standard-normal';
  if (typeof init !== 'string') expectGaussianLaw(fn, 'options.init', init, 2 * d);
  else if (init !== 'standard-normal' && init !== 'forward-marginal') {
    throw new InvalidArgumentError(
      fn,
      'options.init',
      init,
      "'standard-normal', 'forward-marginal' or a Gaussian law on (x, v) of dimension 2d",
    );
  }
  if (options.score !== undefined)
    expectScore(fn, 'options.score', options.score, {
      kind: 'cld',
      dim: d,
      affine: true,
      otherKindUse: 'exactDDPMLaw',
    });
  const schedule = cldUpdateSchedule(grid, method, corrector);
  if (gamma === 0 && schedule.some((u) => u.scoreTime === 0)) {
    throw new InvalidArgumentError(
      fn,
      'options.initialVelocityVariance',
      gamma,
      '> 0 when the corrector evaluates the score at t = 0 (the law of (x, v) is degenerate there)',
    );
  }
  const basis = eigenbasis(data.covariance);
  const pairs = new CLDPairs(data, basis, gamma);
  if (options.score === undefined && typeof init === 'string')
    return finiteCLDLaw(fn, pairRecursion(pairs, schedule, scoreError, init, options.T), grid);
  const scoreAt = options.score ? userCLDScore(fn, options.score, d) : (t: number) => pairs.denseScore(t);
  const start =
    typeof init === 'string'
      ? pairs.denseLaw(init, options.T)
      : { d: 2 * d, mean: Float64Array.from(init.mean), covariance: denseCopy(init.covariance, 2 * d) };
  return finiteCLDLaw(fn, splitJoint(denseRecursion(start, schedule, withScoreError(scoreAt, scoreError), d), d), grid);
}

/**
 * The forward CLD marginal `q_t` on `(x, v)` of data `N(μ, Σ)` with initial velocity
 * `N(0, γ I)`: per eigen-direction mean `e^{tA}(μ_i, 0)` and covariance
 * `e^{tA} diag(λ_i, γ) e^{tAᵀ} + Q_t` (see `cldPairMoments`).
 */
export function cldForwardMarginal(data: GaussianLaw, t: number, initialVelocityVariance = 1): ExactCLDLaw {
  const fn = 'cldForwardMarginal';
  expectGaussianLaw(fn, 'data', data);
  if (typeof t !== 'number' || !Number.isFinite(t) || t < 0)
    throw new InvalidArgumentError(fn, 't', t, 'a finite number >= 0');
  const gamma = initialVelocityVariance;
  if (typeof gamma !== 'number' || !Number.isFinite(gamma) || gamma < 0)
    throw new InvalidArgumentError(fn, 'initialVelocityVariance', gamma, 'a finite number >= 0');
  const pairs = new CLDPairs(data, eigenbasis(data.covariance), gamma);
  return splitJoint(pairs.denseLaw('forward-marginal', t), pairs.d);
}

/**
 * Mean `e^{tA}(μ_i, 0)` and covariance of one eigen-direction's `(x_t, v_t)` under the
 * forward CLD (data variance `λ`, initial velocity variance `γ`); the covariance is the
 * score package's `cldPairCovarianceAt`, which is accurate to full precision at small t.
 */
export function cldPairMoments(
  lambda: number,
  gamma: number,
  meanCoordinate: number,
  t: number,
): { mean: [number, number]; covariance: Pair2x2 } {
  const { a, c } = cldTransitionAt(t);
  const { xx, xv, vv } = cldPairCovarianceAt(t, lambda, gamma);
  return { mean: [a * meanCoordinate, c * meanCoordinate], covariance: [xx, xv, xv, vv] };
}

/** The data's eigen-directions as independent `(x, v)` pairs, with their exact velocity scores. */
class CLDPairs {
  readonly d: number;
  readonly mu: Float64Array;
  constructor(
    readonly data: GaussianLaw,
    readonly basis: Eigenbasis,
    readonly gamma: number,
  ) {
    this.d = data.mean.length;
    this.mu = toEigenCoordinates(basis, data.mean);
  }

  /** `s_v = ax x + av v + c` of direction i at time t: `−[C_t⁻¹ (z − m_t)]_v`. */
  score(i: number, t: number): [number, number, number] {
    const { mean, covariance } = cldPairMoments(this.basis.values[i]!, this.gamma, this.mu[i]!, t);
    const [xx, xv, , vv] = covariance;
    const det = xx * vv - xv * xv;
    const [ax, av] = [xv / det, -xx / det];
    return [ax, av, -(ax * mean[0] + av * mean[1])];
  }

  /** The exact velocity score as dense `d × d` matrices in the original coordinates. */
  denseScore(t: number): DenseCLDScoreForm {
    const [ax, av, c] = [new Float64Array(this.d), new Float64Array(this.d), new Float64Array(this.d)];
    for (let i = 0; i < this.d; i++) [ax[i], av[i], c[i]] = this.score(i, t);
    return {
      positionMatrix: fromEigenDiagonal(this.basis, ax).data,
      velocityMatrix: fromEigenDiagonal(this.basis, av).data,
      offset: fromEigenCoordinates(this.basis, c),
    };
  }

  /** Initial law per pair: `N(0, I)` or the forward marginal at T. */
  initialPair(i: number, init: 'standard-normal' | 'forward-marginal', T: number): PairLaw {
    if (init === 'standard-normal') return { mean: [0, 0], covariance: [1, 0, 0, 1] };
    const { mean, covariance } = cldPairMoments(this.basis.values[i]!, this.gamma, this.mu[i]!, T);
    return { mean, covariance: [...covariance] };
  }

  /** The same initial law as a dense law on (x, v). */
  denseLaw(init: 'standard-normal' | 'forward-marginal', T: number): DenseLaw {
    const pairs = Array.from({ length: this.d }, (_, i) => this.initialPair(i, init, T));
    return joinPairs(this.basis, pairs);
  }
}

/** Mutable law of one `(x, v)` pair. */
interface PairLaw {
  mean: [number, number];
  covariance: [number, number, number, number];
}

/** `m ← A m + b`, `P ← A P Aᵀ + Q` on a pair. */
function applyPairUpdate(law: PairLaw, a: Pair2x2, b: [number, number], q: Pair2x2): void {
  const [m0, m1] = law.mean;
  law.mean = [a[0] * m0 + a[1] * m1 + b[0], a[2] * m0 + a[3] * m1 + b[1]];
  const [p00, p01, , p11] = law.covariance;
  // (A P) then (A P) Aᵀ, P symmetric.
  const ap00 = a[0] * p00 + a[1] * p01;
  const ap01 = a[0] * p01 + a[1] * p11;
  const ap10 = a[2] * p00 + a[3] * p01;
  const ap11 = a[2] * p01 + a[3] * p11;
  const xx = ap00 * a[0] + ap01 * a[1] + q[0];
  const xv = ap00 * a[2] + ap01 * a[3] + q[1];
  const vv = ap10 * a[2] + ap11 * a[3] + q[3];
  law.covariance = [xx, xv, xv, vv];
}

function pairRecursion(
  pairs: CLDPairs,
  schedule: CLDAffineUpdate[],
  error: ResolvedScoreError,
  init: 'standard-normal' | 'forward-marginal',
  T: number,
): ExactCLDLaw {
  const d = pairs.d;
  const bias = toEigenCoordinates(pairs.basis, error.bias);
  const laws = Array.from({ length: d }, (_, i) => pairs.initialPair(i, init, T));
  for (const update of schedule) {
    const [wx, wv] = update.scoreWeight;
    for (let i = 0; i < d; i++) {
      let [ax, av, c] = [0, 0, 0];
      if (update.scoreTime !== undefined) {
        const [sx, sv, sc] = pairs.score(i, update.scoreTime);
        [ax, av, c] = [(1 + error.scale) * sx, (1 + error.scale) * sv, (1 + error.scale) * sc + bias[i]!];
      }
      const l = update.linear;
      const a: Pair2x2 = [l[0] + wx * ax, l[1] + wx * av, l[2] + wv * ax, l[3] + wv * av];
      applyPairUpdate(laws[i]!, a, [wx * c, wv * c], update.noiseCovariance);
    }
  }
  return splitJoint(joinPairs(pairs.basis, laws), d);
}

/** Assembles per-pair laws (eigen-coordinates) into a dense law on (x, v) in the original coordinates. */
function joinPairs(basis: Eigenbasis, laws: PairLaw[]): DenseLaw {
  const d = laws.length;
  const block = (k: 0 | 1 | 3) =>
    fromEigenDiagonal(
      basis,
      Float64Array.from(laws, (law) => law.covariance[k]),
    ).data;
  const [xx, xv, vv] = [block(0), block(1), block(3)];
  const n = 2 * d;
  const covariance = new Float64Array(n * n);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      covariance[i * n + j] = xx[i * d + j]!;
      covariance[i * n + d + j] = xv[i * d + j]!;
      covariance[(d + i) * n + j] = xv[i * d + j]!;
      covariance[(d + i) * n + d + j] = vv[i * d + j]!;
    }
  }
  const mean = new Float64Array(n);
  mean.set(
    fromEigenCoordinates(
      basis,
      Float64Array.from(laws, (law) => law.mean[0]),
    ),
    0,
  );
  mean.set(
    fromEigenCoordinates(
      basis,
      Float64Array.from(laws, (law) => law.mean[1]),
    ),
    d,
  );
  return { d: n, mean, covariance };
}

function splitJoint(law: DenseLaw, d: number): ExactCLDLaw {
  const n = 2 * d;
  const block = (row: number, col: number) => {
    const out = new Float64Array(d * d);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[i * d + j] = law.covariance[(row + i) * n + col + j]!;
    return squareMatrix(d, out);
  };
  return {
    position: { mean: law.mean.slice(0, d), covariance: block(0, 0) },
    velocity: { mean: law.mean.slice(d), covariance: block(d, d) },
    joint: { mean: law.mean, covariance: squareMatrix(n, law.covariance) },
  };
}

function userCLDScore(fn: string, score: CLDScore, d: number): (t: number) => DenseCLDScoreForm {
  return (t) => {
    const form = score.affineAt!(t);
    const parts: [keyof DenseCLDScoreForm, number][] = [
      ['positionMatrix', d * d],
      ['velocityMatrix', d * d],
      ['offset', d],
    ];
    for (const [name, length] of parts) {
      const value = form?.[name];
      if (!(value instanceof Float64Array) || value.length !== length) {
        throw new ShapeMismatchError(
          fn,
          `options.score.affineAt(${t}).${name}`,
          value,
          `a Float64Array of length ${length}`,
        );
      }
      expectAllFinite(fn, `options.score.affineAt(${t}).${name}`, value);
    }
    return form;
  };
}

function withScoreError(
  scoreAt: (t: number) => DenseCLDScoreForm,
  error: ResolvedScoreError,
): (t: number) => DenseCLDScoreForm {
  if (error.scale === 0 && error.bias.every((b) => b === 0)) return scoreAt;
  const k = 1 + error.scale;
  return (t) => {
    const { positionMatrix, velocityMatrix, offset } = scoreAt(t);
    return {
      positionMatrix: positionMatrix.map((m) => k * m),
      velocityMatrix: velocityMatrix.map((m) => k * m),
      offset: offset.map((c, i) => k * c + error.bias[i]!),
    };
  };
}

/** Full recursion on (x, v): `M = E ⊗ I + w ⊗ [Mx Mv]`, `b = w ⊗ c`, `Q = Q₂ ⊗ I` (`E`, `w`, `Q₂` one update's 2×2 pieces). */
function denseRecursion(
  law: DenseLaw,
  schedule: CLDAffineUpdate[],
  scoreAt: (t: number) => DenseCLDScoreForm,
  d: number,
): DenseLaw {
  const n = 2 * d;
  for (const update of schedule) {
    const a = kronecker(update.linear, d);
    const b = new Float64Array(n);
    if (update.scoreTime !== undefined) {
      const { positionMatrix, velocityMatrix, offset } = scoreAt(update.scoreTime);
      update.scoreWeight.forEach((w, block) => {
        for (let i = 0; i < d; i++) {
          const row = (block * d + i) * n;
          for (let j = 0; j < d; j++) {
            a[row + j] = a[row + j]! + w * positionMatrix[i * d + j]!;
            a[row + d + j] = a[row + d + j]! + w * velocityMatrix[i * d + j]!;
          }
          b[block * d + i] = w * offset[i]!;
        }
      });
    }
    applyAffineUpdate(law, a, b, kronecker(update.noiseCovariance, d));
  }
  return law;
}

/** `M₂ ⊗ I_d` as a row-major `2d × 2d` array. */
function kronecker(m: Pair2x2, d: number): Float64Array {
  const n = 2 * d;
  const out = new Float64Array(n * n);
  for (let i = 0; i < d; i++) {
    out[i * n + i] = m[0];
    out[i * n + d + i] = m[1];
    out[(d + i) * n + i] = m[2];
    out[(d + i) * n + d + i] = m[3];
  }
  return out;
}

/** The CLD law, checked finite through its joint law on (x, v). */
function finiteCLDLaw(fn: string, law: ExactCLDLaw, grid: Float64Array): ExactCLDLaw {
  expectFiniteLaw(fn, law.joint, grid);
  return law;
}
