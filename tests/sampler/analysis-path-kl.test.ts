import { InvalidArgumentError } from '@sgmkit/tensor';
import { ddpmPathSpaceKL, exactDDPMLaw, gaussianKL, ouMarginal } from '@sgmkit/sampler';
import { law, leastSquaresSlope, rotatedDiagonal, givensProduct, uniformTimes } from './analysis-helpers';

const standard = (d: number) =>
  law(
    new Array(d).fill(0),
    Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? 1 : 0))),
  );
/** 2d Σ_k (h_k − 1 + e^{−h_k}): the EI path KL for N(0, I) data (E|Y_s − Y_{s_k}|² = 2d(1 − e^{−(s − s_k)}) integrated). */
const closedForm = (d: number, grid: Float64Array) => {
  let sum = 0;
  for (let k = 0; k + 1 < grid.length; k++) {
    const h = grid[k]! - grid[k + 1]!;
    sum += 2 * d * (h + Math.expm1(-h));
  }
  return sum;
};

describe('ddpmPathSpaceKL', () => {
  test('N(0, I) data, exact score, exponential integrator: 2d Σ_k (h_k − 1 + e^{−h_k}) on uniform and irregular grids', () => {
    for (const grid of [uniformTimes(5, 50), Float64Array.from([3, 2.5, 1.2, 1.1, 0.3, 0])]) {
      const result = ddpmPathSpaceKL(standard(3), { T: grid[0]!, grid, method: 'exponential-integrator' });
      expect(result.girsanov / closedForm(3, grid)).toBeCloseTo(1, 12);
      expect(result.initialisation).toBe(0); // q_T = N(0, I) for N(0, I) data
    }
  });

  test('scales as d·h·T: exponent 1 in h, exactly linear in d and in T', () => {
    const logH: number[] = [];
    const logKL: number[] = [];
    for (const n of [1000, 2000, 4000, 8000]) {
      const kl = ddpmPathSpaceKL(standard(2), {
        T: 4,
        grid: uniformTimes(4, n),
        method: 'exponential-integrator',
      }).total;
      logH.push(Math.log(4 / n));
      logKL.push(Math.log(kl));
      // 2(h − 1 + e^{−h})/h² = 1 − h/3 + O(h²), so KL/(d h T) ∈ (1 − h/3, 1).
      const ratio = kl / (2 * (4 / n) * 4);
      expect(ratio).toBeLessThan(1);
      expect(ratio).toBeGreaterThan(1 - 4 / n / 3);
    }
    const slope = leastSquaresSlope(logH, logKL);
    expect(slope).toBeGreaterThan(0.999);
    expect(slope).toBeLessThan(1.001);
    const at = (d: number, T: number) =>
      ddpmPathSpaceKL(standard(d), { T, grid: uniformTimes(T, T * 100), method: 'exponential-integrator' }).total;
    expect(at(6, 2) / at(1, 2)).toBeCloseTo(6, 10);
    expect(at(2, 6) / at(2, 2)).toBeCloseTo(3, 10);
  });

  test("N(0, I) data: Euler–Maruyama drift error is −(Y_s − Y_{s_k}), a quarter of the exponential integrator's", () => {
    const grid = uniformTimes(3, 30);
    const ei = ddpmPathSpaceKL(standard(2), { T: 3, grid, method: 'exponential-integrator' }).total;
    const em = ddpmPathSpaceKL(standard(2), { T: 3, grid, method: 'euler-maruyama' }).total;
    expect(em / ei).toBeCloseTo(0.25, 12);
  });

  test('a constant score bias b adds exactly T|b|² for N(0, I) data (the cross term has mean zero)', () => {
    const grid = uniformTimes(2, 40);
    const bias = Float64Array.from([0.3, -0.4]);
    const result = ddpmPathSpaceKL(standard(2), { T: 2, grid, method: 'exponential-integrator', scoreError: { bias } });
    expect(result.girsanov).toBeCloseTo(closedForm(2, grid) + 2 * 0.25, 12);
  });

  test('data processing: the output KL never exceeds the path KL (general data, both methods, score errors)', () => {
    const q = givensProduct(3, [0.4, -0.8, 1.2]);
    const data = law([1, -0.5, 2], rotatedDiagonal(q, [0.3, 1.5, 4]));
    for (const method of ['exponential-integrator', 'euler-maruyama'] as const) {
      for (const [init, scoreError] of [
        ['forward-marginal', undefined],
        ['standard-normal', { scale: 0.1, bias: Float64Array.from([0.1, 0, -0.2]) }],
      ] as const) {
        const grid = uniformTimes(3, 60, 0.05);
        const path = ddpmPathSpaceKL(data, { T: 3, grid, method, init, scoreError });
        const output = exactDDPMLaw(data, { T: 3, grid, method, init, scoreError });
        const outputKL = gaussianKL(ouMarginal(data, 0.05), output);
        expect(outputKL).toBeLessThanOrEqual(path.total);
        expect(outputKL).toBeGreaterThan(0);
      }
    }
  });

  test('the initialisation term is KL(q_T ‖ N(0, I))', () => {
    const data = law(
      [2, 0],
      [
        [0.5, 0.1],
        [0.1, 2],
      ],
    );
    const result = ddpmPathSpaceKL(data, { T: 1.5, grid: uniformTimes(1.5, 10), method: 'exponential-integrator' });
    expect(result.initialisation).toBeCloseTo(gaussianKL(ouMarginal(data, 1.5), standard(2)), 14);
    expect(result.total).toBeCloseTo(result.initialisation + result.girsanov, 14);
  });

  test('bad input: methods without an SDE interpolation and unknown starts are refused by name', () => {
    const options = { T: 1, grid: uniformTimes(1, 4) };
    for (const [call, argument] of [
      [() => ddpmPathSpaceKL(standard(1), { ...options, method: 'ancestral' as never }), 'options.method'],
      [() => ddpmPathSpaceKL(standard(1), { ...options, method: 'probability-flow' as never }), 'options.method'],
      [
        () => ddpmPathSpaceKL(standard(1), { ...options, method: 'exponential-integrator', init: 'zero' as never }),
        'options.init',
      ],
      [() => ddpmPathSpaceKL(standard(1), { ...options, T: 2, method: 'exponential-integrator' }), 'options.grid[0]'],
    ] as const) {
      expect(call).toThrow(InvalidArgumentError);
      try {
        call();
      } catch (error) {
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
    }
  });
});
