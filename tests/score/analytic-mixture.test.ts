import {
  batch,
  DTypeMismatchError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
} from '@sgmkit/tensor';
import {
  gaussianMixtureScore,
  gaussianScore,
  ringMixture,
  ringMixtureParameters,
  scoreFromSpec,
  type Score,
} from '@sgmkit/score';
import {
  evaluateRows,
  expectArgumentError,
  finiteDifferenceGradient,
  logGaussianDensity,
  logMixtureDensity,
  ouCovariance,
  solve,
  spdMatrix,
  testPoints,
  type Matrix,
} from './analytic-reference';
import { covarianceMatrix } from './data-reference';

/** log q_t(x) of the mixture, computed directly from its definition. */
function logDensityAt(weights: number[], means: number[][], sigmas: Matrix[], t: number): (x: number[]) => number {
  const decay = Math.exp(-t);
  const meansT = means.map((m) => m.map((v) => decay * v));
  const sigmasT = sigmas.map((s) => ouCovariance(s, t));
  return (x) => logMixtureDensity(x, weights, meansT, sigmasT);
}

const mixture2d = {
  weights: [0.2, 0.5, 0.3],
  means: [
    [2, 0],
    [-1, 1.5],
    [0, -3],
  ],
  covariances: [
    [
      [0.3, 0.1],
      [0.1, 0.2],
    ],
    [
      [1.2, -0.4],
      [-0.4, 0.5],
    ],
    [
      [0.05, 0],
      [0, 0.8],
    ],
  ] as Matrix[],
};
const mixture3d = {
  weights: [0.6, 0.4],
  means: [
    [1, 0, -1],
    [-2, 1, 0.5],
  ],
  covariances: [spdMatrix(3, 1), spdMatrix(3, 2)],
};

