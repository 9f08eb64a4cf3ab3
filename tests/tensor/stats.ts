// Shared statistical checks for the random and kernel tests. Tolerances are
// k·SE with k = 5 and SE computed from the exact law, never tuned.
import { standardNormalCdf } from '@sgmkit/tensor';

import { K_SE } from '../helpers/statistics';

export { K_SE };

/** Sample moments of standard-normal draws, each as a z-score against its exact SE. */
export function normalMomentZScores(values: ArrayLike<number>): {
  mean: number;
  variance: number;
  skewness: number;
  kurtosis: number;
} {
  const n = values.length;
  let s1 = 0,
    s2 = 0,
    s3 = 0,
    s4 = 0;
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    const x2 = x * x;
    s1 += x;
    s2 += x2;
    s3 += x2 * x;
    s4 += x2 * x2;
  }
  // Raw moments of N(0,1): E z = 0 (var 1), E z² = 1 (var 2), E z³ = 0 (var 15), E z⁴ = 3 (var 105 − 9 = 96).
  return {
    mean: s1 / n / Math.sqrt(1 / n),
    variance: (s2 / n - 1) / Math.sqrt(2 / n),
    skewness: s3 / n / Math.sqrt(15 / n),
    kurtosis: (s4 / n - 3) / Math.sqrt(96 / n),
  };
}

/** z-score of the frequency of |z| > t against the exact two-sided tail 2Φ(−t), binomial SE. */
export function tailZScore(values: ArrayLike<number>, t: number): number {
  let hits = 0;
  for (let i = 0; i < values.length; i++) if (Math.abs(values[i]!) > t) hits++;
  const p = 2 * standardNormalCdf(-t);
  const n = values.length;
  return (hits / n - p) / Math.sqrt((p * (1 - p)) / n);
}

/** Kolmogorov–Smirnov statistic √n·D of the sample against `cdf` (default Φ). */
export function ksStatistic(values: ArrayLike<number>, cdf: (x: number) => number = standardNormalCdf): number {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]!);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return Math.sqrt(n) * d;
}

/**
 * Critical value of √n·D at significance `alpha` from the Kolmogorov limit law,
 * P(K > k) ≈ 2 exp(−2k²) (accurate in the far tail, and n = 10^6 is deep in the asymptotic regime).
 */
export function ksCriticalValue(alpha: number): number {
  return Math.sqrt(-Math.log(alpha / 2) / 2);
}
