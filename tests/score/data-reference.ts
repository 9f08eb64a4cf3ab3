// Exact laws and test statistics for the data-sampler tests: moments of Gaussian mixtures
// written out from their definitions, the Kolmogorov–Smirnov statistic and the DKW bound.
import { standardNormalCdf, type Batch } from '@sgmkit/tensor';
import type { Matrix } from './analytic-reference';

export interface ExactMoments {
  readonly mean: number[];
  readonly covariance: Matrix;
  /** `E[U_i² U_j²]` with `U = X − mean`: gives the variance of the sample covariance entry (i, j). */
  readonly fourth: Matrix;
}

/** Mean, covariance and `E[U_i² U_j²]` of `Σ_k w_k N(μ_k, S_k)` (a Gaussian is one component). */
export function mixtureMoments(weights: number[], means: number[][], covariances: Matrix[]): ExactMoments {
  const d = means[0]!.length;
  const range = Array.from({ length: d }, (_, i) => i);
  const mean = range.map((i) => weights.reduce((s, w, k) => s + w * means[k]![i]!, 0));
  const covariance = range.map((i) =>
    range.map((j) =>
      weights.reduce((s, w, k) => {
        const a = means[k]!.map((m, c) => m - mean[c]!);
        return s + w * (covariances[k]![i]![j]! + a[i]! * a[j]!);
      }, 0),
    ),
  );
  // For Y ~ N(a, S): E[Y_i² Y_j²] = a_i²a_j² + a_i²S_jj + a_j²S_ii + 4a_i a_j S_ij + S_ii S_jj + 2S_ij² (Isserlis).
  const fourth = range.map((i) =>
    range.map((j) =>
      weights.reduce((s, w, k) => {
        const a = means[k]!.map((m, c) => m - mean[c]!);
        const S = covariances[k]!;
        const [ai, aj, sii, sjj, sij] = [a[i]!, a[j]!, S[i]![i]!, S[j]![j]!, S[i]![j]!];
        return (
          s + w * (ai * ai * aj * aj + ai * ai * sjj + aj * aj * sii + 4 * ai * aj * sij + sii * sjj + 2 * sij * sij)
        );
      }, 0),
    ),
  );
  return { mean, covariance, fourth };
}

/** The `d × d` matrix of a covariance given as a number, a diagonal or a matrix. */
export function covarianceMatrix(covariance: number | number[] | Matrix, d: number): Matrix {
  if (typeof covariance === 'number')
    return Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? covariance : 0)));
  if (!Array.isArray(covariance[0]))
    return (covariance as number[]).map((v, i) => (covariance as number[]).map((_, j) => (i === j ? v : 0)));
  return covariance as Matrix;
}

/** Rows of a batch as nested arrays (double precision). */
export function rowsOf(x: Batch): number[][] {
  const [n, d] = x.shape as [number, number];
  return Array.from({ length: n }, (_, i) => Array.from(x.data.subarray(x.offset + i * d, x.offset + (i + 1) * d)));
}

/**
 * Sample mean within k·sqrt(C_jj/n) and sample covariance within k·sqrt((E[U_i²U_j²] − C_ij²)/n)
 * of the exact values, the standard errors computed from the exact law.
 */
export function expectMomentsWithin(x: Batch, exact: ExactMoments, k: number): void {
  const rows = rowsOf(x);
  const n = rows.length;
  const d = exact.mean.length;
  const mean = exact.mean.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / n);
  mean.forEach((m, j) =>
    expect(Math.abs(m - exact.mean[j]!)).toBeLessThan(k * Math.sqrt(exact.covariance[j]![j]! / n)),
  );
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      const sample = rows.reduce((s, r) => s + (r[i]! - mean[i]!) * (r[j]! - mean[j]!), 0) / (n - 1);
      const exactValue = exact.covariance[i]![j]!;
      const standardError = Math.sqrt((exact.fourth[i]![j]! - exactValue * exactValue) / n);
      expect(Math.abs(sample - exactValue)).toBeLessThan(k * standardError);
    }
  }
}

/** Kolmogorov–Smirnov statistic `sup_x |F_n(x) − F(x)|` of `values` against the continuous cdf `F`. */
export function ksStatistic(values: number[], cdf: (x: number) => number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  return sorted.reduce((worst, v, i) => {
    const f = cdf(v);
    return Math.max(worst, (i + 1) / n - f, f - i / n);
  }, 0);
}

/**
 * Critical value of the KS statistic at significance `alpha` from the Dvoretzky–Kiefer–Wolfowitz
 * inequality with Massart's constant, `P(D_n > ε) ≤ 2e^{−2nε²}`, which holds for every n (no asymptotics).
 */
export function ksCriticalValue(n: number, alpha: number): number {
  return Math.sqrt(Math.log(2 / alpha) / (2 * n));
}

/** cdf of coordinate j of `Σ_k w_k N(μ_k, S_k)`. */
export function mixtureMarginalCdf(
  weights: number[],
  means: number[][],
  covariances: Matrix[],
  j: number,
): (x: number) => number {
  return (x) =>
    weights.reduce((s, w, k) => s + w * standardNormalCdf((x - means[k]![j]!) / Math.sqrt(covariances[k]![j]![j]!)), 0);
}

/** The raw bytes of rows `[from, to)` of a batch: equality of these is bit-for-bit equality. */
export function rowBytes(x: Batch, from = 0, to = x.shape[0]!): Uint8Array {
  const d = x.shape[1]!;
  const size = x.data.BYTES_PER_ELEMENT;
  return new Uint8Array(x.data.buffer, x.data.byteOffset + (x.offset + from * d) * size, (to - from) * d * size);
}
