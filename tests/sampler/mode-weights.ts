// Mode weights of mixture samples: every sample is assigned to a cell (its nearest mode), and the exact probability
// of each cell under the target is computed independently (closed forms and quadrature, nothing from the package),
// so a sampler's cell counts can be compared with the target's within k multinomial standard errors.
import { K_SE } from '../helpers/statistics';
import type { Batch } from '@sgmkit/tensor';

/** erfc with fractional error < 1.2e-7 (Numerical Recipes, Chebyshev fit). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
export const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);

/**
 * P(angle of X ∈ [a, b]) for X ~ N(μ, σ²I): the density of the angle is
 * e^{−p²/2σ²}/(2πσ²)·[σ² e^{−c²/2σ²} + cσ√(2π) Φ(c/σ)] with c = u(θ)·μ, p² = |μ|² − c² (radial integral in closed form).
 */
export function wedgeProbability(mu: [number, number], sigma: number, a: number, b: number): number {
  const m = 4000;
  const s2 = sigma * sigma;
  let sum = 0;
  for (let q = 0; q <= m; q++) {
    const theta = a + ((b - a) * q) / m;
    const c = Math.cos(theta) * mu[0] + Math.sin(theta) * mu[1];
    const p2 = mu[0] * mu[0] + mu[1] * mu[1] - c * c;
    const f =
      (Math.exp(-p2 / (2 * s2)) / (2 * Math.PI * s2)) *
      (s2 * Math.exp(-(c * c) / (2 * s2)) + c * sigma * Math.sqrt(2 * Math.PI) * normalCdf(c / sigma));
    sum += (q === 0 || q === m ? 1 : q % 2 ? 4 : 2) * f;
  }
  return (sum * (b - a)) / (3 * m);
}

/** A ring of K modes at radius R, each N(μ_k, σ²I): cells are the angular wedges of angle 2π/K around each mode. */
export interface Ring {
  readonly modes: number;
  readonly radius: number;
  readonly std: number;
}

/** Exact probability that a target sample's nearest mode is mode k. */
export function ringCellProbabilities(ring: Ring, weights: readonly number[]): number[] {
  const { modes: K, radius, std } = ring;
  const means = Array.from(
    { length: K },
    (_, k) => [radius * Math.cos((2 * Math.PI * k) / K), radius * Math.sin((2 * Math.PI * k) / K)] as [number, number],
  );
  return means.map((_, k) => {
    const centre = (2 * Math.PI * k) / K;
    return weights.reduce(
      (acc, w, j) => acc + w * wedgeProbability(means[j]!, std, centre - Math.PI / K, centre + Math.PI / K),
      0,
    );
  });
}

export function ringCellCounts(ring: Ring, samples: Batch): number[] {
  const K = ring.modes;
  const counts = new Array<number>(K).fill(0);
  const n = samples.shape[0]!;
  for (let i = 0; i < n; i++) {
    const angle = Math.atan2(samples.data[samples.offset + 2 * i + 1]!, samples.data[samples.offset + 2 * i]!);
    counts[((Math.round(angle / ((2 * Math.PI) / K)) % K) + K) % K]! += 1;
  }
  return counts;
}

/**
 * Axis-aligned grid of modes at `centres × centres`, each N(μ, σ²I). The nearest-mode cells are products of
 * intervals (midpoints between centres, unbounded at the ends), so each cell's probability under one
 * component is a product of two 1-D normal probabilities.
 */
export interface Grid {
  readonly centres: readonly number[];
  readonly std: number;
}

function intervals(centres: readonly number[]): [number, number][] {
  return centres.map((_, i) => [
    i === 0 ? -Infinity : (centres[i - 1]! + centres[i]!) / 2,
    i === centres.length - 1 ? Infinity : (centres[i]! + centres[i + 1]!) / 2,
  ]);
}

function intervalProbability([lo, hi]: [number, number], mean: number, std: number): number {
  const upper = hi === Infinity ? 1 : normalCdf((hi - mean) / std);
  const lower = lo === -Infinity ? 0 : normalCdf((lo - mean) / std);
  return upper - lower;
}

/** Cell (i, j) ↦ index i·m + j, mode (centres[i], centres[j]) with weight weights[i·m + j]. */
export function gridCellProbabilities(grid: Grid, weights: readonly number[]): number[] {
  const cells = intervals(grid.centres);
  const m = grid.centres.length;
  const probabilities = new Array<number>(m * m).fill(0);
  for (let a = 0; a < m; a++)
    for (let b = 0; b < m; b++) {
      for (let i = 0; i < m; i++)
        for (let j = 0; j < m; j++) {
          probabilities[a * m + b]! +=
            weights[i * m + j]! *
            intervalProbability(cells[a]!, grid.centres[i]!, grid.std) *
            intervalProbability(cells[b]!, grid.centres[j]!, grid.std);
        }
    }
  return probabilities;
}

function nearestIndex(cells: [number, number][], value: number): number {
  return cells.findIndex(([lo, hi]) => value >= lo && value < hi);
}

export function gridCellCounts(grid: Grid, samples: Batch): number[] {
  const cells = intervals(grid.centres);
  const m = grid.centres.length;
  const counts = new Array<number>(m * m).fill(0);
  const n = samples.shape[0]!;
  for (let i = 0; i < n; i++) {
    counts[
      nearestIndex(cells, samples.data[samples.offset + 2 * i]!) * m +
        nearestIndex(cells, samples.data[samples.offset + 2 * i + 1]!)
    ]! += 1;
  }
  return counts;
}

/** 1-D mixture Σ w_k N(m_k, σ_k²): cells split at `cuts` (sorted), probabilities by the normal CDF. */
export function lineCellProbabilities(
  cuts: readonly number[],
  weights: readonly number[],
  means: readonly number[],
  stds: readonly number[],
): number[] {
  const edges = [-Infinity, ...cuts, Infinity];
  return edges
    .slice(1)
    .map((hi, c) =>
      weights.reduce((acc, w, k) => acc + w * intervalProbability([edges[c]!, hi], means[k]!, stds[k]!), 0),
    );
}

export function lineCellCounts(cuts: readonly number[], samples: Batch): number[] {
  const counts = new Array<number>(cuts.length + 1).fill(0);
  for (let i = 0; i < samples.shape[0]!; i++) {
    const x = samples.data[samples.offset + i]!;
    let c = 0;
    while (c < cuts.length && x >= cuts[c]!) c++;
    counts[c]! += 1;
  }
  return counts;
}

/** Cells whose count is more than `k` multinomial standard errors (SE = √(n p (1 − p)), from the exact p) from n·p. */
export function cellDeviations(counts: readonly number[], probabilities: readonly number[], k = K_SE): string[] {
  const n = counts.reduce((a, b) => a + b, 0);
  const out: string[] = [];
  counts.forEach((count, c) => {
    const p = probabilities[c]!;
    const z = (count - n * p) / Math.sqrt(n * p * (1 - p));
    if (!(Math.abs(z) <= k))
      out.push(`cell ${c}: ${count} samples, expected ${(n * p).toFixed(1)} (${z.toFixed(2)} SE)`);
  });
  return out;
}

/** Largest |z| over the cells. */
export function largestCellZ(counts: readonly number[], probabilities: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return Math.max(
    ...counts.map(
      (count, c) =>
        Math.abs(count - n * probabilities[c]!) / Math.sqrt(n * probabilities[c]! * (1 - probabilities[c]!)),
    ),
  );
}