describe('gaussianMixtureScore', () => {
  // Central differences with h = 1e-5: truncation h²|f'''|/6 ≲ 1e-8 here, rounding ε|f|/h ≲ 1e-9.
  test.each([
    ['d = 2 (specialised kernel)', mixture2d],
    ['d = 3 (general kernel)', mixture3d],
  ])('%s: matches finite differences of the directly computed log q_t', (_, { weights, means, covariances }) => {
    const score = gaussianMixtureScore({ weights, means, covariances });
    const d = means[0]!.length;
    const points = testPoints(25, d, 3);
    for (const t of [0, 0.05, 0.5, 2]) {
      const logDensity = logDensityAt(weights, means, covariances, t);
      const got = evaluateRows(score, t, points);
      points.forEach((x, i) => {
        const want = finiteDifferenceGradient(logDensity, x, 1e-5);
        want.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThan(1e-6 * Math.max(1, Math.abs(w))));
      });
    }
  });

  test('far-away particles (|x| = 1e6) get the finite score of the dominant component', () => {
    const { weights, means, covariances } = mixture2d;
    const score = gaussianMixtureScore({ weights, means, covariances });
    const t = 0.3;
    const decay = Math.exp(-t);
    const far = [
      [1e6, 0],
      [-1e6, 1e6],
      [0, -1e6],
      [1e6, 1e6],
    ];
    const got = evaluateRows(score, t, far);
    far.forEach((x, i) => {
      const logs = weights.map(
        (w, k) =>
          Math.log(w) +
          logMixtureDensity(x, [1], [means[k]!.map((v) => decay * v)], [ouCovariance(covariances[k]!, t)]),
      );
      const k = logs.indexOf(Math.max(...logs));
      const want = solve(
        ouCovariance(covariances[k]!, t),
        x.map((v, j) => decay * means[k]![j]! - v),
      ).y;
      want.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThanOrEqual(1e-12 * Math.abs(w) + 1e-9));
    });
  });

  test('one component is the Gaussian score; zero-weight components change nothing', () => {
    const covariance = [
      [0.7, 0.2],
      [0.2, 0.4],
    ];
    const single = gaussianMixtureScore({ weights: [1], means: [[1, -1]], covariances: [covariance] });
    const gaussian = gaussianScore({ mean: [1, -1], covariance });
    const withZero = gaussianMixtureScore({
      weights: [1, 0],
      means: [
        [1, -1],
        [5, 5],
      ],
      covariances: [covariance, 1],
    });
    const points = testPoints(20, 2, 4);
    for (const t of [0, 0.4]) {
      const want = evaluateRows(gaussian, t, points).flat();
      evaluateRows(single, t, points)
        .flat()
        .forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-13 * Math.max(1, Math.abs(want[k]!))));
      expect(evaluateRows(withZero, t, points)).toEqual(evaluateRows(single, t, points));
    }
  });

  test('normalizeWeights rescales; the spec keeps the normalised weights', () => {
    const normalised = gaussianMixtureScore({ ...mixture2d, weights: [2, 5, 3], normalizeWeights: true });
    expect(normalised.spec.weights).toEqual([0.2, 0.5, 0.3]);
    expect(normalised.components).toBe(3);
  });

  test('float32 batches: computed in double, rounded once on store', () => {
    const score = gaussianMixtureScore(mixture2d);
    const points = testPoints(10, 2, 3).map((p) => p.map(Math.fround));
    const want = evaluateRows(score, 0.2, points).flat();
    evaluateRows(score, 0.2, points, 'float32')
      .flat()
      .forEach((v, k) => expect(v).toBe(Math.fround(want[k]!)));
  });

  test('second moment Σ w_k(|μ_k|² + tr Σ_k) exactly', () => {
    const { assumptions } = gaussianMixtureScore(mixture2d);
    expect(assumptions.secondMoment).toBeCloseTo(0.2 * (4 + 0.5) + 0.5 * (3.25 + 1.7) + 0.3 * (9 + 0.85), 13);
  });

  test('NaN in a row of x gives NaN in that row only', () => {
    const got = evaluateRows(gaussianMixtureScore(mixture2d), 0.1, [
      [0, NaN],
      [1, 1],
    ]);
    expect(got[0]!.every(Number.isNaN)).toBe(true);
    expect(got[1]!.every(Number.isFinite)).toBe(true);
    const got3 = evaluateRows(gaussianMixtureScore(mixture3d), 0.1, [
      [NaN, 0, 0],
      [1, 1, 1],
    ]);
    expect(got3[0]!.every(Number.isNaN)).toBe(true);
    expect(got3[1]!.every(Number.isFinite)).toBe(true);
  });

  test('spec round trip through JSON is bit-identical', () => {
    for (const score of [
      gaussianMixtureScore(mixture2d),
      gaussianMixtureScore(mixture3d),
      ringMixture({ components: 5 }),
    ]) {
      const rebuilt = scoreFromSpec(JSON.parse(JSON.stringify(score.spec))) as Score;
      const points = testPoints(40, score.dim, 6);
      for (const t of [0, 0.3]) expect(evaluateRows(rebuilt, t, points)).toEqual(evaluateRows(score, t, points));
    }
  });

  test('bad input: typed errors naming the argument', () => {
    const { means, covariances } = mixture2d;
    const make = (over: Record<string, unknown>) => () => gaussianMixtureScore({ ...mixture2d, ...over } as never);
    expectArgumentError(make({ weights: [0.5, -0.1, 0.6] }), InvalidArgumentError, 'weights[1]');
    expectArgumentError(make({ weights: [0.2, 0.5, 0.31] }), InvalidArgumentError, 'weights');
    expectArgumentError(make({ weights: [0, 0, 0], normalizeWeights: true }), InvalidArgumentError, 'weights');
    expectArgumentError(make({ weights: [NaN, 0.5, 0.5] }), InvalidArgumentError, 'weights[0]');
    expectArgumentError(make({ means: means.slice(0, 2) }), ShapeMismatchError, 'means');
    expectArgumentError(make({ covariances: covariances.slice(0, 2) }), ShapeMismatchError, 'covariances');
    expectArgumentError(
      make({
        means: [
          [2, 0],
          [1, 1, 1],
          [0, 0],
        ],
      }),
      ShapeMismatchError,
      'means[1]',
    );
    expectArgumentError(
      make({
        means: [
          [2, NaN],
          [1, 1],
          [0, 0],
        ],
      }),
      InvalidArgumentError,
      'means[0][1]',
    );
    expectArgumentError(
      make({
        covariances: [
          1,
          [
            [1, 2],
            [2, 1],
          ],
          1,
        ],
      }),
      NotPositiveDefiniteError,
      'covariances[1]',
    );
    expectArgumentError(make({ covariances: [1, 1, [1, 1, 1]] }), ShapeMismatchError, 'covariances[2]');
    expectArgumentError(make({ covariances: [1, 1, -2] }), NotPositiveDefiniteError, 'covariances[2]');
    const score = gaussianMixtureScore(mixture2d);
    expectArgumentError(() => score.evaluate(-0.1, batch(2, 2), batch(2, 2)), InvalidArgumentError, 't');
    expectArgumentError(() => score.evaluate(0.1, batch(2, 3), batch(2, 3)), ShapeMismatchError, 'x');
    expectArgumentError(() => score.evaluate(0.1, batch(2, 2), batch(3, 2)), ShapeMismatchError, 'out');
    expectArgumentError(() => score.evaluate(0.1, batch(2, 2), batch(2, 2, 'float32')), DTypeMismatchError, 'out');
    expectArgumentError(() => ringMixture({ components: 0 }), InvalidArgumentError, 'options.components');
    expectArgumentError(() => ringMixture({ std: 0 }), InvalidArgumentError, 'options.std');
    expectArgumentError(() => ringMixture({ radius: NaN }), InvalidArgumentError, 'options.radius');
  });
});

