// DDPM (exponential integrator, exact mixture score) on 8-mode 2-D ring mixtures recovers the mode weights:
// each sample is assigned to the nearest mode (an angular wedge of 45°); the exact probability of each wedge under
// the target is computed by quadrature, and the counts must agree within 5 multinomial standard errors per mode.
import { ringMixture, ringMixtureParameters, gaussianMixtureScore } from '@sgmkit/score';
import type { Batch } from '@sgmkit/tensor';
import { sampleDDPM, earlyStoppingGrid } from '@sgmkit/sampler';

const N = 100_000;
const K = 8;
const RADIUS = 4;
const STD = 0.5;

/** erfc with fractional error < 1.2e-7 (Numerical Recipes, Chebyshev fit). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
const normalCdf = (x: number): number => 0.5 * erfc(-x / Math.SQRT2);

/**
 * P(angle of X ∈ [a, b]) for X ~ N(μ, σ²I): the density of the angle is
 * e^{−p²/2σ²}/(2πσ²)·[σ² e^{−c²/2σ²} + cσ√(2π) Φ(c/σ)] with c = u(θ)·μ, p² = |μ|² − c² (radial integral in closed form).
 */
function wedgeProbability(mu: [number, number], sigma: number, a: number, b: number): number {
  const m = 4000;
  const s2 = sigma * sigma;
  let sum = 0;
  for (let q = 0; q <= m; q++) {
    const theta = a + ((b - a) * q) / m;
    const c = Math.cos(theta) * mu[0] + Math.sin(theta) * mu[1];
    const p2 = mu[0] * mu[0] + mu[1] * mu[1] - c * c;
    const f = (Math.exp(-p2 / (2 * s2)) / (2 * Math.PI * s2)) * (s2 * Math.exp(-(c * c) / (2 * s2)) + c * sigma * Math.sqrt(2 * Math.PI) * normalCdf(c / sigma));
    sum += (q === 0 || q === m ? 1 : q % 2 ? 4 : 2) * f;
  }
  return (sum * (b - a)) / (3 * m);
}

/** Exact probability that a target sample's nearest mode is mode k (wedge of angle 2π/K around mode k). */
function nearestModeProbabilities(weights: number[]): number[] {
  const means = Array.from({ length: K }, (_, k) => [RADIUS * Math.cos((2 * Math.PI * k) / K), RADIUS * Math.sin((2 * Math.PI * k) / K)] as [number, number]);
  return means.map((_, k) => {
    const centre = (2 * Math.PI * k) / K;
    return weights.reduce((acc, w, j) => acc + w * wedgeProbability(means[j]!, STD, centre - Math.PI / K, centre + Math.PI / K), 0);
  });
}

function nearestModeCounts(samples: Batch): number[] {
  const counts = new Array<number>(K).fill(0);
  const n = samples.shape[0]!;
  for (let i = 0; i < n; i++) {
    const angle = Math.atan2(samples.data[2 * i + 1]!, samples.data[2 * i]!);
    counts[((Math.round(angle / ((2 * Math.PI) / K)) % K) + K) % K]! += 1;
  }
  return counts;
}

function deviationsFromWeights(counts: number[], probabilities: number[]): string[] {
  const out: string[] = [];
  counts.forEach((count, k) => {
    const p = probabilities[k]!;
    const se = Math.sqrt(N * p * (1 - p));
    const z = (count - N * p) / se;
    if (!(Math.abs(z) <= 5)) out.push(`mode ${k}: ${count} samples, expected ${(N * p).toFixed(1)} (${z.toFixed(2)} SE)`);
  });
  return out;
}

describe('DDPM on 8-mode ring mixtures recovers the mode weights (5 multinomial SE per mode)', () => {
  test('wedge quadrature is a probability: the wedges of one component sum to 1', () => {
    const total = Array.from({ length: K }, (_, k) => wedgeProbability([RADIUS, 0], STD, (2 * Math.PI * k) / K - Math.PI / K, (2 * Math.PI * k) / K + Math.PI / K)).reduce((a, b) => a + b, 0);
    expect(Math.abs(total - 1)).toBeLessThan(1e-6);
  });

  test('ringMixture() (equal weights), T = 10, 400 steps, 2 workers', async () => {
    const run = await sampleDDPM(ringMixture(), { T: 10, grid: earlyStoppingGrid(10, 1e-3, 400), n: N, seed: 2024, workers: 2 });
    expect(deviationsFromWeights(nearestModeCounts(run.samples), nearestModeProbabilities(new Array(K).fill(1 / K)))).toEqual([]);
  });

  test('unequal weights on the same ring', async () => {
    const weights = [0.3, 0.2, 0.15, 0.1, 0.1, 0.06, 0.05, 0.04];
    const score = gaussianMixtureScore({ ...ringMixtureParameters(), weights });
    const run = await sampleDDPM(score, { T: 10, grid: earlyStoppingGrid(10, 1e-3, 400), n: N, seed: 7, workers: 2 });
    const probabilities = nearestModeProbabilities(weights);
    expect(deviationsFromWeights(nearestModeCounts(run.samples), probabilities)).toEqual([]);
    // power: the same counts are rejected against equal weights
    expect(deviationsFromWeights(nearestModeCounts(run.samples), nearestModeProbabilities(new Array(K).fill(1 / K))).length).toBeGreaterThan(0);
  });
});
