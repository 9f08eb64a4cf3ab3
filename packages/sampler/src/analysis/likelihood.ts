/**
 * Closed form of `logLikelihood` for an affine score `s(t, x) = M(t) x + c(t)`
 * (Gaussian data, known affine errors): the probability-flow drift is affine,
 * `f(t, x) = A(t) x + b(t)` with `A = −I − M`, `b = −c`, so a Runge–Kutta 4 step is an
 * affine map and the discretised flow from `δ` to `T` is `x_T = Φ x + φ`. Computed here
 * on the augmented matrix `[Φ | φ]` (every stage is `Z ↦ A Z + [0 | b]`), with the
 * stage divergences `tr A` combined by the Runge–Kutta weights (Simpson's rule, since
 * the two middle stages share a time). Two densities follow:
 * - `logLikelihood`: `log N(Φx + φ; 0, I) + Σ_k h_k/6 (tr A(t_k) + 4 tr A(t_k + h_k/2) + tr A(t_{k+1}))`,
 *   what the integrator computes with the exact divergence (to rounding);
 * - `mapLogLikelihood`: `log N(Φx + φ; 0, I) + log |det Φ|`, the exact density of the
 *   discrete map's model (the pull-back of `N(0, I)` through `x ↦ Φx + φ`); the two
 *   differ by the quadrature error of the trace, `O(h⁴)`.
 * @packageDocumentation
 */
import { InvalidArgumentError, expectAllFinite, expectBatch } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import { expectScore, type Score } from '@sgmkit/score';
import { expectHorizonAndGrid } from './options.js';
import { LOG_TWO_PI } from '../likelihood/pf-ode.js';

/** Options of {@link exactPFODELikelihood}: the grid of `logLikelihood` (forward times, decreasing). */
export interface ExactPFODELikelihoodOptions {
  readonly T: number;
  readonly grid: ArrayLike<number>;
}

/** Result of {@link exactPFODELikelihood}. */
export interface ExactPFODELikelihood {
  /** Per point: the Runge–Kutta 4 likelihood with the exact divergence (what `logLikelihood` computes). */
  readonly logLikelihood: Float64Array;
  /** Per point: the exact log-density of the discrete map's model, `log N(Φx + φ) + log |det Φ|`. */
  readonly mapLogLikelihood: Float64Array;
  /** `Φ` (`d × d` row-major) and `φ` of `x_T = Φ x + φ`. */
  readonly matrix: Float64Array;
  readonly offset: Float64Array;
  /** The Runge–Kutta quadrature of `∫ tr A dt`. */
  readonly divergenceIntegral: number;
  /** `log |det Φ|`. */
  readonly mapLogDeterminant: number;
}

/** `Z ← A Z + [0 | b]` on the `d × (d+1)` augmented matrix, into `out`. */
function affineSlope(a: Float64Array, b: Float64Array, z: Float64Array, d: number, out: Float64Array): void {
  const w = d + 1;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < w; j++) {
      let sum = j === d ? b[i]! : 0;
      for (let k = 0; k < d; k++) sum += a[i * d + k]! * z[k * w + j]!;
      out[i * w + j] = sum;
    }
  }
}

/** `A = −I − M`, `b = −c` of the drift at time `t`, and `tr A`. */
function drift(score: Score, t: number, d: number): { a: Float64Array; b: Float64Array; traceA: number } {
  const { matrix, offset } = score.affineAt!(t);
  const a = new Float64Array(d * d);
  let traceA = 0;
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) a[i * d + j] = -matrix[i * d + j]! - (i === j ? 1 : 0);
    traceA += a[i * d + i]!;
  }
  return { a, b: offset.map((c) => -c), traceA };
}

/** `log |det P|` by Gaussian elimination with partial pivoting (copies `p`). */
function logAbsDeterminant(p: Float64Array, d: number): number {
  const m = Float64Array.from(p);
  let sum = 0;
  for (let k = 0; k < d; k++) {
    let q = k;
    for (let i = k + 1; i < d; i++) if (Math.abs(m[i * d + k]!) > Math.abs(m[q * d + k]!)) q = i;
    if (q !== k) for (let j = 0; j < d; j++) [m[k * d + j], m[q * d + j]] = [m[q * d + j]!, m[k * d + j]!];
    const pivot = m[k * d + k]!;
    sum += Math.log(Math.abs(pivot));
    for (let i = k + 1; i < d; i++) {
      const factor = m[i * d + k]! / pivot;
      for (let j = k; j < d; j++) m[i * d + j] -= factor * m[k * d + j]!;
    }
  }
  return sum;
}

