import { InvalidArgumentError } from '@sgmkit/tensor';
import {
  uniformGrid,
  earlyStoppingGrid,
  customGrid,
  stabilityLimit,
  expectStableGrid,
  cldExponentialIntegratorSpectralRadius,
} from '@sgmkit/sampler';

function steps(grid: Float64Array): number[] {
  const h: number[] = [];
  for (let k = 0; k + 1 < grid.length; k++) h.push(grid[k]! - grid[k + 1]!);
  return h;
}

describe('uniformGrid', () => {
  test('equal steps from T to delta, endpoints exact', () => {
    const g = uniformGrid(3, 6, 0.3);
    expect(g.length).toBe(7);
    expect(g[0]).toBe(3);
    expect(g[6]).toBe(0.3);
    for (const h of steps(g)) expect(h).toBeCloseTo(0.45, 14);
    expect(Array.from(uniformGrid(1, 4))).toEqual([1, 0.75, 0.5, 0.25, 0]);
  });

  test.each([
    ['T', () => uniformGrid(0, 4), 'T'],
    ['T NaN', () => uniformGrid(NaN, 4), 'T'],
    ['steps 0', () => uniformGrid(1, 0), 'steps'],
    ['steps 2.5', () => uniformGrid(1, 2.5), 'steps'],
    ['delta < 0', () => uniformGrid(1, 2, -0.1), 'delta'],
    ['delta >= T', () => uniformGrid(1, 2, 1), 'delta'],
  ])('rejects bad %s', (_name, call, argument) => {
    expect(call).toThrow(InvalidArgumentError);
    try {
      call();
    } catch (e) {
      expect((e as InvalidArgumentError).argument).toBe(argument);
    }
  });
});

describe('earlyStoppingGrid', () => {
  test('uniform far from the data, steps proportional to t below the switch time', () => {
    const T = 10,
      delta = 1e-3,
      N = 200;
    const g = earlyStoppingGrid(T, delta, N);
    expect(g.length).toBe(N + 1);
    expect(g[0]).toBe(T);
    expect(g[N]).toBe(delta);
    const h = steps(g);
    for (let k = 0; k < N; k++) expect(g[k + 1]!).toBeLessThan(g[k]!);
    // N1 = round(N L / (L + G)) uniform steps with L = T - 1, G = ln(1/delta)
    const L = T - 1,
      G = Math.log(1 / delta);
    const n1 = Math.round((N * L) / (L + G));
    expect(g[n1]).toBeCloseTo(1, 12);
    for (let k = 0; k < n1; k++) expect(h[k]).toBeCloseTo(L / n1, 12);
    // geometric part: h_k / t_k is the same constant 1 - delta^(1/N2)
    const ratio = 1 - Math.pow(delta, 1 / (N - n1));
    for (let k = n1; k < N; k++) expect(h[k]! / g[k]!).toBeCloseTo(ratio, 12);
    // the step is continuous across the switch: both sides ≈ κ = (L + G)/N
    const kappa = (L + G) / N;
    expect(Math.abs(h[n1 - 1]! - kappa) / kappa).toBeLessThan(0.1);
    expect(Math.abs(h[n1]! - kappa) / kappa).toBeLessThan(0.1);
  });

  test('all geometric when T <= switch time', () => {
    const g = earlyStoppingGrid(0.5, 1e-4, 10);
    const h = steps(g);
    const r = 1 - Math.pow(1e-4 / 0.5, 1 / 10);
    for (let k = 0; k < 10; k++) expect(h[k]! / g[k]!).toBeCloseTo(r, 12);
  });

  test('switchTime option moves the split', () => {
    const g = earlyStoppingGrid(4, 0.01, 40, { switchTime: 2 });
    const L = 2,
      G = Math.log(2 / 0.01);
    const n1 = Math.round((40 * L) / (L + G));
    expect(g[n1]).toBeCloseTo(2, 12);
  });

  test('rejects bad input', () => {
    expect(() => earlyStoppingGrid(1, 0, 10)).toThrow(/argument 'delta'/);
    expect(() => earlyStoppingGrid(1, 1, 10)).toThrow(/argument 'delta'/);
    expect(() => earlyStoppingGrid(10, 0.01, 1)).toThrow(/argument 'steps'/);
    expect(() => earlyStoppingGrid(10, 0.01, 5, { switchTime: -1 })).toThrow(/options.switchTime/);
    expect(() => earlyStoppingGrid(-1, 0.01, 5)).toThrow(InvalidArgumentError);
  });
});

