// CLD samplers against the exact joint law of (x, v) from exactCLDLaw (independent affine recursion):
// projected means and variances of positions, velocities and the joint vector within 5 SE (SE from the exact law).
import { cldGaussianScore } from '@sgmkit/score';
import type { CLDScore } from '@sgmkit/score';
import type { Batch } from '@sgmkit/tensor';
import {
  gaussianLaw,
  sampleCLD,
  exactCLDLaw,
  uniformGrid,
  stabilityLimit,
  customGrid,
  CLD_METHODS,
} from '@sgmkit/sampler';
import type { CLDMethod } from '@sgmkit/sampler';
import { deviations, failures } from './verification-helpers';

const N = 100_000;

const law = gaussianLaw;

/** [x | v] as one n × 2d batch. */
function joint(x: Batch, v: Batch): Batch {
  const [n, d] = x.shape as [number, number];
  const data = new Float64Array(2 * n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      data[2 * d * i + j] = x.data[x.offset + i * d + j]!;
      data[2 * d * i + d + j] = v.data[v.offset + i * d + j]!;
    }
  }
  return { data, shape: [n, 2 * d], stride: [2 * d, 1], offset: 0 };
}

interface Case {
  mean: number[];
  covariance: number[][];
  gamma: number;
}
const TARGETS: Record<string, Case> = {
  'd = 1, γ = 1': { mean: [1], covariance: [[0.5]], gamma: 1 },
  'd = 2 full, γ = 0.04': {
    mean: [0.5, -1],
    covariance: [
      [1, 0.4],
      [0.4, 0.3],
    ],
    gamma: 0.04,
  },
  'd = 5 diagonal, γ = 1': {
    mean: [1, 0, -1, 2, 0.5],
    covariance: [
      [2, 0, 0, 0, 0],
      [0, 0.5, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [0, 0, 0, 0.2, 0],
      [0, 0, 0, 0, 1.5],
    ],
    gamma: 1,
  },
};

async function check(
  name: string,
  options: {
    T: number;
    grid: Float64Array;
    method: CLDMethod;
    seed: number;
    corrector?: { steps: number; stepSize: number };
    score?: CLDScore;
    scoreError?: { scale: number; bias: Float64Array };
    dtype?: 'float32';
  },
): Promise<string[]> {
  const target = TARGETS[name]!;
  const data = law(target.mean, target.covariance);
  const exactScore = cldGaussianScore({
    mean: target.mean,
    covariance: target.covariance,
    initialVelocityVariance: target.gamma,
  });
  const score = options.score ?? exactScore;
  const { T, grid, method, seed, corrector } = options;
  const exact = exactCLDLaw(data, {
    T,
    grid,
    method,
    corrector,
    initialVelocityVariance: target.gamma,
    scoreError: options.scoreError,
  });
  const run = await sampleCLD(score, {
    T,
    grid,
    method,
    seed,
    corrector,
    n: N,
    returnVelocities: true,
    dtype: options.dtype,
  });
  return failures(deviations(joint(run.samples, run.velocities!), exact.joint));
}

describe('CLD Monte Carlo agrees with the exact joint law of (x, v) (5 SE)', () => {
  const cases: [string, CLDMethod, number, number][] = [];
  for (const name of Object.keys(TARGETS)) {
    for (const method of CLD_METHODS) {
      // exponential integrator: h = 0.4 < 0.537; Euler–Maruyama: finer; SSCS: coarse steps are stable
      const steps = method === 'euler-maruyama' ? 30 : method === 'sscs' ? 6 : 10;
      cases.push([name, method, 4, steps]);
    }
  }
  test.each(cases)('%s, %s, T = %d, %d steps', async (name, method, T, steps) => {
    expect(await check(name, { T, grid: uniformGrid(T, steps), method, seed: 100 + steps })).toEqual([]);
  });

  const horizons: [CLDMethod, number, number][] = [
    ['exponential-integrator', 2, 5],
    ['exponential-integrator', 6, 15],
    ['euler-maruyama', 2, 20],
    ['euler-maruyama', 6, 60],
    ['sscs', 2, 3],
    ['sscs', 6, 10],
  ];
  test.each(horizons)('d = 2 full, γ = 0.04, %s, T = %d, %d steps', async (method, T, steps) => {
    expect(await check('d = 2 full, γ = 0.04', { T, grid: uniformGrid(T, steps), method, seed: 200 + steps })).toEqual(
      [],
    );
  });

  test.each(CLD_METHODS.map((m) => [m]))('velocity Langevin corrector (1 step, ε = 0.1) after %s', async (method) => {
    expect(
      await check('d = 2 full, γ = 0.04', {
        T: 3,
        grid: uniformGrid(3, 10, 0.01),
        method,
        seed: 7,
        corrector: { steps: 1, stepSize: 0.1 },
      }),
    ).toEqual([]);
  });

  test.each(CLD_METHODS.map((m) => [m]))('float32 particles, %s', async (method) => {
    expect(
      await check('d = 2 full, γ = 0.04', {
        T: 3,
        grid: uniformGrid(3, method === 'euler-maruyama' ? 30 : 8),
        method,
        seed: 13,
        dtype: 'float32',
      }),
    ).toEqual([]);
  });

  test('a score with a known affine error: (1 + 0.2)·s_v + b', async () => {
    const target = TARGETS['d = 2 full, γ = 0.04']!;
    const exact = cldGaussianScore({
      mean: target.mean,
      covariance: target.covariance,
      initialVelocityVariance: target.gamma,
    });
    const bias = Float64Array.from([0.3, -0.1]);
    const wrong: CLDScore = {
      kind: 'cld',
      dim: 2,
      evaluate(t, x, v, out) {
        exact.evaluate(t, x, v, out);
        for (let i = 0; i < x.shape[0]!; i++)
          for (let j = 0; j < 2; j++)
            out.data[out.offset + 2 * i + j] = 1.2 * out.data[out.offset + 2 * i + j]! + bias[j]!;
      },
    };
    for (const method of ['exponential-integrator', 'sscs'] as const) {
      expect(
        await check('d = 2 full, γ = 0.04', {
          T: 3,
          grid: uniformGrid(3, 8),
          method,
          seed: 9,
          score: wrong,
          scoreError: { scale: 0.2, bias },
        }),
      ).toEqual([]);
    }
  });

  test('the comparison has power: SSCS samples are rejected against the exponential integrator law at coarse steps', async () => {
    const target = TARGETS['d = 1, γ = 1']!;
    const data = law(target.mean, target.covariance);
    const score = cldGaussianScore({
      mean: target.mean,
      covariance: target.covariance,
      initialVelocityVariance: target.gamma,
    });
    const grid = uniformGrid(4, 8);
    const run = await sampleCLD(score, { T: 4, grid, method: 'sscs', seed: 3, n: N, returnVelocities: true });
    const wrong = exactCLDLaw(data, { T: 4, grid, method: 'exponential-integrator', initialVelocityVariance: 1 });
    expect(failures(deviations(joint(run.samples, run.velocities!), wrong.joint)).length).toBeGreaterThan(0);
  });
});

describe('the CLD exponential integrator stability limit, seen by the exact law', () => {
  test('on N(0, I) data the exact output variance stays bounded below the limit and explodes above it', () => {
    const limit = stabilityLimit('cld', 'exponential-integrator');
    const data = law([0], [[1]]);
    const variance = (h: number): number => {
      const steps = 400;
      const grid = customGrid(
        Array.from({ length: steps + 1 }, (_, k) => h * (steps - k)),
        h * steps,
      );
      return exactCLDLaw(data, { T: h * steps, grid, method: 'exponential-integrator' }).position.covariance.data[0]!;
    };
    expect(variance(0.97 * limit)).toBeLessThan(10);
    expect(variance(1.03 * limit)).toBeGreaterThan(1e3);
  });
});
