import { InvalidArgumentError } from '@sgmkit/tensor';
import {
  ddpmBound,
  ddpmStepsForAccuracy,
  ddpmEarlyStoppingBound,
  cldBound,
  errorDecomposition,
  gaussianKL,
  exactDDPMLaw,
  ouMarginal,
} from '@sgmkit/sampler';
import { givensProduct, law, rotatedDiagonal, uniformTimes } from './analysis-helpers';

const inputs = { klToStandardNormal: 2.5, lipschitz: 3, secondMoment: 4, dim: 10, h: 0.01, T: 5, scoreError: 0.02 };

describe('ddpmBound (Theorem 2)', () => {
  test('√KL e^{−T} + (L√(dh) + L m₂ h)√T + ε√T with m₂ = √secondMoment, scaled by the stated constant', () => {
    const b = ddpmBound(inputs);
    expect(b.initialisation).toBeCloseTo(Math.sqrt(2.5) * Math.exp(-5), 15);
    expect(b.discretisation).toBeCloseTo((3 * Math.sqrt(10 * 0.01) + 3 * 2 * 0.01) * Math.sqrt(5), 14);
    expect(b.score).toBeCloseTo(0.02 * Math.sqrt(5), 15);
    expect(b.bound).toBeCloseTo(b.initialisation + b.discretisation + b.score, 15);
    expect(b.stepSizeWithinAssumption).toBe(true);
    expect(ddpmBound({ ...inputs, constant: 7 }).bound).toBeCloseTo(7 * b.bound, 13);
    expect(ddpmBound({ ...inputs, h: 0.5 }).stepSizeWithinAssumption).toBe(false);
    // L < 1 is replaced by 1 (also a Lipschitz constant), as the theorem assumes L ≥ 1.
    expect(ddpmBound({ ...inputs, lipschitz: 0.3 }).discretisation).toBe(
      ddpmBound({ ...inputs, lipschitz: 1 }).discretisation,
    );
  });

  test('bad input names the argument', () => {
    for (const [bad, argument] of [
      [{ lipschitz: 0 }, 'inputs.lipschitz'],
      [{ h: 0 }, 'inputs.h'],
      [{ T: -1 }, 'inputs.T'],
      [{ dim: 1.5 }, 'inputs.dim'],
      [{ klToStandardNormal: Number.NaN }, 'inputs.klToStandardNormal'],
      [{ scoreError: -1 }, 'inputs.scoreError'],
      [{ constant: 0 }, 'inputs.constant'],
    ] as const) {
      expect(() => ddpmBound({ ...inputs, ...bad })).toThrow(InvalidArgumentError);
      try {
        ddpmBound({ ...inputs, ...bad });
      } catch (error) {
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
    }
  });
});

describe('ddpmStepsForAccuracy', () => {
  const target = { klToStandardNormal: 50, lipschitz: 2, secondMoment: 0, dim: 8, scoreError: 0, epsilon: 0.1 };

  test('the returned configuration meets the target and one step fewer would not (third-by-third budget)', () => {
    const result = ddpmStepsForAccuracy(target);
    expect(result.bound.bound).toBeLessThanOrEqual(0.1);
    expect(result.bound.initialisation).toBeCloseTo(0.1 / 3, 14);
    expect(result.h).toBeCloseTo(result.T / result.steps, 14);
    const coarser = ddpmBound({ ...target, h: result.T / (result.steps - 1), T: result.T });
    expect(coarser.discretisation).toBeGreaterThan(0.1 / 3);
  });

  test("N = T²·9C²L²d/ε² when m₂ = 0 (the paper's Θ̃(L²d/ε²))", () => {
    for (const [dim, epsilon, lipschitz] of [
      [8, 0.1, 2],
      [64, 0.05, 1],
      [4, 0.2, 10],
    ] as const) {
      const r = ddpmStepsForAccuracy({ ...target, dim, epsilon, lipschitz });
      const predicted = (r.T ** 2 * 9 * lipschitz ** 2 * dim) / epsilon ** 2;
      expect(r.steps).toBeGreaterThanOrEqual(predicted);
      expect(r.steps).toBeLessThan(predicted + 1);
    }
  });

  test('refuses targets a step count cannot reach or does not need', () => {
    const argumentOf = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        expect(error).toBeInstanceOf(InvalidArgumentError);
        return (error as InvalidArgumentError).argument;
      }
      return undefined;
    };
    expect(argumentOf(() => ddpmStepsForAccuracy({ ...target, scoreError: 0.1 }))).toBe('inputs.scoreError');
    expect(argumentOf(() => ddpmStepsForAccuracy({ ...target, klToStandardNormal: 1e-4 }))).toBe(
      'inputs.klToStandardNormal',
    );
    expect(argumentOf(() => ddpmStepsForAccuracy({ ...target, epsilon: 1 }))).toBe('inputs.epsilon');
  });
});