/** A covariance argument (number, diagonal or matrix) as a reference matrix. */
/**
 * The score at x from its definition, with an error bar. The posterior weights p_k = softmax(l_k) and component
 * scores s_k = Σ_{k,t}^{-1}(m_{k,t} − x) come from the independent reference formulas; s = Σ p_k s_k. `sensitivity`
 * is the first-order change of s under relative logit perturbations: ∂s/∂l_k = p_k (s_k − s), and any two correct
 * evaluations round each l_k differently by up to a few ε·|l_k|, so they may differ by ≈ ε·Σ_k p_k |s_k − s|·|l_k|.
 */
function scoreWithSensitivity(weights: number[], means: number[][], covariances: Matrix[], t: number, x: number[]) {
  const decay = Math.exp(-t);
  const logs = weights.map(
    (w, k) =>
      Math.log(w) +
      logGaussianDensity(
        x,
        means[k]!.map((v) => decay * v),
        ouCovariance(covariances[k]!, t),
      ),
  );
  const max = Math.max(...logs);
  const unnormalised = logs.map((l) => Math.exp(l - max));
  const total = unnormalised.reduce((a, b) => a + b, 0);
  const p = unnormalised.map((u) => u / total);
  const scores = covariances.map(
    (c, k) =>
      solve(
        ouCovariance(c, t),
        x.map((v, j) => decay * means[k]![j]! - v),
      ).y,
  );
  const score = x.map((_, j) => p.reduce((a, pk, k) => a + pk * scores[k]![j]!, 0));
  const sensitivity = x.map((_, j) =>
    p.reduce((a, pk, k) => a + pk * Math.abs(scores[k]![j]! - score[j]!) * (Math.abs(logs[k]!) + Math.abs(max)), 0),
  );
  return { score, sensitivity };
}

/** Scattered points at the test scale plus a radial sweep out to 1e6 (crossing the kernels' near/far switch). */
function sweepPoints(d: number): number[][] {
  const radial = [0.5, 2, 5, 8, 12, 20, 50, 100, 1e3, 1e4, 1e6].flatMap((r, i) =>
    testPoints(3, d, 1).map((p, j) => {
      const dir = p.map((v, c) => v + 0.3 * Math.cos(i + j + c));
      const norm = Math.hypot(...dir);
      return dir.map((v) => (r * v) / norm);
    }),
  );
  return [...testPoints(30, d, 3), ...radial];
}

