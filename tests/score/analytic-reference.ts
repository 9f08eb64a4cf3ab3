// Independent reference formulas for the analytic-score tests: plain nested arrays,
// Gaussian elimination with partial pivoting, densities written out term by term.
// Nothing here shares code with packages/score (evaluateRows only calls a score's evaluate).
import { batch, fromArray } from '@sgmkit/tensor';
import type { Score } from '@sgmkit/score';

export type Matrix = number[][];

export function identityMatrix(d: number): Matrix {
  return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0)));
}

/** OU covariance at t: e^{-2t} Σ + (1 - e^{-2t}) I, written directly. */
export function ouCovariance(sigma: Matrix, t: number): Matrix {
  const a = Math.exp(-2 * t);
  return sigma.map((row, i) => row.map((v, j) => a * v + (i === j ? 1 - a : 0)));
}

/** Solves A y = b by Gaussian elimination with partial pivoting; also returns ln|det A|. */
export function solve(a: Matrix, b: number[]): { y: number[]; logAbsDet: number } {
  const d = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  let logAbsDet = 0;
  for (let col = 0; col < d; col++) {
    let pivot = col;
    for (let r = col + 1; r < d; r++) if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    logAbsDet += Math.log(Math.abs(m[col]![col]!));
    for (let r = col + 1; r < d; r++) {
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= d; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  const y = new Array<number>(d).fill(0);
  for (let r = d - 1; r >= 0; r--) {
    let s = m[r]![d]!;
    for (let c = r + 1; c < d; c++) s -= m[r]![c]! * y[c]!;
    y[r] = s / m[r]![r]!;
  }
  return { y, logAbsDet };
}

/** ln N(x; mean, cov), directly. */
export function logGaussianDensity(x: number[], mean: number[], cov: Matrix): number {
  const diff = x.map((v, i) => v - mean[i]!);
  const { y, logAbsDet } = solve(cov, diff);
  const quadratic = diff.reduce((s, v, i) => s + v * y[i]!, 0);
  return -0.5 * (quadratic + logAbsDet + x.length * Math.log(2 * Math.PI));
}

/** ln Σ_k w_k N(x; m_k, C_k) with the largest term factored out. */
export function logMixtureDensity(x: number[], weights: number[], means: number[][], covs: Matrix[]): number {
  const logs = weights.map((w, k) => Math.log(w) + logGaussianDensity(x, means[k]!, covs[k]!));
  const max = Math.max(...logs);
  return max + Math.log(logs.reduce((s, l) => s + Math.exp(l - max), 0));
}

/** Central finite-difference gradient of f at x with step h. */
export function finiteDifferenceGradient(f: (x: number[]) => number, x: number[], h: number): number[] {
  return x.map((_, i) => {
    const plus = [...x];
    const minus = [...x];
    plus[i]! += h;
    minus[i]! -= h;
    return (f(plus) - f(minus)) / (2 * h);
  });
}

/** Diagonal matrix from a vector. */
export function diagonalMatrix(values: number[]): Matrix {
  return values.map((v, i) => values.map((_, j) => (i === j ? v : 0)));
}

/** A fixed well-conditioned SPD matrix in d dimensions: B Bᵀ + d·I with B from a deterministic formula. */
export function spdMatrix(d: number, seed = 1): Matrix {
  const b = Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => Math.sin(seed * (i + 1) * 1.7 + (j + 1) * 0.9)),
  );
  return Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => b[i]!.reduce((s, v, k) => s + v * b[j]![k]!, 0) + (i === j ? 0.5 : 0)),
  );
}

/** Deterministic scattered test points (no RNG needed): a low-discrepancy-ish spiral. */
export function testPoints(n: number, d: number, scale: number): number[][] {
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: d }, (_, j) => scale * Math.sin(2.3 * i + 1.1 * j + 0.7 * i * j + 0.3)),
  );
}

/** Seeded standard normals for tests (mulberry32 + Box–Muller); independent of the library's streams. */
export function normalSource(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return (((z ^ (z >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = r * Math.sin(angle);
    return r * Math.cos(angle);
  };
}

export { expectArgumentError } from '../helpers/errors';

/** `score.evaluate(t, ·)` on the given points, returned as rows. */
export function evaluateRows(
  score: Score,
  t: number,
  points: number[][],
  dtype: 'float64' | 'float32' = 'float64',
): number[][] {
  const out = batch(points.length, score.dim, dtype);
  score.evaluate(t, fromArray(points, dtype), out);
  return points.map((_, i) => Array.from(out.data.subarray(i * score.dim, (i + 1) * score.dim)));
}