describe('ddpmEarlyStoppingBound', () => {
  test('a point mass at |x₀| = R attains the W2 and KL estimates exactly', () => {
    // q_δ = N(e^{−δ} x₀, σ² I): W2(q_δ, δ_{x₀})² = (1 − e^{−δ})²R² + dσ², KL(q_δ ‖ γ) = ½[d(σ² − 1 − ln σ²) + e^{−2δ}R²].
    const [R, d, delta] = [3, 4, 0.05];
    const sigma2 = 1 - Math.exp(-2 * delta);
    const result = ddpmEarlyStoppingBound({ radius: R, dim: d, delta, h: 0.001, T: 6, scoreError: 0 });
    expect(result.w2EarlyStopping).toBeCloseTo(Math.sqrt((1 - Math.exp(-delta)) ** 2 * R * R + d * sigma2), 13);
    const qDelta = law(
      [Math.exp(-delta) * R, 0, 0, 0],
      [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? sigma2 : 0))),
    );
    const gamma = law(
      [0, 0, 0, 0],
      [0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0))),
    );
    expect(result.klToStandardNormal).toBeCloseTo(gaussianKL(qDelta, gamma), 12);
    expect(result.secondMoment).toBeCloseTo(Math.exp(-2 * delta) * R * R + d * sigma2, 13);
  });

  test('L_δ bounds the Hessian of ln q_δ for the two-point law ±R e₁ at x = 0, where Cov(X₀ | X_δ) = R² e₁e₁ᵀ', () => {
    for (const [R, delta] of [
      [1, 0.5],
      [5, 0.1],
      [0.2, 0.01],
    ] as const) {
      const sigma2 = 1 - Math.exp(-2 * delta);
      const hessianEigenvalue = (Math.exp(-2 * delta) * R * R) / (sigma2 * sigma2) - 1 / sigma2;
      const { lipschitz } = ddpmEarlyStoppingBound({ radius: R, dim: 2, delta, h: 0.01, T: 5, scoreError: 0 });
      expect(lipschitz).toBeGreaterThanOrEqual(Math.abs(hessianEigenvalue));
      expect(lipschitz).toBeGreaterThanOrEqual(1 / sigma2);
    }
  });

  test('feeds Theorem 2 with the derived constants over the horizon T − δ', () => {
    const r = ddpmEarlyStoppingBound({ radius: 2, dim: 3, delta: 0.1, h: 0.001, T: 4, scoreError: 0.01, constant: 2 });
    const direct = ddpmBound({
      klToStandardNormal: r.klToStandardNormal,
      lipschitz: r.lipschitz,
      secondMoment: r.secondMoment,
      dim: 3,
      h: 0.001,
      T: 3.9,
      scoreError: 0.01,
      constant: 2,
    });
    expect(r.tvToEarlyStopped.bound).toBeCloseTo(direct.bound, 14);
    expect(() => ddpmEarlyStoppingBound({ radius: 2, dim: 3, delta: 5, h: 0.1, T: 4, scoreError: 0 })).toThrow(
      /inputs\.T/,
    );
  });
});