/** One Runge–Kutta 4 step of the affine drift on the augmented matrix `z`, in place; returns the step's trace quadrature. */
function affineStep(score: Score, t0: number, t1: number, d: number, z: Float64Array): number {
  const h = t1 - t0;
  const start = drift(score, t0, d);
  const middle = drift(score, t0 + 0.5 * h, d);
  const end = drift(score, t1, d);
  const size = d * (d + 1);
  const k1 = new Float64Array(size);
  const k2 = new Float64Array(size);
  const k3 = new Float64Array(size);
  const k4 = new Float64Array(size);
  const stage = new Float64Array(size);
  affineSlope(start.a, start.b, z, d, k1);
  for (let i = 0; i < size; i++) stage[i] = z[i]! + 0.5 * h * k1[i]!;
  affineSlope(middle.a, middle.b, stage, d, k2);
  for (let i = 0; i < size; i++) stage[i] = z[i]! + 0.5 * h * k2[i]!;
  affineSlope(middle.a, middle.b, stage, d, k3);
  for (let i = 0; i < size; i++) stage[i] = z[i]! + h * k3[i]!;
  affineSlope(end.a, end.b, stage, d, k4);
  for (let i = 0; i < size; i++) z[i] += (h / 6) * (k1[i]! + 2 * k2[i]! + 2 * k3[i]! + k4[i]!);
  return (h / 6) * (start.traceA + 4 * middle.traceA + end.traceA);
}

/**
 * The likelihood `logLikelihood` computes for an affine score with `divergence: 'exact'`,
 * in closed form through the Runge–Kutta 4 map `x_T = Φ x + φ` (see the module doc), and
 * the exact log-density of that map's model.
 *
 * @param score - an affine OU score (`affineAt`), e.g. `gaussianScore`
 * @param x - contiguous `n × d` batch of points
 * @param options - `T` and the grid (forward times `T = t_0 > … > t_N = δ`)
 * @throws InvalidArgumentError for a non-affine score, a bad batch or grid
 * @example
 * const exact = exactPFODELikelihood(gaussianScore({ mean: [0], covariance: 2 }), fromArray([[1]]), { T: 10, grid: uniformGrid(10, 100) });
 */
export function exactPFODELikelihood(
  score: Score,
  x: Batch,
  options: ExactPFODELikelihoodOptions,
): ExactPFODELikelihood {
  const fn = 'exactPFODELikelihood';
  expectScore(fn, 'score', score, { kind: 'ou', affine: true });
  const d = score.dim;
  const [n] = expectBatch(fn, 'x', x, d);
  if (n < 1) throw new InvalidArgumentError(fn, 'x', x, 'a batch with at least one row');
  expectAllFinite(fn, 'x.data', x.data.subarray(x.offset, x.offset + n * d));
  if (options === null || typeof options !== 'object')
    throw new InvalidArgumentError(fn, 'options', options, 'an options object { T, grid }');
  const grid = expectHorizonAndGrid(fn, options.T, options.grid);
  const w = d + 1;
  const z = new Float64Array(d * w);
  for (let i = 0; i < d; i++) z[i * w + i] = 1;
  let divergenceIntegral = 0;
  for (let k = grid.length - 1; k > 0; k--) divergenceIntegral += affineStep(score, grid[k]!, grid[k - 1]!, d, z);
  const matrix = new Float64Array(d * d);
  const offset = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) matrix[i * d + j] = z[i * w + j]!;
    offset[i] = z[i * w + d]!;
  }
  const mapLogDeterminant = logAbsDeterminant(matrix, d);
  const logLikelihood = new Float64Array(n);
  const mapLogLikelihood = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let squared = 0;
    for (let i = 0; i < d; i++) {
      let y = offset[i]!;
      for (let j = 0; j < d; j++) y += matrix[i * d + j]! * x.data[x.offset + r * d + j]!;
      squared += y * y;
    }
    const prior = -0.5 * squared - 0.5 * d * LOG_TWO_PI;
    logLikelihood[r] = prior + divergenceIntegral;
    mapLogLikelihood[r] = prior + mapLogDeterminant;
  }
  return { logLikelihood, mapLogLikelihood, matrix, offset, divergenceIntegral, mapLogDeterminant };
}
