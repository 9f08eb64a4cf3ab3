// The higher-order DDPM solvers (Heun, stochastic Heun, DPM-Solver++(2M), DEIS) against their exact output laws:
// Monte Carlo (n = 10^5, fixed seeds, projected means and variances within 5 SE computed from the exact law),
// deterministic affine checks (one step written out with the tensor coefficients, bit for bit; the ODE solvers'
// exact mean is the solver applied to the initial mean), history carried across step segments, and the errors.
import {
  DEIS_MAX_DEGREE,
  DPM_SOLVER_2M_LAYOUT,
  HEUN_LAYOUT,
  InvalidArgumentError,
  NonFiniteValueError,
  STOCHASTIC_HEUN_LAYOUT,
  batch,
  deisCoefficientsInto,
  dpmSolver2MCoefficientsInto,
  fillParticleNormals,
  exponentialHeunCoefficientsInto,
  heunCoefficientsInto,
  stochasticHeunCoefficientsInto,
  toContiguous,
  type Batch,
  type DType,
} from '@sgmkit/tensor';
import { biasedScore, gaussianScore, scaledScore } from '@sgmkit/score';
import type { Score } from '@sgmkit/score';
import {
  DDPM_INTEGRATORS,
  DDPM_SOLVER_METHODS,
  ddpmDEIS,
  ddpmDPMSolver2M,
  ddpmHeun,
  ddpmExponentialHeun,
  ddpmSolverHistory,
  ddpmStochasticHeun,
  earlyStoppingGrid,
  exactDDPMLaw,
  gaussianLaw,
  predictorStream,
  sampleDDPM,
  stabilityLimit,
  stochasticHeunGain,
  uniformGrid,
  type DDPMSolverMethod,
  type GaussianLaw,
} from '@sgmkit/sampler';
import { deviations, failures } from './verification-helpers';
import { diagonalGaussianScore, values } from './samplers-helpers';
import { expectArgumentError } from '../helpers/errors';

const N = 100_000;
const law = gaussianLaw;

async function check(
  score: Score,
  data: GaussianLaw,
  options: {
    T: number;
    grid: Float64Array;
    method: DDPMSolverMethod;
    seed: number;
    corrector?: { steps: number; stepSize: number };
    dtype?: DType;
  },
): Promise<string[]> {
  const { T, grid, method, seed, corrector, dtype } = options;
  const exact = exactDDPMLaw(data, { T, grid, method, corrector, score });
  const run = await sampleDDPM(score, { T, grid, method, seed, corrector, dtype, n: N });
  return failures(deviations(run.samples, exact));
}

const TARGETS = [
  { name: 'd = 1', mean: [1.5], covariance: [[0.3]], T: 3, grid: uniformGrid(3, 8) },
  {
    name: 'd = 2 diagonal',
    mean: [1, -2],
    covariance: [
      [0.25, 0],
      [0, 3],
    ],
    T: 5,
    grid: earlyStoppingGrid(5, 0.01, 12),
  },
  {
    name: 'd = 2 full',
    mean: [0.5, 1],
    covariance: [
      [1, 0.8],
      [0.8, 2],
    ],
    T: 4,
    grid: uniformGrid(4, 6, 0.05),
  },
];

