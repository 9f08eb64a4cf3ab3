import { InvalidArgumentError, NotPositiveDefiniteError, ShapeMismatchError } from '@sgmkit/tensor';
import { biasedScore, gaussianScore, scaledScore } from '@sgmkit/score';
import {
  exactDDPMLaw,
  gaussianKL,
  ouMarginal,
  ddpmStepCoefficients,
  type SingleStepDDPMMethod as DDPMUpdate,
} from '@sgmkit/sampler';
import {
  entries,
  expectArgumentError,
  givensProduct,
  law,
  leastSquaresSlope,
  rotatedDiagonal,
  uniformTimes,
  unvalidatedLaw,
} from './analysis-helpers';

const METHODS: DDPMUpdate[] = ['exponential-integrator', 'euler-maruyama', 'ancestral', 'probability-flow'];
const rotation = givensProduct(3, [0.3, -1.1, 0.7]);
const target3 = law([1, -2, 0.5], rotatedDiagonal(rotation, [0.2, 1, 3]));

describe('exactDDPMLaw: exponential integrator with the exact score', () => {
  test('started at q_T the output mean is exactly e^{-δ}μ (the mean of q_δ), on any grid', () => {
    // With mean m_k = e^{-t_k}μ the step gives e^h e^{-t_k}μ + 2(e^h−1)·0 = e^{-t_{k+1}}μ: the recursion keeps it exact.
    const irregular = Float64Array.from([3, 2.2, 1.9, 1, 0.4, 0.1, 0.03]);
    for (const grid of [uniformTimes(3, 7), irregular]) {
      const out = exactDDPMLaw(target3, { T: 3, grid, method: 'exponential-integrator', init: 'forward-marginal' });
      const delta = grid[grid.length - 1]!;
      out.mean.forEach((m, i) => expect(m).toBeCloseTo(Math.exp(-delta) * target3.mean[i]!, 13));
    }
  });

  test('started at N(0, I) the mean error is the initial error e^{-T}μ times the product of the step gains', () => {
    // 1-D data N(μ, λ): error e_{k+1} = (e^h − 2(e^h − 1)/σ²_{t_k}) e_k with σ²_t = e^{-2t}λ + 1 − e^{-2t}, e_0 = −e^{-T}μ.
    const [mu, lambda, T] = [1.7, 0.3, 2.5];
    const grid = uniformTimes(T, 25);
    const out = exactDDPMLaw(law([mu], [[lambda]]), { T, grid, method: 'exponential-integrator' });
    let error = -Math.exp(-T) * mu;
    for (let k = 0; k < 25; k++) {
      const h = grid[k]! - grid[k + 1]!;
      const variance = Math.exp(-2 * grid[k]!) * lambda + 1 - Math.exp(-2 * grid[k]!);
      error *= Math.exp(h) - (2 * (Math.exp(h) - 1)) / variance;
    }
    expect(out.mean[0]! - mu).toBeCloseTo(error, 14);
    expect(Math.abs(error)).toBeGreaterThan(1e-6);
  });

  test('KL(output from q_T ‖ target) scales as h² (least-squares exponent over a sweep of h)', () => {
    const steps = [80, 160, 320, 640, 1280];
    const logH: number[] = [];
    const logKL: number[] = [];
    for (const n of steps) {
      const out = exactDDPMLaw(target3, {
        T: 4,
        grid: uniformTimes(4, n),
        method: 'exponential-integrator',
        init: 'forward-marginal',
      });
      logH.push(Math.log(4 / n));
      logKL.push(Math.log(gaussianKL(out, target3)));
    }
    const slope = leastSquaresSlope(logH, logKL);
    expect(slope).toBeGreaterThan(1.9);
    expect(slope).toBeLessThan(2.1);
  });

  test('the discretisation KL is linear in d: d rotated copies of one direction give d times the 1-D KL', () => {
    const grid = uniformTimes(3, 60);
    const one = exactDDPMLaw(law([0.8], [[0.4]]), {
      T: 3,
      grid,
      method: 'exponential-integrator',
      init: 'forward-marginal',
    });
    const klOne = gaussianKL(one, law([0.8], [[0.4]]));
    for (const d of [2, 5, 9]) {
      const q = givensProduct(d, [0.4, -0.9, 1.3, 0.2]);
      // Every eigenvalue 0.4 and mean Q·(0.8,…,0.8): each rotated coordinate is the 1-D problem.
      const data = law(
        q.map((row) => row.reduce((s, v) => s + 0.8 * v, 0)),
        rotatedDiagonal(q, new Array(d).fill(0.4)),
      );
      const out = exactDDPMLaw(data, { T: 3, grid, method: 'exponential-integrator', init: 'forward-marginal' });
      expect(gaussianKL(out, data) / (d * klOne)).toBeCloseTo(1, 9);
    }
  });

  test('for N(μ, I) data the variance converges to the fixed point (e^h + 1)/(3 − e^h) of the frozen-score step', () => {
    // Exact score −(y − e^{-t}μ); variance map v ← (2 − e^h)² v + e^{2h} − 1.
    const h = 0.2;
    const out = exactDDPMLaw(law([2], [[1]]), { T: 40, grid: uniformTimes(40, 200), method: 'exponential-integrator' });
    expect(out.covariance.data[0]).toBeCloseTo((Math.exp(h) + 1) / (3 - Math.exp(h)), 12);
  });
});

