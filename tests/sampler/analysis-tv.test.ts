import { InvalidArgumentError, ShapeMismatchError, standardNormalCdf } from '@sgmkit/tensor';
import { gaussianTV, normalTV1D } from '@sgmkit/sampler';
import { expectArgumentError, law, unvalidatedLaw } from './analysis-helpers';

const density1 = (m: number, s: number) => (x: number) =>
  Math.exp(-((x - m) ** 2) / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI));

/** ½∫|p − q| on [−L, L] by composite Simpson with n panels. */
function integratedTV1D(p: (x: number) => number, q: (x: number) => number, L: number, n: number): number {
  const h = (2 * L) / n;
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    const x = -L + k * h;
    sum += (k === 0 || k === n ? 1 : k % 2 === 1 ? 4 : 2) * Math.abs(p(x) - q(x));
  }
  return (0.5 * sum * h) / 3;
}

/** ½∫|p − q| over a square by the midpoint rule on an n × n grid. */
function integratedTV2D(p: ReturnType<typeof law>, q: ReturnType<typeof law>, L: number, n: number): number {
  const density = (g: ReturnType<typeof law>) => {
    const [a, b, , c] = g.covariance.data as unknown as [number, number, number, number];
    const det = a * c - b * b;
    return (x: number, y: number) => {
      const [dx, dy] = [x - g.mean[0]!, y - g.mean[1]!];
      return Math.exp(-(c * dx * dx - 2 * b * dx * dy + a * dy * dy) / (2 * det)) / (2 * Math.PI * Math.sqrt(det));
    };
  };
  const [f, g] = [density(p), density(q)];
  const h = (2 * L) / n;
  let sum = 0;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      sum += Math.abs(f(-L + (i + 0.5) * h, -L + (j + 0.5) * h) - g(-L + (i + 0.5) * h, -L + (j + 0.5) * h));
  return 0.5 * sum * h * h;
}

describe('normalTV1D and gaussianTV in 1-D: exact', () => {
  test.each([
    [0, 1, 0.5, 1],
    [0, 1, 0, 2],
    [1, 0.3, -0.5, 1.7],
    [0, 1, 0, 1.001],
    [2, 1, -2, 0.2],
    [0, 1, 0, 1],
  ])('N(%d, %d²) vs N(%d, %d²) matches ½∫|p − q| by quadrature', (m1, s1, m2, s2) => {
    const numeric = integratedTV1D(density1(m1, s1), density1(m2, s2), 14, 200000);
    expect(normalTV1D(m1, s1, m2, s2)).toBeCloseTo(numeric, 8);
    const tv = gaussianTV(law([m1], [[s1 * s1]]), law([m2], [[s2 * s2]]));
    expect(tv.exact).toBe(normalTV1D(m1, s1, m2, s2));
    expect([tv.lower, tv.upper]).toEqual([tv.exact, tv.exact]);
    expect(normalTV1D(m2, s2, m1, s1)).toBeCloseTo(tv.exact!, 14);
  });
});

describe('gaussianTV in 2-D', () => {
  test('equal covariances: exact 2Φ(Δ/2) − 1 with Δ the Mahalanobis distance', () => {
    const cov = [
      [1, 0.5],
      [0.5, 2],
    ];
    const tv = gaussianTV(law([0, 0], cov), law([1, -1], cov));
    // Δ² = (1, −1) Σ⁻¹ (1, −1)ᵀ with Σ⁻¹ = [[2, −0.5], [−0.5, 1]]/1.75.
    const delta = Math.sqrt((2 + 1 + 1) / 1.75);
    expect(tv.exact).toBeCloseTo(2 * standardNormalCdf(delta / 2) - 1, 14);
    expect(tv.exact).toBeCloseTo(integratedTV2D(law([0, 0], cov), law([1, -1], cov), 9, 900), 4);
  });

  test.each([
    [
      [0, 0],
      [
        [1, 0],
        [0, 1],
      ],
      [0, 0],
      [
        [2, 0.3],
        [0.3, 0.5],
      ],
    ],
    [
      [0, 0],
      [
        [1, 0.2],
        [0.2, 1],
      ],
      [0.5, -0.3],
      [
        [1.2, -0.1],
        [-0.1, 0.9],
      ],
    ],
    [
      [1, 1],
      [
        [0.3, 0],
        [0, 3],
      ],
      [-1, 0.5],
      [
        [2, 0.8],
        [0.8, 1],
      ],
    ],
    [
      [0, 0],
      [
        [1, 0],
        [0, 1],
      ],
      [0.05, 0],
      [
        [1.02, 0],
        [0, 0.99],
      ],
    ],
  ])('bounds contain the numerically integrated TV: N(%j, %j) vs N(%j, %j)', (m1, c1, m2, c2) => {
    const [p, q] = [law(m1 as number[], c1 as number[][]), law(m2 as number[], c2 as number[][])];
    const tv = gaussianTV(p, q);
    const [coarse, fine] = [integratedTV2D(p, q, 10, 500), integratedTV2D(p, q, 10, 1000)];
    // The midpoint rule's error shrinks 4× per halving: 2|coarse − fine| bounds the fine value's error.
    const slack = 2 * Math.abs(coarse - fine) + 1e-9;
    expect(tv.exact).toBeUndefined();
    expect(tv.lower).toBeLessThanOrEqual(fine + slack);
    expect(tv.upper).toBeGreaterThanOrEqual(fine - slack);
    expect(tv.lower).toBeGreaterThan(0);
    expect(tv.upper).toBeLessThanOrEqual(1);
  });
});

describe('gaussianTV: bad input', () => {
  test('dimension mismatch and non-PD covariance name the argument', () => {
    const p = law(
      [0, 0],
      [
        [1, 0],
        [0, 1],
      ],
    );
    for (const [call, type, argument] of [
      [() => gaussianTV(p, law([0], [[1]])), ShapeMismatchError, 'q.mean'],
      [
        () =>
          gaussianTV(
            p,
            unvalidatedLaw(
              [0, 0],
              [
                [-1, 0],
                [0, 1],
              ],
            ),
          ),
        InvalidArgumentError,
        'q.covariance',
      ],
    ] as const)
      expectArgumentError(call, type, argument);
  });
});