describe('higher-order solvers: Monte Carlo agrees with the exact output law (5 SE)', () => {
  const cases = TARGETS.flatMap((target, t) =>
    DDPM_SOLVER_METHODS.map((method, m): [string, DDPMSolverMethod, number] => [target.name, method, 500 + 10 * t + m]),
  );
  test.each(cases)('%s, %s', async (name, method, seed) => {
    const target = TARGETS.find((x) => x.name === name)!;
    const score = gaussianScore({ mean: target.mean, covariance: target.covariance });
    expect(
      await check(score, law(target.mean, target.covariance), { T: target.T, grid: target.grid, method, seed }),
    ).toEqual([]);
  });

  test.each(DDPM_SOLVER_METHODS.map((m) => [m]))('%s with a Langevin corrector (2 steps, ε = 0.05)', async (method) => {
    const target = TARGETS[2]!;
    const score = gaussianScore({ mean: target.mean, covariance: target.covariance });
    expect(
      await check(score, law(target.mean, target.covariance), {
        T: 3,
        grid: uniformGrid(3, 10, 0.01),
        method,
        seed: 61,
        corrector: { steps: 2, stepSize: 0.05 },
      }),
    ).toEqual([]);
  });

  test.each(DDPM_SOLVER_METHODS.map((m) => [m]))(
    '%s with a biased and a scaled score (dense recursion, score errors that do not commute with Σ)',
    async (method) => {
      const mean = [1, 0, -1];
      const covariance = [
        [1, 0.3, 0],
        [0.3, 0.6, -0.2],
        [0, -0.2, 0.8],
      ];
      const exact = gaussianScore({ mean, covariance });
      const grid = uniformGrid(4, 9, 0.02);
      expect(
        await check(biasedScore(exact, [0.3, -0.2, 0.4]), law(mean, covariance), { T: 4, grid, method, seed: 71 }),
      ).toEqual([]);
      expect(await check(scaledScore(exact, 0.2), law(mean, covariance), { T: 4, grid, method, seed: 72 })).toEqual([]);
    },
  );

  test('float32 particles follow the same exact laws', async () => {
    const target = TARGETS[2]!;
    const score = gaussianScore({ mean: target.mean, covariance: target.covariance });
    for (const method of ['heun', 'dpmpp-2m', 'deis-3'] as const) {
      expect(
        await check(score, law(target.mean, target.covariance), {
          T: 4,
          grid: uniformGrid(4, 10, 0.05),
          method,
          seed: 81,
          dtype: 'float32',
        }),
      ).toEqual([]);
    }
  });

  test('the comparison has power: few-step Heun samples are rejected against the probability-flow law, and DEIS-1 against DEIS-3', async () => {
    const data = law([1.5], [[0.3]]);
    const score = gaussianScore({ mean: [1.5], covariance: [[0.3]] });
    const grid = uniformGrid(3, 4, 0.05);
    const heun = await sampleDDPM(score, { T: 3, grid, method: 'heun', seed: 9, n: N });
    expect(
      failures(deviations(heun.samples, exactDDPMLaw(data, { T: 3, grid, method: 'probability-flow' }))).length,
    ).toBeGreaterThan(0);
    const deis = await sampleDDPM(score, { T: 3, grid, method: 'deis-1', seed: 9, n: N });
    expect(
      failures(deviations(deis.samples, exactDDPMLaw(data, { T: 3, grid, method: 'deis-3' }))).length,
    ).toBeGreaterThan(0);
  });
});

/** Particles for a deterministic check: N(0, I) rows from a fixed stream. */
function start(n: number, d: number, dtype: DType): Batch {
  return fillParticleNormals(batch(n, d, dtype), 5, 0, 0);
}