describe('exactDDPMLaw: all methods', () => {
  const klExponent = (method: DDPMUpdate, delta: number): number => {
    const logH: number[] = [];
    const logKL: number[] = [];
    for (const n of [160, 320, 640, 1280]) {
      const out = exactDDPMLaw(target3, { T: 4, grid: uniformTimes(4, n, delta), method, init: 'forward-marginal' });
      logH.push(Math.log((4 - delta) / n));
      logKL.push(Math.log(gaussianKL(out, ouMarginal(target3, delta))));
    }
    return leastSquaresSlope(logH, logKL);
  };

  test.each(METHODS)('%s with early stopping δ = 0.5: KL(output ‖ q_δ) from q_T decreases like h²', (method) => {
    const slope = klExponent(method, 0.5);
    expect(slope).toBeGreaterThan(1.9);
    expect(slope).toBeLessThan(2.1);
  });

  test.each(['exponential-integrator', 'euler-maruyama', 'probability-flow'] as DDPMUpdate[])(
    '%s down to t = 0: KL from q_T decreases like h²',
    (method) => {
      const slope = klExponent(method, 0);
      expect(slope).toBeGreaterThan(1.9);
      expect(slope).toBeLessThan(2.1);
    },
  );

  test('ancestral down to t = 0 converges more slowly than h²: its σ² = β̃ drops Var(x_0 | x_t) ≈ 2t, a variance deficit Σ_k 2h²/t_k ≈ 2h ln(T/h)', () => {
    expect(klExponent('ancestral', 0)).toBeLessThan(1.7);
  });

  test.each(METHODS)('%s: one step from N(m, v) in 1-D matches the update written out by hand', (method) => {
    const [mu, lambda, from, to, m, v] = [0.7, 2.5, 1.3, 0.9, -0.4, 1.8];
    const h = from - to;
    const sigma2 = Math.exp(-2 * from) * lambda + 1 - Math.exp(-2 * from);
    // s(y) = −(y − e^{-from} μ)/σ²; each update is y ← a y + b s(y) + √q z.
    const table: Record<DDPMUpdate, [number, number, number]> = {
      'exponential-integrator': [Math.exp(h), 2 * (Math.exp(h) - 1), Math.exp(2 * h) - 1],
      'euler-maruyama': [1 + h, 2 * h, 2 * h],
      ancestral: [
        Math.exp(h),
        (1 - Math.exp(-2 * h)) * Math.exp(h),
        ((1 - Math.exp(-2 * h)) * (1 - Math.exp(-2 * to))) / (1 - Math.exp(-2 * from)),
      ],
      'probability-flow': [Math.exp(h), Math.exp(h) - 1, 0],
    };
    const [a, b, q] = table[method];
    const gain = a - b / sigma2;
    const out = exactDDPMLaw(law([mu], [[lambda]]), {
      T: from,
      grid: Float64Array.from([from, to]),
      method,
      init: law([m], [[v]]),
    });
    expect(out.mean[0]).toBeCloseTo(gain * m + (b * Math.exp(-from) * mu) / sigma2, 13);
    expect(out.covariance.data[0]).toBeCloseTo(gain * gain * v + q, 13);
    const c = ddpmStepCoefficients(method, from, to);
    expect(
      [c.linear, c.score, c.noiseVariance].map((x, i) => x - [a, b, q][i]!).every((e) => Math.abs(e) < 1e-14),
    ).toBe(true);
  });

  test('ancestral: the posterior variance vanishes on a last step ending at t = 0', () => {
    expect(ddpmStepCoefficients('ancestral', 0.1, 0).noiseVariance).toBe(0);
  });

  test('Langevin corrector with many steps drives N(0, I) data to its discrete fixed point 2/(2 − ε)', () => {
    // Score −y at every t; y ← (1 − ε) y + √(2ε) z has stationary variance 2ε/(1 − (1 − ε)²) = 2/(2 − ε).
    const epsilon = 0.3;
    const out = exactDDPMLaw(law([0], [[1]]), {
      T: 1,
      grid: uniformTimes(1, 3),
      method: 'euler-maruyama',
      corrector: { steps: 62, stepSize: epsilon },
    }); // 62: the most a sampler runs (streams.ts)
    expect(out.covariance.data[0]).toBeCloseTo(2 / (2 - epsilon), 12);
  });
});