describe('gaussianMixtureScore specialised kernels', () => {
  const weights3 = [0.2, 0.5, 0.3];
  const cases: [
    string,
    { weights: number[]; means: number[][]; covariances: (number | number[] | Matrix)[] },
    string,
  ][] = [
    ['ring (isotropic, equal variances, d = 2)', ringMixtureParameters() as never, 'isotropic'],
    [
      'isotropic, unequal variances, d = 2',
      { weights: weights3, means: mixture2d.means, covariances: [0.3, 1.2, 0.05] },
      'isotropic',
    ],
    [
      'isotropic, one shared variance, unequal weights, d = 2',
      { weights: weights3, means: mixture2d.means, covariances: [0.4, 0.4, 0.4] },
      'isotropic',
    ],
    ['isotropic, d = 3', { weights: [0.6, 0.4], means: mixture3d.means, covariances: [0.4, 2] }, 'isotropic'],
    [
      'diagonal, d = 3',
      {
        weights: [0.6, 0.4],
        means: mixture3d.means,
        covariances: [
          [0.3, 1, 2],
          [1.5, 0.2, 0.7],
        ],
      },
      'diagonal',
    ],
    [
      'isotropic and diagonal mixed, d = 3',
      { weights: [0.6, 0.4], means: mixture3d.means, covariances: [0.4, [1.5, 0.2, 0.7]] },
      'diagonal',
    ],
    [
      'diagonal, d = 2 (full 2 × 2 kernel)',
      {
        weights: weights3,
        means: mixture2d.means,
        covariances: [
          [0.3, 0.9],
          0.5,
          [
            [0.2, 0],
            [0, 0.6],
          ],
        ],
      },
      'full',
    ],
    ['full, d = 2', mixture2d, 'full'],
    ['full, d = 3', mixture3d, 'full'],
  ];

  test.each(cases)('%s: detected kernel', (_, parameters, kernel) => {
    expect(gaussianMixtureScore(parameters as never).kernel).toBe(kernel);
    expect(gaussianMixtureScore(parameters as never, { kernel: 'full' }).kernel).toBe('full');
  });

  test('matrices that are exactly σ²I or diagonal are detected as such; a tiny off-diagonal is not', () => {
    expect(
      gaussianMixtureScore({
        weights: [1],
        means: [[0, 0, 0]],
        covariances: [
          [
            [2, 0, 0],
            [0, 2, 0],
            [0, 0, 2],
          ],
        ],
      }).kernel,
    ).toBe('isotropic');
    expect(gaussianMixtureScore({ weights: [1], means: [[0, 0, 0]], covariances: [[2, 2, 2 + 1e-15]] }).kernel).toBe(
      'diagonal',
    );
    expect(
      gaussianMixtureScore({
        weights: [1],
        means: [[0, 0]],
        covariances: [
          [
            [2, 1e-300],
            [1e-300, 2],
          ],
        ],
      }).kernel,
    ).toBe('full');
  });

  // Both the specialised kernels and the general full-covariance one must equal the score from its definition to
  // 1e-13 relative, up to the (computed) first-order effect of rounding the logits; so they agree with each other.
  test.each(cases)(
    '%s: equals the general full-covariance kernel and the definition, near and far',
    (_, parameters) => {
      const fast = gaussianMixtureScore(parameters as never);
      const general = gaussianMixtureScore(parameters as never, { kernel: 'full' });
      const d = fast.dim;
      const covariances = parameters.covariances.map((c) => covarianceMatrix(c, d));
      const points = sweepPoints(d);
      for (const t of [0, 0.05, 0.3, 2]) {
        const got = evaluateRows(fast, t, points);
        const reference = evaluateRows(general, t, points);
        points.forEach((x, i) => {
          const { score, sensitivity } = scoreWithSensitivity(parameters.weights, parameters.means, covariances, t, x);
          score.forEach((want, j) => {
            const tolerance = 1e-13 * Math.max(1, Math.abs(want)) + 8 * Number.EPSILON * sensitivity[j]!;
            expect(Number.isFinite(got[i]![j]!)).toBe(true);
            expect(Math.abs(got[i]![j]! - want)).toBeLessThanOrEqual(tolerance);
            expect(Math.abs(reference[i]![j]! - want)).toBeLessThanOrEqual(tolerance);
          });
        });
      }
    },
  );

  test.each([[[1e-4, 2e-4]], [[1e-4, 1e-4]]])(
    'tiny variances %j (no near region: every particle takes the max path) stay exact',
    (variances) => {
      const parameters = {
        weights: [0.5, 0.5],
        means: [
          [30, 0],
          [-30, 1],
        ],
        covariances: variances,
      };
      const score = gaussianMixtureScore(parameters);
      const covariances = parameters.covariances.map((c) => covarianceMatrix(c, 2));
      const points = [
        [30.001, 0.002],
        [-29.99, 1.01],
        [0, 0.5],
        [1e6, -1e6],
      ];
      const got = evaluateRows(score, 0, points);
      points.forEach((x, i) => {
        const { score: want, sensitivity } = scoreWithSensitivity(
          parameters.weights,
          parameters.means,
          covariances,
          0,
          x,
        );
        want.forEach((w, j) =>
          expect(Math.abs(got[i]![j]! - w)).toBeLessThanOrEqual(
            1e-13 * Math.max(1, Math.abs(w)) + 8 * Number.EPSILON * sensitivity[j]!,
          ),
        );
      });
    },
  );

  test('float32 batches: the specialised kernels compute in double and round once on store', () => {
    for (const score of [
      ringMixture(),
      gaussianMixtureScore({ weights: [0.6, 0.4], means: mixture3d.means, covariances: [[0.3, 1, 2], 0.5] }),
    ]) {
      const points = sweepPoints(score.dim).map((p) => p.map(Math.fround));
      const want = evaluateRows(score, 0.2, points).flat();
      evaluateRows(score, 0.2, points, 'float32')
        .flat()
        .forEach((v, k) => expect(v).toBe(Math.fround(want[k]!)));
    }
  });

  test('NaN rows give NaN in the specialised kernels too', () => {
    for (const score of [
      ringMixture(),
      gaussianMixtureScore({ weights: [1], means: [[0, 0, 0]], covariances: [[1, 2, 3]] }),
    ]) {
      const d = score.dim;
      const got = evaluateRows(score, 0.1, [
        new Array<number>(d).fill(0).map((_, c) => (c === 1 ? NaN : 0)),
        new Array<number>(d).fill(1),
      ]);
      expect(got[0]!.every(Number.isNaN)).toBe(true);
      expect(got[1]!.every(Number.isFinite)).toBe(true);
    }
  });

  test('bad options: typed errors naming the argument', () => {
    expectArgumentError(
      () => gaussianMixtureScore(mixture2d, { kernel: 'fast' } as never),
      InvalidArgumentError,
      'options.kernel',
    );
    expectArgumentError(() => gaussianMixtureScore(mixture2d, null as never), InvalidArgumentError, 'options');
  });
});

describe('ringMixture', () => {
  test('8 equal Gaussians of std 0.5 on the circle of radius 4; m₂ = r² + 2σ²', () => {
    const { means, weights } = ringMixtureParameters();
    expect(means).toHaveLength(8);
    for (const [k, m] of (means as number[][]).entries()) {
      expect(Math.hypot(m[0]!, m[1]!)).toBeCloseTo(4, 14);
      expect(Math.atan2(m[1]!, m[0]!)).toBeCloseTo(
        Math.atan2(Math.sin((2 * Math.PI * k) / 8), Math.cos((2 * Math.PI * k) / 8)),
        14,
      );
    }
    expect(weights).toEqual(new Array(8).fill(1 / 8));
    const ring = ringMixture();
    expect(ring.spec.covariances).toEqual(new Array(8).fill(0.25));
    expect(ring.assumptions.secondMoment).toBeCloseTo(16 + 2 * 0.25, 13);
    // By the ring's symmetry the score at the origin vanishes.
    evaluateRows(ring, 0.2, [[0, 0]])[0]!.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-13));
  });
});
