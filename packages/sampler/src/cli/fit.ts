/**
 * Scaling exponents: the least-squares slope of `log y` against `log x`.
 * @packageDocumentation
 */

/** A fitted power law `y ≈ c·x^exponent`. */
export interface PowerLawFit {
  readonly exponent: number;
  /** Coefficient of determination of the log-log fit (1 = a perfect power law). */
  readonly r2: number;
  /** Number of points used (finite and positive on both axes). */
  readonly points: number;
}

/** Fits `y ≈ c·x^p` by least squares on `(log x, log y)`; NaN exponent with fewer than two usable points. */
export function fitPowerLaw(x: ArrayLike<number>, y: ArrayLike<number>): PowerLawFit {
  const lx: number[] = [];
  const ly: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (x[i]! > 0 && y[i]! > 0 && Number.isFinite(x[i]!) && Number.isFinite(y[i]!)) {
      lx.push(Math.log(x[i]!));
      ly.push(Math.log(y[i]!));
    }
  }
  const n = lx.length;
  if (n < 2) return { exponent: NaN, r2: NaN, points: n };
  const mx = lx.reduce((a, v) => a + v, 0) / n;
  const my = ly.reduce((a, v) => a + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (lx[i]! - mx) * (ly[i]! - my);
    sxx += (lx[i]! - mx) ** 2;
    syy += (ly[i]! - my) ** 2;
  }
  return { exponent: sxy / sxx, r2: syy > 0 ? (sxy * sxy) / (sxx * syy) : 1, points: n };
}