describe.each(['float64', 'float32'] as DType[])(
  'one solver step is the update written with the tensor coefficients, bit for bit (%s)',
  (dtype) => {
    const score = diagonalGaussianScore([0.5, -1, 2], [1.5, 0.3, 2]);
    const noise = { seed: 3, firstRow: 11, firstStep: 4 };
    const fresh = (): Batch => start(40, 3, dtype);
    const evaluate = (t: number, x: Batch): Batch => {
      const out = batch(40, 3, dtype);
      score.evaluate(t, x, out);
      return out;
    };
    const map = (x: Batch, f: (i: number) => number): Batch => {
      const out = batch(40, 3, dtype);
      for (let i = 0; i < 120; i++) out.data[i] = f(i);
      return out;
    };

    test.each([
      ['edm', 1.3, 0.9],
      ['edm', 0.3, 0],
      ['exponential', 1.3, 0.9],
      ['exponential', 0.3, 0],
    ] as const)('heun (%s) from %d to %d', (form, from, to) => {
      const y = fresh();
      const x = toContiguous(y, true);
      ddpmHeun(score, y, Float64Array.of(from, to), noise, form === 'edm' ? {} : { form });
      const coefficientsInto = form === 'edm' ? heunCoefficientsInto : exponentialHeunCoefficientsInto;
      const c = coefficientsInto(from, to, new Float64Array(HEUN_LAYOUT.LENGTH));
      const s = evaluate(from, x);
      const predicted = map(x, (i) => c[HEUN_LAYOUT.LINEAR]! * x.data[i]! + c[HEUN_LAYOUT.EULER]! * s.data[i]!);
      const s2 = evaluate(to, predicted);
      const expected =
        to === 0
          ? predicted
          : map(
              x,
              (i) =>
                c[HEUN_LAYOUT.LINEAR]! * x.data[i]! +
                c[HEUN_LAYOUT.FROM]! * s.data[i]! +
                c[HEUN_LAYOUT.TO]! * s2.data[i]!,
            );
      expect(values(y)).toEqual(values(expected));
    });

    test.each([
      [1.3, 0.9],
      [0.3, 0],
    ])(
      'stochastic-heun from %d to %d: the predictor stream of the step, the same normals in both stages',
      (from, to) => {
        const y = fresh();
        const x = toContiguous(y, true);
        ddpmStochasticHeun(score, y, Float64Array.of(from, to), noise);
        const L = STOCHASTIC_HEUN_LAYOUT;
        const c = stochasticHeunCoefficientsInto(from, to, new Float64Array(L.LENGTH));
        const z = fillParticleNormals(batch(40, 3), noise.seed, predictorStream(noise.firstStep), noise.firstRow);
        const s = evaluate(from, x);
        const predicted = map(
          x,
          (i) => c[L.LINEAR]! * x.data[i]! + c[L.EULER]! * s.data[i]! + c[L.NOISE]! * z.data[i]!,
        );
        const s2 = evaluate(to, predicted);
        const expected =
          to === 0
            ? predicted
            : map(
                x,
                (i) =>
                  c[L.LINEAR]! * x.data[i]! +
                  c[L.FROM]! * s.data[i]! +
                  c[L.TO]! * s2.data[i]! +
                  c[L.NOISE]! * z.data[i]!,
              );
        expect(values(y)).toEqual(values(expected));
      },
    );

    test('dpmpp-2m over three steps (first order, second order, to t = 0)', () => {
      const grid = Float64Array.of(1.5, 0.8, 0.4, 0);
      const y = fresh();
      const x = toContiguous(y, true);
      ddpmDPMSolver2M(score, y, grid, { ...noise, firstStep: 0 });
      const L = DPM_SOLVER_2M_LAYOUT;
      let previous = new Float64Array(120);
      let current = x;
      for (let k = 0; k < 3; k++) {
        const c = dpmSolver2MCoefficientsInto(
          k === 0 ? NaN : grid[k - 1]!,
          grid[k]!,
          grid[k + 1]!,
          new Float64Array(L.LENGTH),
        );
        const s = evaluate(grid[k]!, current);
        const denoised = new Float64Array(120);
        const from = current;
        current = map(from, (i) => {
          denoised[i] = c[L.DENOISE_Y]! * from.data[i]! + c[L.DENOISE_SCORE]! * s.data[i]!;
          // the sampler keeps x̂ in y's dtype
          if (dtype === 'float32') denoised[i] = Math.fround(denoised[i]!);
          const unrounded = c[L.DENOISE_Y]! * from.data[i]! + c[L.DENOISE_SCORE]! * s.data[i]!;
          return k === 0
            ? c[L.LINEAR]! * from.data[i]! + c[L.CURRENT]! * unrounded
            : c[L.LINEAR]! * from.data[i]! + c[L.CURRENT]! * unrounded + c[L.PREVIOUS]! * previous[i]!;
        });
        previous = denoised;
      }
      expect(values(y)).toEqual(values(current));
    });

    test.each([1, 2, 3])('deis-%d over five steps (warm-up with the scores available)', (degree) => {
      const grid = Float64Array.of(2, 1.4, 0.9, 0.5, 0.2, 0);
      const y = fresh();
      const x = toContiguous(y, true);
      ddpmDEIS(score, y, grid, { ...noise, firstStep: 0 }, { degree });
      const scores: Batch[] = [];
      let current = x;
      for (let k = 0; k < 5; k++) {
        scores.unshift(evaluate(grid[k]!, current));
        const q = Math.min(degree, k);
        const w = deisCoefficientsInto(
          grid.slice(0, k + 1).reverse(),
          q,
          grid[k + 1]!,
          new Float64Array(DEIS_MAX_DEGREE + 2),
          new Float64Array(12),
        );
        const from = current;
        current = map(from, (i) => {
          let v = w[0]! * from.data[i]!;
          for (let j = 0; j <= q; j++) v += w[1 + j]! * scores[j]!.data[i]!;
          return v;
        });
      }
      expect(values(y)).toEqual(values(current));
    });
  },
);