describe('customGrid', () => {
  test('copies a valid grid', () => {
    const times = [2, 1, 0.5, 0.1];
    const g = customGrid(times, 2);
    expect(Array.from(g)).toEqual(times);
    expect(g).toBeInstanceOf(Float64Array);
  });

  test.each([
    ['too short', [2], 'times'],
    ['not starting at T', [1.5, 1, 0], 'times[0]'],
    ['not decreasing', [2, 1, 1, 0], 'times[2]'],
    ['increasing', [2, 1, 1.5], 'times[2]'],
    ['negative', [2, 1, -0.5], 'times[2]'],
    ['NaN', [2, NaN, 0], 'times[1]'],
    ['Infinity', [2, Infinity], 'times[1]'],
    ['above T', [2, 3], 'times[1]'],
  ])('rejects a grid that is %s', (_name, times, argument) => {
    try {
      customGrid(times as number[], 2);
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidArgumentError);
      expect((e as InvalidArgumentError).argument).toBe(argument);
    }
  });

  test('rejects a non-array', () => {
    expect(() => customGrid('0,1' as unknown as number[], 1)).toThrow(InvalidArgumentError);
  });
});

describe('stability limits', () => {
  test('DDPM limits: ln 3 from |2 - e^h| < 1, 2 from |1 - h| < 1; ancestral and probability flow unconditionally stable at N(0, I)', () => {
    expect(stabilityLimit('ddpm', 'exponential-integrator')).toBe(Math.log(3));
    expect(Math.abs(2 - Math.exp(stabilityLimit('ddpm', 'exponential-integrator')))).toBeCloseTo(1, 14);
    expect(stabilityLimit('ddpm', 'euler-maruyama')).toBe(2);
    expect(stabilityLimit('ddpm', 'ancestral')).toBe(Infinity);
    expect(stabilityLimit('ddpm', 'probability-flow')).toBe(Infinity);
    expect(stabilityLimit('cld', 'euler-maruyama')).toBe(2);
    expect(stabilityLimit('cld', 'sscs')).toBe(Infinity);
  });

  test('CLD exponential integrator: spectral radius of the closed-form one-step map crosses 1 near 0.537', () => {
    const limit = stabilityLimit('cld', 'exponential-integrator');
    expect(limit).toBeGreaterThan(0.53);
    expect(limit).toBeLessThan(0.54);
    expect(cldExponentialIntegratorSpectralRadius(limit * (1 - 1e-9))).toBeLessThan(1);
    expect(cldExponentialIntegratorSpectralRadius(limit * (1 + 1e-9))).toBeGreaterThan(1);
  });

  test('CLD spectral radius agrees with the one-step map built from a numerically integrated matrix exponential', () => {
    // Independent construction: M_h = exp(hR) - 4 (∫0^h exp(rR) dr) e2 e2ᵀ with exp by Taylor series and Simpson's rule.
    const expm = (r: number): number[] => {
      // R = [[0, -1], [1, 2]]
      let term = [1, 0, 0, 1];
      const sum = [1, 0, 0, 1];
      for (let k = 1; k < 60; k++) {
        const [a, b, c, d] = term as [number, number, number, number];
        term = [(-c * r) / k, (-d * r) / k, ((a + 2 * c) * r) / k, ((b + 2 * d) * r) / k];
        for (let i = 0; i < 4; i++) sum[i]! += term[i]!;
      }
      return sum;
    };
    for (const h of [0.1, 0.4, 0.537, 0.6, 1.2]) {
      const E = expm(h);
      const m = 2000;
      const I = [0, 0, 0, 0];
      for (let q = 0; q <= m; q++) {
        const w = ((q === 0 || q === m ? 1 : q % 2 ? 4 : 2) * h) / (3 * m);
        const F = expm((h * q) / m);
        for (let i = 0; i < 4; i++) I[i]! += w * F[i]!;
      }
      const M = [E[0]!, E[1]! - 4 * I[1]!, E[2]!, E[3]! - 4 * I[3]!];
      const tr = M[0]! + M[3]!,
        det = M[0]! * M[3]! - M[1]! * M[2]!;
      const disc = tr * tr - 4 * det;
      const rho =
        disc >= 0
          ? Math.max(Math.abs((tr + Math.sqrt(disc)) / 2), Math.abs((tr - Math.sqrt(disc)) / 2))
          : Math.sqrt(det);
      expect(cldExponentialIntegratorSpectralRadius(h)).toBeCloseTo(rho, 8);
    }
  });

  test('a grid with a step at or above the limit is refused, naming the step', () => {
    const ok = uniformGrid(3, 3); // h = 1 < ln 3
    expect(() => expectStableGrid('f', 'grid', ok, 'ddpm', 'exponential-integrator')).not.toThrow();
    const bad = customGrid([3, 2.5, 1.3, 0], 3); // step 1 has h = 1.2
    expect(() => expectStableGrid('f', 'grid', bad, 'ddpm', 'exponential-integrator')).toThrow(
      /step 1 from t = 2.5 to t = 1.3 has h = 1.2/,
    );
    expect(() => expectStableGrid('f', 'grid', uniformGrid(3, 5), 'cld', 'exponential-integrator')).toThrow(/step 0/);
    expect(() => expectStableGrid('f', 'grid', uniformGrid(30, 5), 'cld', 'sscs')).not.toThrow();
  });

  test('rejects unknown samplers and methods', () => {
    expect(() => stabilityLimit('ddpm', 'rk4' as never)).toThrow(/argument 'method'/);
    expect(() => stabilityLimit('vp' as never, 'sscs')).toThrow(/argument 'sampler'/);
  });
});