describe('exactDDPMLaw: dense recursion', () => {
  test('a general initial law equal to q_T reproduces the eigen-direction path', () => {
    const grid = uniformTimes(2, 30, 0.05);
    const eigen = exactDDPMLaw(target3, {
      T: 2,
      grid,
      method: 'ancestral',
      init: 'forward-marginal',
      corrector: { steps: 2, stepSize: 0.01 },
    });
    const dense = exactDDPMLaw(target3, {
      T: 2,
      grid,
      method: 'ancestral',
      init: ouMarginal(target3, 2),
      corrector: { steps: 2, stepSize: 0.01 },
    });
    entries(dense.covariance).forEach((c, i) => expect(c).toBeCloseTo(entries(eigen.covariance)[i]!, 12));
    dense.mean.forEach((m, i) => expect(m).toBeCloseTo(eigen.mean[i]!, 12));
  });

  test('a Score with affineAt = exact score + bias agrees with scoreError.bias on the eigen path', () => {
    const bias = Float64Array.from([0.1, -0.3, 0.2]);
    const grid = uniformTimes(3, 40);
    const viaOption = exactDDPMLaw(target3, {
      T: 3,
      grid,
      method: 'exponential-integrator',
      scoreError: { bias, scale: -0.1 },
    });
    const exactAt = (t: number) => {
      const q = ouMarginal(target3, t);
      // −Σ_t⁻¹ (x − e^{-t} μ), Σ_t⁻¹ by Cramer-free Gauss–Jordan on 3×3.
      const inv = invert3(entries(q.covariance));
      const matrix = Float64Array.from(inv.map((v) => -0.9 * v));
      const offset = Float64Array.from(
        [0, 1, 2].map((i) => 0.9 * [0, 1, 2].reduce((s, j) => s + inv[i * 3 + j]! * q.mean[j]!, 0) + bias[i]!),
      );
      return { matrix, offset };
    };
    const score = { kind: 'ou' as const, dim: 3, evaluate: () => undefined, affineAt: exactAt };
    const viaScore = exactDDPMLaw(target3, { T: 3, grid, method: 'exponential-integrator', score });
    viaScore.mean.forEach((m, i) => expect(m).toBeCloseTo(viaOption.mean[i]!, 11));
    entries(viaScore.covariance).forEach((c, i) => expect(c).toBeCloseTo(entries(viaOption.covariance)[i]!, 11));
  });

  test("the score package's gaussianScore, scaledScore and biasedScore run the dense path and match scoreError", () => {
    const bias = Float64Array.from([0.2, 0, -0.1]);
    const covariance = [0, 1, 2].map((i) => Array.from(target3.covariance.data.subarray(3 * i, 3 * i + 3)));
    const score = biasedScore(scaledScore(gaussianScore({ mean: Array.from(target3.mean), covariance }), 0.15), bias);
    const grid = uniformTimes(2, 25, 0.01);
    for (const method of ['exponential-integrator', 'ancestral'] as const) {
      const viaScore = exactDDPMLaw(target3, { T: 2, grid, method, score, corrector: { steps: 1, stepSize: 0.01 } });
      const viaOption = exactDDPMLaw(target3, {
        T: 2,
        grid,
        method,
        scoreError: { scale: 0.15, bias },
        corrector: { steps: 1, stepSize: 0.01 },
      });
      viaScore.mean.forEach((m, i) => expect(m).toBeCloseTo(viaOption.mean[i]!, 11));
      entries(viaScore.covariance).forEach((c, i) => expect(c).toBeCloseTo(entries(viaOption.covariance)[i]!, 11));
    }
  });

  test('a non-commuting affine score: one step equals A Aᵀ + (e^{2h} − 1) I written out in 2-D', () => {
    const M = [
      [-1.2, 0.4],
      [0.1, -0.5],
    ];
    const c = [0.3, -0.2];
    const score = {
      kind: 'ou' as const,
      dim: 2,
      evaluate: () => undefined,
      affineAt: () => ({ matrix: Float64Array.from(M.flat()), offset: Float64Array.from(c) }),
    };
    const h = 0.25;
    const out = exactDDPMLaw(
      law(
        [0, 0],
        [
          [1, 0],
          [0, 1],
        ],
      ),
      { T: 1, grid: Float64Array.from([1, 1 - h]), method: 'exponential-integrator', score },
    );
    const [a, b] = [Math.exp(h), 2 * (Math.exp(h) - 1)];
    const A = M.map((row, i) => row.map((m, j) => b * m + (i === j ? a : 0)));
    for (let i = 0; i < 2; i++) {
      expect(out.mean[i]).toBeCloseTo(b * c[i]!, 14);
      for (let j = 0; j < 2; j++) {
        const aat = A[i]![0]! * A[j]![0]! + A[i]![1]! * A[j]![1]!;
        expect(out.covariance.data[i * 2 + j]).toBeCloseTo(aat + (i === j ? Math.exp(2 * h) - 1 : 0), 13);
      }
    }
  });
});