describe('the ODE solvers are deterministic affine maps: the exact law is the solver applied to the initial law', () => {
  test.each(['heun', 'exponential-heun', 'dpmpp-2m', 'deis-1', 'deis-2', 'deis-3'] as const)(
    '%s in 1-D: mean = solver(m), variance = (solver(m + √v) − solver(m))²',
    (method) => {
      const data = law([0.7], [[0.4]]);
      const score = gaussianScore({ mean: [0.7], covariance: [[0.4]] });
      const [m, v] = [-0.3, 1.7];
      const grid = earlyStoppingGrid(4, 0.02, 15);
      const out = exactDDPMLaw(data, { T: 4, grid, method, init: law([m], [[v]]) });
      const y = batch(2, 1);
      y.data.set([m, m + Math.sqrt(v)]);
      DDPM_INTEGRATORS[method](score, y, grid, { seed: 1 });
      expect(Math.abs(out.mean[0]! - y.data[0]!)).toBeLessThan(1e-12);
      expect(Math.abs(out.covariance.data[0]! - (y.data[1]! - y.data[0]!) ** 2) / out.covariance.data[0]!).toBeLessThan(
        1e-10,
      );
    },
  );
});

describe('multistep history across step segments', () => {
  const score = diagonalGaussianScore([1, -1], [0.5, 2]);
  test.each(['dpmpp-2m', 'deis-2', 'deis-3'] as const)(
    '%s: three segments with one history = one call, bit for bit',
    (method) => {
      const grid = earlyStoppingGrid(3, 0.01, 12);
      const whole = start(30, 2, 'float64');
      const split = toContiguous(whole, true);
      DDPM_INTEGRATORS[method](score, whole, grid, { seed: 2 });
      const history = ddpmSolverHistory(method, split);
      for (const [a, b] of [
        [0, 3],
        [3, 4],
        [4, 12],
      ] as const) {
        DDPM_INTEGRATORS[method](score, split, grid.subarray(a, b + 1), { seed: 2, firstStep: a }, { history });
      }
      expect(values(split)).toEqual(values(whole));
    },
  );

  test('sampleDDPM with an abort signal (run in step segments) gives the bits of a plain run, for every solver', async () => {
    const gaussian = gaussianScore({
      mean: [1, -2],
      covariance: [
        [1, 0.6],
        [0.6, 2],
      ],
    });
    for (const method of DDPM_SOLVER_METHODS) {
      const base = { T: 3, grid: earlyStoppingGrid(3, 0.01, 40), seed: 4, n: 501, method, chunkSize: 100 } as const;
      const plain = await sampleDDPM(gaussian, base);
      const segmented = await sampleDDPM(gaussian, { ...base, signal: new AbortController().signal });
      expect(values(segmented.samples)).toEqual(values(plain.samples));
    }
  });

  test("refusals: no history past step 0, another method's history, a history at another step, the wrong shape", () => {
    const grid = uniformGrid(2, 4, 0.1);
    const y = start(5, 2, 'float64');
    expectArgumentError(
      () => ddpmDPMSolver2M(score, y, grid, { seed: 1, firstStep: 2 }),
      InvalidArgumentError,
      'options.history',
    );
    expectArgumentError(
      () => ddpmDPMSolver2M(score, y, grid, { seed: 1 }, { history: ddpmSolverHistory('deis-2', y) }),
      InvalidArgumentError,
      'options.history',
    );
    expectArgumentError(
      () => ddpmDEIS(score, y, grid, { seed: 1, firstStep: 1 }, { degree: 2, history: ddpmSolverHistory('deis-2', y) }),
      InvalidArgumentError,
      'options.history',
    );
    expectArgumentError(
      () =>
        ddpmDEIS(
          score,
          y,
          grid,
          { seed: 1 },
          { degree: 2, history: ddpmSolverHistory('deis-2', start(6, 2, 'float64')) },
        ),
      InvalidArgumentError,
      'options.history',
    );
    expectArgumentError(
      () => ddpmDEIS(score, y, grid, { seed: 1 }, { degree: 4 }),
      InvalidArgumentError,
      'options.degree',
    );
    // Heun's form: a typed refusal before any step (y untouched)
    const before = Array.from(y.data);
    for (const form of ['rk2', 'EDM', null, 1])
      expectArgumentError(
        () => ddpmHeun(score, y, grid, { seed: 1 }, { form: form as unknown as 'edm' }),
        InvalidArgumentError,
        'options.form',
      );
    expect(Array.from(y.data)).toEqual(before);
    expectArgumentError(() => ddpmSolverHistory('heun2' as DDPMSolverMethod, y), InvalidArgumentError, 'method');
  });
});