describe('cldBound (Theorem 5)', () => {
  test('√(KL + FI) e^{−cT} initialisation; the same discretisation and score terms as DDPM', () => {
    const c = cldBound({ ...inputs, fisherInformation: 1.5, mixingRate: 0.5 });
    const d = ddpmBound(inputs);
    expect(c.initialisation).toBeCloseTo(Math.sqrt(4) * Math.exp(-2.5), 14);
    expect(c.discretisation).toBe(d.discretisation);
    expect(c.score).toBe(d.score);
    expect(() => cldBound({ ...inputs, fisherInformation: -1 })).toThrow(/inputs\.fisherInformation/);
  });
});

describe('errorDecomposition', () => {
  const q = givensProduct(2, [0.9]);
  const data = law([1, -1], rotatedDiagonal(q, [0.3, 2]));
  const bias = Float64Array.from([0.05, -0.1]);

  test('exact score, δ = 0: no score or early-stopping part; discretisation is KL(sampler from q_T ‖ data)', () => {
    const grid = uniformTimes(4, 80);
    const parts = errorDecomposition(data, { T: 4, grid, method: 'exponential-integrator' });
    expect(parts.score).toBe(0);
    expect(parts.earlyStopping).toBe(0);
    expect(parts.discretisation).toBeCloseTo(
      gaussianKL(exactDDPMLaw(data, { T: 4, grid, method: 'exponential-integrator', init: 'forward-marginal' }), data),
      15,
    );
  });

  test('W2: total ≤ sum of the parts (triangle inequality along the chain of laws)', () => {
    for (const method of ['exponential-integrator', 'euler-maruyama', 'ancestral', 'probability-flow'] as const) {
      for (const delta of [0, 0.05]) {
        const parts = errorDecomposition(data, {
          T: 2,
          grid: uniformTimes(2, 40, delta),
          method,
          scoreError: { scale: 0.05, bias },
          divergence: 'w2',
        });
        expect(parts.total).toBeLessThanOrEqual(parts.sum * (1 + 1e-12));
        expect(parts.earlyStopping > 0).toBe(delta > 0);
        expect(parts.score).toBeGreaterThan(0);
      }
    }
  });

  test('each part responds only to its own cause', () => {
    const at = (T: number, steps: number, scale: number) =>
      errorDecomposition(data, {
        T,
        grid: uniformTimes(T, steps),
        method: 'exponential-integrator',
        scoreError: { scale },
      });
    // Longer horizon at the same h: initialisation falls; finer h at the same T: discretisation falls.
    expect(at(6, 300, 0).initialisation).toBeLessThan(at(3, 150, 0).initialisation / 10);
    expect(at(3, 600, 0).discretisation).toBeLessThan(at(3, 150, 0).discretisation / 10);
    expect(at(3, 150, 0.2).score).toBeGreaterThan(at(3, 150, 0.1).score);
    expect(at(3, 150, 0.2).discretisation).toBe(at(3, 150, 0).discretisation);
    expect(at(3, 150, 0.2).initialisation).toBe(at(3, 150, 0).initialisation);
  });

  test('early stopping part is D(q_δ ‖ q_0)', () => {
    const parts = errorDecomposition(data, { T: 2, grid: uniformTimes(2, 20, 0.1), method: 'euler-maruyama' });
    expect(parts.earlyStopping).toBeCloseTo(gaussianKL(ouMarginal(data, 0.1), data), 15);
  });

  test('bad input: init is chosen by the decomposition; unknown divergence', () => {
    expect(() =>
      errorDecomposition(data, {
        T: 1,
        grid: uniformTimes(1, 4),
        method: 'ancestral',
        init: 'standard-normal',
      } as never),
    ).toThrow(/options\.init/);
    expect(() =>
      errorDecomposition(data, { T: 1, grid: uniformTimes(1, 4), method: 'ancestral', divergence: 'tv' as never }),
    ).toThrow(/options\.divergence/);
  });
});
