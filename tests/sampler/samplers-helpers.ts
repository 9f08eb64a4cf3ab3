// Test helpers for the sampler tests: small exact scores written independently of @sgmkit/score.
import type { Batch } from '@sgmkit/tensor';
import type { CLDScore, Score } from '@sgmkit/score';

/** Exact OU score of N(mean, diag(variance)) data: q_t = N(mean e^{-t}, variance e^{-2t} + 1 - e^{-2t}). */
export function diagonalGaussianScore(mean: number[], variance: number[]): Score {
  const d = mean.length;
  return {
    kind: 'ou',
    dim: d,
    evaluate(t: number, x: Batch, out: Batch): void {
      const e = Math.exp(-t);
      const n = x.shape[0]!;
      for (let j = 0; j < d; j++) {
        const m = mean[j]! * e;
        const v = variance[j]! * e * e - Math.expm1(-2 * t);
        for (let i = 0; i < n; i++) out.data[out.offset + i * d + j] = -(x.data[x.offset + i * d + j]! - m) / v;
      }
    },
  };
}

/** Exact CLD velocity score for N(0, I) data and N(0, I) initial velocity: the stationary score -v. */
export function stationaryCLDScore(d: number): CLDScore {
  return {
    kind: 'cld',
    dim: d,
    evaluate(_t: number, _x: Batch, v: Batch, out: Batch): void {
      const m = v.shape[0]! * d;
      for (let i = 0; i < m; i++) out.data[out.offset + i] = -v.data[v.offset + i]!;
    },
  };
}

/** Column means and (population) variances of an n × d batch. */
export function columnMoments(b: Batch): { mean: number[]; variance: number[] } {
  const [n, d] = b.shape as [number, number];
  const mean = new Array<number>(d).fill(0);
  const variance = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += b.data[b.offset + i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) variance[j]! += (b.data[b.offset + i * d + j]! - mean[j]!) ** 2;
  for (let j = 0; j < d; j++) variance[j]! /= n - 1;
  return { mean, variance };
}

/** The data of a batch as a plain array (for bit-for-bit comparisons). */
export function values(b: Batch): number[] {
  return Array.from(b.data.subarray(b.offset, b.offset + b.shape[0]! * b.shape[1]!));
}