describe('the two forms of Heun', () => {
  const score = diagonalGaussianScore([1, -1], [0.5, 2]);
  const grid = earlyStoppingGrid(3, 0.01, 12, { switchTime: 3 });
  test("'exponential-heun' is ddpmHeun with form 'exponential', bit for bit, in the integrators and in sampleDDPM", async () => {
    const a = start(20, 2, 'float64');
    const b = start(20, 2, 'float64');
    const c = start(20, 2, 'float64');
    ddpmHeun(score, a, grid, { seed: 1 }, { form: 'exponential' });
    ddpmExponentialHeun(score, b, grid, { seed: 1 });
    DDPM_INTEGRATORS['exponential-heun'](score, c, grid, { seed: 1 });
    expect(values(b)).toEqual(values(a));
    expect(values(c)).toEqual(values(a));
    const edm = start(20, 2, 'float64');
    ddpmHeun(score, edm, grid, { seed: 1 });
    expect(values(edm)).not.toEqual(values(a));
    const viaSample = await sampleDDPM(score, { T: 3, grid, n: 20, seed: 1, method: 'exponential-heun' });
    const direct = fillParticleNormals(batch(20, 2), 1, 0, 0);
    ddpmHeun(score, direct, grid, { seed: 1 }, { form: 'exponential' });
    expect(values(viaSample.samples)).toEqual(values(direct));
  });
});

describe('evaluations, stability and non-finite scores', () => {
  const score = diagonalGaussianScore([1, -1], [0.5, 2]);
  test('Heun evaluates the score twice per step (once on a step ending at 0); the multistep solvers once', async () => {
    const base = { T: 2, n: 3, seed: 1 } as const;
    expect((await sampleDDPM(score, { ...base, steps: 10, method: 'heun' })).scoreEvaluations).toBe(19);
    expect((await sampleDDPM(score, { ...base, steps: 10, method: 'exponential-heun' })).scoreEvaluations).toBe(19);
    expect(
      (await sampleDDPM(score, { ...base, steps: 10, delta: 0.1, method: 'stochastic-heun' })).scoreEvaluations,
    ).toBe(20);
    expect((await sampleDDPM(score, { ...base, steps: 10, method: 'dpmpp-2m' })).scoreEvaluations).toBe(10);
    expect(
      (await sampleDDPM(score, { ...base, steps: 10, method: 'deis-3', corrector: { steps: 1, stepSize: 0.1 } }))
        .scoreEvaluations,
    ).toBe(20);
  });

  test('stochastic Heun: the stationary gain reaches 1 at its stability limit, and larger steps are refused', async () => {
    const limit = stabilityLimit('ddpm', 'stochastic-heun');
    expect(limit).toBeGreaterThan(0.7);
    expect(limit).toBeLessThan(0.9);
    expect(Math.abs(stochasticHeunGain(limit))).toBeCloseTo(1, 12);
    expect(Math.abs(stochasticHeunGain(0.5))).toBeLessThan(1);
    await expect(sampleDDPM(score, { T: 4, steps: 4, n: 2, seed: 1, method: 'stochastic-heun' })).rejects.toThrow(
      /stability limit/,
    );
    for (const method of ['heun', 'exponential-heun', 'dpmpp-2m', 'deis-1', 'deis-2', 'deis-3'] as const)
      expect(stabilityLimit('ddpm', method)).toBe(Infinity);
  });

  test('a non-finite score in the Heun corrector stage names the stage, the step and the time', async () => {
    const bad: Score = {
      kind: 'ou',
      dim: 2,
      evaluate(t, x, out) {
        score.evaluate(t, x, out);
        if (t === 0.5) out.data[3] = NaN;
      },
    };
    await expect(sampleDDPM(bad, { T: 1, steps: 4, n: 4, seed: 1, method: 'heun' })).rejects.toThrow(
      NonFiniteValueError,
    );
    await expect(sampleDDPM(bad, { T: 1, steps: 4, n: 4, seed: 1, method: 'heun' })).rejects.toThrow(
      /Heun corrector stage.*step 1, forward time t = 0.5\b.*particle 1, coordinate 1/,
    );
  });
});
