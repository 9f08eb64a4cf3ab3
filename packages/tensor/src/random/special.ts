/**
 * Special functions the random module needs in double precision: `erfc` builds
 * the ziggurat tables and gives exact Gaussian tail probabilities for tests.
 * @packageDocumentation
 */
import { exp } from '../math/portable.js';

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** erf by its Taylor series; accurate to a few ulps for |x| <= 1.5, where the terms stay small. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const next = sum + term / (2 * n + 1);
    if (next === sum) break;
    sum = next;
  }
  return TWO_OVER_SQRT_PI * sum;
}

/**
 * erfc for x > 1.5 by its continued fraction
 * `erfc x = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))`, evaluated with
 * the modified Lentz method; no cancellation, so the relative error stays near 1 ulp far into the tail.
 */
function erfcContinuedFraction(x: number): number {
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + an / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-17) break;
  }
  return (exp(-x * x) * ONE_OVER_SQRT_PI) / f;
}

/** The complementary error function `erfc(x) = 1 − erf(x)`, to about 1e-15 relative accuracy. */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  return x <= 1.5 ? 1 - erfSeries(x) : erfcContinuedFraction(x);
}

/** The standard normal distribution function `Φ(x) = P(Z ≤ x)`, accurate in both tails. */
export function standardNormalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}
