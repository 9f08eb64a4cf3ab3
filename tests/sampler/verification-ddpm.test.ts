// The heart of the sampler tests: for Gaussian data the output law of every DDPM sampler is Gaussian and known
// exactly (exactDDPMLaw, an affine recursion written independently of the samplers). A Monte-Carlo run of the
// real sampler (n = 10^5) must agree with it: projected means and variances within 5 standard errors computed
// from the exact law.
import { gaussianScore, biasedScore, scaledScore } from '@sgmkit/score';
import type { Score } from '@sgmkit/score';
import {
  gaussianLaw,
  sampleDDPM,
  exactDDPMLaw,
  uniformGrid,
  earlyStoppingGrid,
  SINGLE_STEP_DDPM_METHODS as DDPM_METHODS,
} from '@sgmkit/sampler';
import type { DDPMMethod, GaussianLaw } from '@sgmkit/sampler';
import { deviations, failures } from './verification-helpers';

const N = 100_000;

const law = gaussianLaw;

function diag(values: number[]): number[][] {
  return values.map((v, i) => values.map((_, j) => (i === j ? v : 0)));
}

// A fixed full 5 × 5 SPD covariance: A Aᵀ + 0.2 I with a hand-written A.
const A5 = [
  [1, 0.2, -0.3, 0, 0.1],
  [0.4, 0.8, 0, 0.2, 0],
  [0, -0.5, 0.6, 0.1, 0.3],
  [0.2, 0, 0.3, 0.5, -0.2],
  [0.1, 0.1, 0, -0.4, 0.7],
];
const SIGMA5 = A5.map((r, i) => A5.map((s, j) => r.reduce((acc, a, k) => acc + a * s[k]!, 0) + (i === j ? 0.2 : 0)));

interface Target {
  readonly name: string;
  readonly mean: number[];
  readonly covariance: number[][];
}
const TARGETS: Target[] = [
  { name: 'd = 1', mean: [1.5], covariance: [[0.3]] },
  { name: 'd = 2 isotropic', mean: [-1, 2], covariance: diag([0.5, 0.5]) },
  { name: 'd = 2 diagonal', mean: [1, -2], covariance: diag([0.25, 3]) },
  {
    name: 'd = 2 full',
    mean: [0.5, 1],
    covariance: [
      [1, 0.8],
      [0.8, 2],
    ],
  },
  { name: 'd = 5 full', mean: [1, 0, -1, 2, 0.5], covariance: SIGMA5 },
];

async function check(
  score: Score,
  data: GaussianLaw,
  options: {
    T: number;
    grid: Float64Array;
    method: DDPMMethod;
    seed: number;
    corrector?: { steps: number; stepSize: number };
    dtype?: 'float32' | 'float64';
  },
): Promise<string[]> {
  const { T, grid, method, seed, corrector, dtype } = options;
  const exact = exactDDPMLaw(data, { T, grid, method, corrector, score });
  const run = await sampleDDPM(score, { T, grid, method, seed, corrector, dtype, n: N });
  return failures(deviations(run.samples, exact));
}

describe('DDPM Monte Carlo agrees with the exact output law (5 SE)', () => {
  const cases: [string, DDPMMethod, number, number, number][] = [];
  TARGETS.forEach((target, t) => {
    // horizons and step counts vary with the target; steps stay below every stability limit
    // two (horizon, step count) pairs per target; every step stays below every stability limit
    const horizons: [number, number][] = [
      [
        [3, 15],
        [1.5, 6],
      ],
      [
        [5, 10],
        [8, 40],
      ],
      [
        [2, 8],
        [3, 30],
      ],
      [
        [4, 20],
        [2, 5],
      ],
      [
        [6, 12],
        [10, 25],
      ],
    ][t]! as [number, number][];
    horizons.forEach(([T, steps], h) =>
      DDPM_METHODS.forEach((method, m) => cases.push([target.name, method, T, steps, 1000 * t + 100 * h + m])),
    );
  });

  test.each(cases)('%s, %s, T = %d, %d steps', async (name, method, T, steps, seed) => {
    const target = TARGETS.find((x) => x.name === name)!;
    const data = law(target.mean, target.covariance);
    const score = gaussianScore({ mean: target.mean, covariance: target.covariance });
    expect(await check(score, data, { T, grid: uniformGrid(T, steps), method, seed })).toEqual([]);
  });

  test('early-stopping grid (δ = 0.01), exponential integrator and ancestral', async () => {
    const target = TARGETS[3]!;
    const data = law(target.mean, target.covariance);
    const score = gaussianScore({ mean: target.mean, covariance: target.covariance });
    const grid = earlyStoppingGrid(5, 0.01, 20);
    for (const method of ['exponential-integrator', 'ancestral'] as const) {
      expect(await check(score, data, { T: 5, grid, method, seed: 77 })).toEqual([]);
    }
  });

  test('large steps close to the stability limit (h = 1 < ln 3): the exact law still matches', async () => {
    const data = law([2], [[0.1]]);
    const score = gaussianScore({ mean: [2], covariance: [[0.1]] });
    expect(
      await check(score, data, { T: 5, grid: uniformGrid(5, 5), method: 'exponential-integrator', seed: 5 }),
    ).toEqual([]);
  });

  test.each(DDPM_METHODS.map((m) => [m]))('Langevin corrector (2 steps, ε = 0.05) after %s', async (method) => {
    const target = TARGETS[3]!;
    const data = law(target.mean, target.covariance);
    const score = gaussianScore({ mean: target.mean, covariance: target.covariance });
    expect(
      await check(score, data, {
        T: 3,
        grid: uniformGrid(3, 10, 0.01),
        method,
        seed: 31,
        corrector: { steps: 2, stepSize: 0.05 },
      }),
    ).toEqual([]);
  });

  test('a biased score and a scaled score (known affine errors) on the full 5-d target', async () => {
    const target = TARGETS[4]!;
    const data = law(target.mean, target.covariance);
    const exact = gaussianScore({ mean: target.mean, covariance: target.covariance });
    const biased = biasedScore(exact, [0.3, -0.2, 0, 0.1, 0.5]);
    const scaled = scaledScore(exact, 0.15);
    expect(
      await check(biased, data, { T: 4, grid: uniformGrid(4, 12), method: 'exponential-integrator', seed: 41 }),
    ).toEqual([]);
    expect(await check(biased, data, { T: 4, grid: uniformGrid(4, 12), method: 'euler-maruyama', seed: 42 })).toEqual(
      [],
    );
    expect(await check(scaled, data, { T: 4, grid: uniformGrid(4, 12), method: 'ancestral', seed: 43 })).toEqual([]);
  });

  test('float32 particles follow the same exact law', async () => {
    const target = TARGETS[3]!;
    const data = law(target.mean, target.covariance);
    const score = gaussianScore({ mean: target.mean, covariance: target.covariance });
    expect(
      await check(score, data, {
        T: 4,
        grid: uniformGrid(4, 20),
        method: 'exponential-integrator',
        seed: 51,
        dtype: 'float32',
      }),
    ).toEqual([]);
  });

  test('the comparison has power: samples of one method are rejected against the exact law of another', async () => {
    const data = law([1.5], [[0.3]]);
    const score = gaussianScore({ mean: [1.5], covariance: [[0.3]] });
    const grid = uniformGrid(3, 15);
    const run = await sampleDDPM(score, { T: 3, grid, method: 'exponential-integrator', seed: 61, n: N });
    const wrong = exactDDPMLaw(data, { T: 3, grid, method: 'euler-maruyama' });
    expect(failures(deviations(run.samples, wrong)).length).toBeGreaterThan(0);
  });
});
