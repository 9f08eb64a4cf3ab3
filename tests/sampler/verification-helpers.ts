// Monte-Carlo vs exact-law comparison for the verification tests.
// SEs come from the exact law: SE(mean of u·X) = sqrt(uᵀΣu / n); SE(sample variance) = uᵀΣu·sqrt(2/(n−1)) (Gaussian output).
import type { Batch } from '@sgmkit/tensor';

export interface ExactLaw {
  readonly mean: Float64Array;
  readonly covariance: { readonly data: Float64Array };
}

import { K_SE } from '../helpers/statistics';

export { K_SE };

/** Unit directions to project on: every coordinate axis, plus (1, …, 1)/√d and an alternating direction when d > 1. */
export function testDirections(d: number): Float64Array[] {
  const dirs: Float64Array[] = [];
  for (let j = 0; j < d; j++) {
    const e = new Float64Array(d);
    e[j] = 1;
    dirs.push(e);
  }
  if (d > 1) {
    dirs.push(new Float64Array(d).fill(1 / Math.sqrt(d)));
    const alt = new Float64Array(d);
    for (let j = 0; j < d; j++) alt[j] = (j % 2 === 0 ? 1 : -1) * (j + 1);
    const norm = Math.hypot(...alt);
    dirs.push(alt.map((a) => a / norm));
  }
  return dirs;
}

export interface Deviation {
  readonly what: string;
  readonly z: number;
  readonly observed: number;
  readonly expected: number;
  readonly se: number;
}

/**
 * Standardised deviations (observed − exact)/SE of the projected means and variances.
 * `d` columns of `samples` (or the columns [offset, offset + d) of a wider batch) are compared to `law`.
 */
export function deviations(
  samples: Batch,
  law: ExactLaw,
  d = law.mean.length,
  columnOffset = 0,
  lawOffset = 0,
  lawDim = law.mean.length,
): Deviation[] {
  const [n, width] = samples.shape as [number, number];
  const out: Deviation[] = [];
  for (const u of testDirections(d)) {
    let sum = 0;
    const projections = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let p = 0;
      for (let j = 0; j < d; j++) p += u[j]! * samples.data[samples.offset + i * width + columnOffset + j]!;
      projections[i] = p;
      sum += p;
    }
    const mean = sum / n;
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (projections[i]! - mean) ** 2;
    const variance = ss / (n - 1);
    let exactMean = 0;
    let exactVariance = 0;
    for (let j = 0; j < d; j++) {
      exactMean += u[j]! * law.mean[lawOffset + j]!;
      for (let l = 0; l < d; l++)
        exactVariance += u[j]! * u[l]! * law.covariance.data[(lawOffset + j) * lawDim + lawOffset + l]!;
    }
    const seMean = Math.sqrt(exactVariance / n);
    const seVariance = exactVariance * Math.sqrt(2 / (n - 1));
    const label = `u = [${Array.from(u, (x) => x.toFixed(3)).join(', ')}]`;
    out.push({
      what: `mean along ${label}`,
      z: (mean - exactMean) / seMean,
      observed: mean,
      expected: exactMean,
      se: seMean,
    });
    out.push({
      what: `variance along ${label}`,
      z: (variance - exactVariance) / seVariance,
      observed: variance,
      expected: exactVariance,
      se: seVariance,
    });
  }
  return out;
}

/** The deviations beyond K_SE standard errors, formatted (empty when all agree). */
export function failures(devs: Deviation[]): string[] {
  return devs
    .filter((d) => !(Math.abs(d.z) <= K_SE))
    .map((d) => `${d.what}: observed ${d.observed}, exact ${d.expected}, ${d.z.toFixed(2)} SE`);
}