describe('exactDDPMLaw: grid forms', () => {
  test('a number-array grid gives the same law as the Float64Array grid', () => {
    const grid = uniformTimes(2, 8, 0.1);
    const a = exactDDPMLaw(target3, { T: 2, grid, method: 'ancestral' });
    const b = exactDDPMLaw(target3, { T: 2, grid: Array.from(grid), method: 'ancestral' });
    expect(Array.from(b.mean)).toEqual(Array.from(a.mean));
    expect(entries(b.covariance)).toEqual(entries(a.covariance));
  });
});

describe('exactDDPMLaw: bad input', () => {
  const grid = uniformTimes(1, 4);
  const ok = { T: 1, grid, method: 'exponential-integrator' as const };
  const expectError = expectArgumentError;
  const data = law(
    [0, 1],
    [
      [1, 0.2],
      [0.2, 1],
    ],
  );

  test('horizon and grid', () => {
    expectError(() => exactDDPMLaw(data, { ...ok, T: 0 }), InvalidArgumentError, 'options.T');
    expectError(() => exactDDPMLaw(data, { ...ok, T: Number.NaN }), InvalidArgumentError, 'options.T');
    expectError(
      () => exactDDPMLaw(data, { ...ok, grid: Float64Array.from([0.9, 0.5, 0]) }),
      InvalidArgumentError,
      'options.grid[0]',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, grid: Float64Array.from([1, 0.5, 0.6, 0]) }),
      InvalidArgumentError,
      'options.grid[2]',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, grid: Float64Array.from([1, -0.1]) }),
      InvalidArgumentError,
      'options.grid[1]',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, grid: Float64Array.from([1]) }),
      InvalidArgumentError,
      'options.grid',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, grid: 'uniform' as unknown as Float64Array }),
      InvalidArgumentError,
      'options.grid',
    );
  });

  test('method, corrector, score error, init and score', () => {
    expectError(
      () => exactDDPMLaw(data, { ...ok, method: 'rk4' as DDPMUpdate }),
      InvalidArgumentError,
      'options.method',
    );
    // The samplers' corrector rule (tests/sampler/samplers.test.ts has the same table): steps in [0, 62], 0 < ε < 2.
    expectError(
      () => exactDDPMLaw(data, { ...ok, corrector: { steps: -1, stepSize: 0.1 } }),
      InvalidArgumentError,
      'options.corrector.steps',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, corrector: { steps: 63, stepSize: 0.1 } }),
      InvalidArgumentError,
      'options.corrector.steps',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, corrector: { steps: 1, stepSize: -1 } }),
      InvalidArgumentError,
      'options.corrector.stepSize',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, corrector: { steps: 1, stepSize: 2 } }),
      InvalidArgumentError,
      'options.corrector.stepSize',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, scoreError: { bias: new Float64Array(3) } }),
      ShapeMismatchError,
      'options.scoreError.bias',
    );
    expectError(
      () => exactDDPMLaw(data, { ...ok, scoreError: { scale: Infinity } }),
      InvalidArgumentError,
      'options.scoreError.scale',
    );
    expectError(() => exactDDPMLaw(data, { ...ok, init: law([0], [[1]]) }), ShapeMismatchError, 'options.init.mean');
    expectError(
      () => exactDDPMLaw(data, { ...ok, init: 'zeros' as 'standard-normal' }),
      InvalidArgumentError,
      'options.init',
    );
    const noAffine = { kind: 'ou' as const, dim: 2, evaluate: () => undefined };
    expectError(() => exactDDPMLaw(data, { ...ok, score: noAffine }), InvalidArgumentError, 'options.score.affineAt');
    expectError(
      () =>
        exactDDPMLaw(data, {
          ...ok,
          score: {
            ...noAffine,
            dim: 3,
            affineAt: () => ({ matrix: new Float64Array(9), offset: new Float64Array(3) }),
          },
        }),
      ShapeMismatchError,
      'options.score.dim',
    );
    const badForm = { ...noAffine, affineAt: () => ({ matrix: new Float64Array(3), offset: new Float64Array(2) }) };
    expectError(
      () => exactDDPMLaw(data, { ...ok, score: badForm }),
      ShapeMismatchError,
      'options.score.affineAt(1).matrix',
    );
  });

  test('data law: dimension mismatch and non-PD covariance', () => {
    const mismatched = {
      mean: Float64Array.from([0, 1, 2]),
      covariance: law(
        [0, 0],
        [
          [1, 0],
          [0, 1],
        ],
      ).covariance,
    };
    expectError(() => exactDDPMLaw(mismatched, ok), ShapeMismatchError, 'data.covariance');
    expectError(
      () =>
        exactDDPMLaw(
          unvalidatedLaw(
            [0, 1],
            [
              [1, 2],
              [2, 1],
            ],
          ),
          ok,
        ),
      NotPositiveDefiniteError,
      'data.covariance',
    );
    expectError(
      () =>
        exactDDPMLaw(
          unvalidatedLaw(
            [0, Number.NaN],
            [
              [1, 0],
              [0, 1],
            ],
          ),
          ok,
        ),
      InvalidArgumentError,
      'data.mean[1]',
    );
  });
});

/** Inverse of a row-major 3 × 3 matrix by the adjugate. */
function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m as [number, number, number, number, number, number, number, number, number];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    e * i - f * h,
    c * h - b * i,
    b * f - c * e,
    f * g - d * i,
    a * i - c * g,
    c * d - a * f,
    d * h - e * g,
    b * g - a * h,
    a * e - b * d,
  ].map((v) => v / det);
}
