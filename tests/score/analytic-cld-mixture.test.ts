import {
  batch,
  fromArray,
  DTypeMismatchError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
} from '@sgmkit/tensor';
import {
  cldGaussianMixtureScore,
  cldGaussianScore,
  cldPointCloudScore,
  scoreFromSpec,
  type CLDScore,
} from '@sgmkit/score';
import {
  expectArgumentError,
  finiteDifferenceGradient,
  solve,
  spdMatrix,
  testPoints,
  type Matrix,
} from './analytic-reference';

// Independent reference: the joint law of (x_t, v_t) of each component built in 2d dimensions from
// e^{tA} written out and the noise covariance Q_t by composite Simpson quadrature of
// ∫₀ᵗ e^{uA} diag(0, 4) e^{uAᵀ} du (no closed form of the package is used), then densities and scores
// by Gaussian elimination.

/** e^{uA} for A = [[0, 1], [−1, −2]] (A = −I + N, N² = 0). */
function flow(u: number): Matrix {
  const e = Math.exp(-u);
  return [
    [e * (1 + u), e * u],
    [-e * u, e * (1 - u)],
  ];
}

/** Q_t by composite Simpson with 4000 intervals (error ≈ 1e-15 relative for the t used here). */
function noiseCovariance(t: number): Matrix {
  const intervals = 4000;
  const h = t / intervals;
  const q: Matrix = [
    [0, 0],
    [0, 0],
  ];
  for (let i = 0; i <= intervals; i++) {
    const weight = i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2;
    const column = flow(i * h).map((row) => row[1]!); // e^{uA}(0, 1)ᵀ
    for (let r = 0; r < 2; r++)
      for (let c = 0; c < 2; c++) q[r]![c]! += ((weight * h) / 3) * 4 * column[r]! * column[c]!;
  }
  return q;
}

interface JointComponent {
  readonly logWeight: number;
  readonly mean: number[];
  readonly covariance: Matrix;
}

/** Components of the joint law at time t: mean (E⊗I)(m, 0), covariance (E⊗I) diag(S, γI) (E⊗I)ᵀ + Q⊗I. */
function jointComponents(
  weights: number[],
  means: number[][],
  covariances: Matrix[],
  gamma: number,
  t: number,
): JointComponent[] {
  const d = means[0]!.length;
  const e = flow(t);
  const q = noiseCovariance(t);
  return weights.map((w, k) => {
    const initial = Array.from({ length: 2 * d }, (_, i) =>
      Array.from({ length: 2 * d }, (_, j) => {
        if (i < d && j < d) return covariances[k]![i]![j]!;
        return i === j ? gamma : 0;
      }),
    );
    const big = Array.from({ length: 2 * d }, (_, i) =>
      Array.from({ length: 2 * d }, (_, j) => (i % d === j % d ? e[Math.floor(i / d)]![Math.floor(j / d)]! : 0)),
    );
    const covariance = big.map((row, i) =>
      big.map((_, j) => {
        let s = 0;
        for (let a = 0; a < 2 * d; a++) for (let b = 0; b < 2 * d; b++) s += row[a]! * initial[a]![b]! * big[j]![b]!;
        return s + (i % d === j % d ? q[Math.floor(i / d)]![Math.floor(j / d)]! : 0);
      }),
    );
    const mean = [...means[k]!.map((m) => e[0]![0]! * m), ...means[k]!.map((m) => e[1]![0]! * m)];
    return { logWeight: Math.log(w), mean, covariance };
  });
}

/** ln N_k(z) + ln w_k and ∇_v ln N_k(z) = −[P^{-1}(z − μ)]_v for every component. */
function componentTerms(components: JointComponent[], z: number[]): { logs: number[]; scores: number[][] } {
  const d = z.length / 2;
  const logs: number[] = [];
  const scores: number[][] = [];
  for (const { logWeight, mean, covariance } of components) {
    const diff = z.map((v, i) => v - mean[i]!);
    const { y, logAbsDet } = solve(covariance, diff);
    logs.push(logWeight - 0.5 * (diff.reduce((s, v, i) => s + v * y[i]!, 0) + logAbsDet));
    scores.push(y.slice(d).map((v) => -v));
  }
  return { logs, scores };
}

/** ln q_t(x, v) up to a constant. */
function logJointDensity(components: JointComponent[], z: number[]): number {
  const { logs } = componentTerms(components, z);
  const max = Math.max(...logs);
  return max + Math.log(logs.reduce((s, l) => s + Math.exp(l - max), 0));
}

/** The velocity score by its definition, Σ_k r_k ∇_v ln N_k with posterior weights r_k. */
function referenceScore(components: JointComponent[], z: number[]): number[] {
  const { logs, scores } = componentTerms(components, z);
  const max = Math.max(...logs);
  const r = logs.map((l) => Math.exp(l - max));
  const total = r.reduce((s, v) => s + v, 0);
  return scores[0]!.map((_, j) => scores.reduce((s, sk, k) => s + (r[k]! * sk[j]!) / total, 0));
}

function evaluateCLDRows(
  score: CLDScore,
  t: number,
  xs: number[][],
  vs: number[][],
  dtype: 'float64' | 'float32' = 'float64',
): number[][] {
  const out = batch(xs.length, score.dim, dtype);
  score.evaluate(t, fromArray(xs, dtype), fromArray(vs, dtype), out);
  return xs.map((_, i) => Array.from(out.data.subarray(i * score.dim, (i + 1) * score.dim)));
}

const isotropic = (d: number, s: number): Matrix =>
  Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? s : 0)));
const diagonal = (values: number[]): Matrix => values.map((v, i) => values.map((_, j) => (i === j ? v : 0)));

/** Mixtures of every covariance structure; `input` is what the score is given, `matrices` the reference's dense form. */
const cases = [
  {
    name: 'd = 2, full components (general kernel)',
    weights: [0.2, 0.5, 0.3],
    means: [
      [2, 0],
      [-1, 1.5],
      [0, -3],
    ],
    matrices: [
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
    input: [
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
    kernel: 'full',
  },
  {
    name: 'd = 3, full components',
    weights: [0.6, 0.4],
    means: [
      [1, 0, -1],
      [-2, 1, 0.5],
    ],
    matrices: [spdMatrix(3, 1), spdMatrix(3, 2)],
    input: [spdMatrix(3, 1), spdMatrix(3, 2)],
    kernel: 'full',
  },
  {
    name: 'd = 3, diagonal components',
    weights: [0.25, 0.75],
    means: [
      [1, 2, -1],
      [-1, 0, 2],
    ],
    matrices: [diagonal([0.2, 1, 0.5]), diagonal([0.7, 0.1, 1.5])],
    input: [
      [0.2, 1, 0.5],
      [0.7, 0.1, 1.5],
    ],
    kernel: 'diagonal',
  },
  {
    name: 'd = 2, isotropic components of different variances',
    weights: [0.1, 0.3, 0.6],
    means: [
      [3, 0],
      [0, 3],
      [-2, -2],
    ],
    matrices: [isotropic(2, 0.25), isotropic(2, 1), isotropic(2, 0.05)],
    input: [0.25, 1, 0.05],
    kernel: 'isotropic',
  },
  {
    name: 'd = 2, isotropic components of one variance (affine-logit kernel)',
    weights: [0.1, 0.2, 0.3, 0.4],
    means: [
      [4, 0],
      [0, 4],
      [-4, 0],
      [0, -4],
    ],
    matrices: [0, 1, 2, 3].map(() => isotropic(2, 0.25)),
    input: [0.25, 0.25, 0.25, 0.25],
    kernel: 'isotropic',
  },
  {
    name: 'd = 3, isotropic components of one variance (affine-logit kernel)',
    weights: [0.5, 0.25, 0.25],
    means: [
      [1, 2, -1],
      [-1, 0, 2],
      [0, -2, 0],
    ],
    matrices: [0, 1, 2].map(() => isotropic(3, 0.09)),
    input: [0.09, 0.09, 0.09],
    kernel: 'isotropic',
  },
  {
    name: 'd = 1, isotropic (bimodal)',
    weights: [0.3, 0.7],
    means: [[-2], [2]],
    matrices: [isotropic(1, 0.25), isotropic(1, 0.5)],
    input: [0.25, 0.5],
    kernel: 'isotropic',
  },
];

describe('cldGaussianMixtureScore', () => {
  // Central differences with h = 1e-5 in v: truncation h²|f'''|/6 ≲ 1e-8, rounding ε|f|/h ≲ 1e-9.
  test.each(cases)(
    '$name: matches finite differences of the independently computed log q_t(x, v)',
    ({ weights, means, matrices, input, kernel }) => {
      for (const gamma of [1, 0.04]) {
        const score = cldGaussianMixtureScore({
          weights,
          means,
          covariances: input as never,
          initialVelocityVariance: gamma,
        });
        expect(score.kernel).toBe(kernel);
        const d = means[0]!.length;
        const xs = testPoints(12, d, 3);
        const vs = testPoints(12, d, 2).map((row) => row.map((v) => -v * 0.7 + 0.2));
        for (const t of [0, 0.05, 0.5, 2]) {
          const joint = jointComponents(weights, means, matrices, gamma, t);
          const got = evaluateCLDRows(score, t, xs, vs);
          xs.forEach((x, i) => {
            const want = finiteDifferenceGradient((v) => logJointDensity(joint, [...x, ...v]), vs[i]!, 1e-5);
            want.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThan(1e-6 * Math.max(1, Math.abs(w))));
            const exact = referenceScore(joint, [...x, ...vs[i]!]);
            exact.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThan(1e-10 * Math.max(1, Math.abs(w))));
          });
        }
      }
    },
  );

  test.each(cases)('$name: the specialised kernel equals the general one', ({ weights, means, input }) => {
    const auto = cldGaussianMixtureScore({ weights, means, covariances: input as never });
    const general = cldGaussianMixtureScore({ weights, means, covariances: input as never }, { kernel: 'full' });
    expect(general.kernel).toBe('full');
    const d = means[0]!.length;
    const xs = testPoints(30, d, 4);
    const vs = testPoints(30, d, 3).map((row) => row.reverse());
    for (const t of [0, 0.1, 1]) {
      const want = evaluateCLDRows(general, t, xs, vs).flat();
      evaluateCLDRows(auto, t, xs, vs)
        .flat()
        .forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(want[k]!))));
    }
  });

  test.each([
    [
      'full',
      [
        [0.7, 0.2],
        [0.2, 0.4],
      ],
    ],
    ['diagonal', [0.7, 0.4]],
    ['isotropic', 0.3],
  ])('one %s component is cldGaussianScore to 1e-12, near and far from the mode', (_, covariance) => {
    for (const gamma of [1, 0.04]) {
      const single = cldGaussianMixtureScore({
        weights: [1],
        means: [[1, -1]],
        covariances: [covariance as never],
        initialVelocityVariance: gamma,
      });
      const withZero = cldGaussianMixtureScore({
        weights: [1, 0],
        means: [
          [1, -1],
          [5, 5],
        ],
        covariances: [covariance as never, 1],
        initialVelocityVariance: gamma,
      });
      const gaussian = cldGaussianScore({
        mean: [1, -1],
        covariance: covariance as never,
        initialVelocityVariance: gamma,
      });
      const xs = [...testPoints(20, 2, 2), [1e3, -1e3], [1e6, 1e6]];
      const vs = [...testPoints(20, 2, 1.5).map((r) => r.reverse()), [-1e3, 0], [0, -1e6]];
      // Relative to the result, or to the size of the particle for the far ones: there a coordinate of the score
      // can be ≈ 0 as a difference of terms of size |Λ|·|z| ≈ 1e4–1e7, whose rounding is ≈ 1e-16 of that.
      const scale = xs.map((x, i) => Math.max(1, ...x.map(Math.abs), ...vs[i]!.map(Math.abs)));
      for (const t of [0, 0.01, 0.4, 3]) {
        const want = evaluateCLDRows(gaussian, t, xs, vs).flat();
        evaluateCLDRows(single, t, xs, vs)
          .flat()
          .forEach((v, k) => {
            expect(Math.abs(v - want[k]!)).toBeLessThan(
              1e-12 * Math.max(Math.abs(want[k]!), scale[Math.floor(k / 2)]!),
            );
          });
        expect(evaluateCLDRows(withZero, t, xs, vs)).toEqual(evaluateCLDRows(single, t, xs, vs));
      }
    }
  });

  test.each(cases)(
    '$name: far particles (|x|, |v| up to 1e6) get finite scores, the posterior average of the component scores',
    ({ weights, means, matrices, input }) => {
      // At |z| = 1e6 the logits are ≈ 1e12 and carry rounding ≈ 1e-4 (here and in the reference alike), so posterior
      // weights that are not 0 or 1 (ties between components) agree to ≈ 1e-3 relative: the tolerance allows that
      // times the spread of the component scores, and 1e-9 relative otherwise.
      const score = cldGaussianMixtureScore({ weights, means, covariances: input as never });
      const d = means[0]!.length;
      const t = 0.3;
      const joint = jointComponents(weights, means, matrices, 1, t);
      const xs = [
        Array(d).fill(1e6),
        Array(d).fill(-1e6),
        Array.from({ length: d }, (_, j) => (j % 2 ? 1e6 : 0)),
        Array(d).fill(3),
      ];
      const vs = [
        Array(d).fill(0),
        Array(d).fill(1e6),
        Array.from({ length: d }, (_, j) => (j % 2 ? 0 : -1e6)),
        Array(d).fill(-1e6),
      ];
      const got = evaluateCLDRows(score, t, xs, vs);
      xs.forEach((x, i) => {
        const z = [...x, ...vs[i]!];
        const want = referenceScore(joint, z);
        const { scores } = componentTerms(joint, z);
        got[i]!.forEach((v, j) => {
          const spread = Math.max(...scores.map((s) => s[j]!)) - Math.min(...scores.map((s) => s[j]!));
          expect(Number.isFinite(v)).toBe(true);
          expect(Math.abs(v - want[j]!)).toBeLessThanOrEqual(1e-9 * Math.abs(want[j]!) + 1e-3 * spread + 1e-6);
        });
      });
    },
  );

  test('float32 batches give the float64 score to float32 precision', () => {
    const { weights, means, input } = cases[0]!;
    const score = cldGaussianMixtureScore({ weights, means, covariances: input as never });
    const xs = testPoints(10, 2, 3);
    const vs = testPoints(10, 2, 1);
    const want = evaluateCLDRows(score, 0.2, xs, vs).flat();
    const got = evaluateCLDRows(score, 0.2, xs, vs, 'float32').flat();
    got.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(want[k]!))));
  });

  test('spec round trip through JSON is bit-identical', () => {
    for (const { weights, means, input } of cases) {
      const score = cldGaussianMixtureScore({
        weights,
        means,
        covariances: input as never,
        initialVelocityVariance: 0.3,
      });
      const rebuilt = scoreFromSpec(JSON.parse(JSON.stringify(score.spec))) as CLDScore;
      expect(rebuilt.kind).toBe('cld');
      const d = means[0]!.length;
      const xs = testPoints(15, d, 3);
      const vs = testPoints(15, d, 2);
      for (const t of [0, 0.7]) expect(evaluateCLDRows(rebuilt, t, xs, vs)).toEqual(evaluateCLDRows(score, t, xs, vs));
    }
  });

  test('γ = 0 at t = 0 is degenerate in v: refused naming t; any t > 0 works', () => {
    const score = cldGaussianMixtureScore({
      weights: [0.5, 0.5],
      means: [[1], [-1]],
      covariances: [1, 2],
      initialVelocityVariance: 0,
    });
    expectArgumentError(() => score.evaluate(0, batch(1, 1), batch(1, 1), batch(1, 1)), InvalidArgumentError, 't');
    const out = batch(1, 1);
    score.evaluate(1e-3, batch(1, 1), batch(1, 1), out);
    expect(Number.isFinite(out.data[0])).toBe(true);
  });

  test('bad input: typed errors naming the argument', () => {
    const good = {
      weights: [0.5, 0.5],
      means: [
        [0, 0],
        [1, 1],
      ],
      covariances: [1, 1],
    };
    expectArgumentError(() => cldGaussianMixtureScore(null as never), InvalidArgumentError, 'parameters');
    expectArgumentError(
      () => cldGaussianMixtureScore({ ...good, initialVelocityVariance: -1 }),
      InvalidArgumentError,
      'initialVelocityVariance',
    );
    expectArgumentError(
      () => cldGaussianMixtureScore({ ...good, weights: [0.5, 0.6] }),
      InvalidArgumentError,
      'weights',
    );
    expectArgumentError(() => cldGaussianMixtureScore({ ...good, means: [[0, 0]] }), ShapeMismatchError, 'means');
    expectArgumentError(
      () =>
        cldGaussianMixtureScore({
          ...good,
          covariances: [
            1,
            [
              [1, 2],
              [2, 1],
            ],
          ],
        }),
      NotPositiveDefiniteError,
      'covariances[1]',
    );
    expectArgumentError(
      () => cldGaussianMixtureScore(good, { kernel: 'fast' as never }),
      InvalidArgumentError,
      'options.kernel',
    );
    const score = cldGaussianMixtureScore(good);
    expectArgumentError(() => score.evaluate(-1, batch(1, 2), batch(1, 2), batch(1, 2)), InvalidArgumentError, 't');
    expectArgumentError(() => score.evaluate(NaN, batch(1, 2), batch(1, 2), batch(1, 2)), InvalidArgumentError, 't');
    expectArgumentError(() => score.evaluate(0.1, batch(1, 3), batch(1, 2), batch(1, 2)), ShapeMismatchError, 'x');
    expectArgumentError(() => score.evaluate(0.1, batch(1, 2), batch(2, 2), batch(1, 2)), ShapeMismatchError, 'v');
    expectArgumentError(
      () => score.evaluate(0.1, batch(1, 2), batch(1, 2, 'float32'), batch(1, 2)),
      DTypeMismatchError,
      'v',
    );
    expectArgumentError(() => score.evaluate(0.1, batch(1, 2), batch(1, 2), batch(1, 3)), ShapeMismatchError, 'out');
    const v = batch(1, 2);
    expectArgumentError(() => score.evaluate(0.1, batch(1, 2), v, v), InvalidArgumentError, 'out');
  });
});

describe('cldPointCloudScore', () => {
  const points = [
    [1, 2],
    [3, -1],
    [-2, 0.5],
    [0, -2],
  ];
  const zero = isotropic(2, 0);

  test('matches the definition (posterior-weighted component scores) and finite differences', () => {
    for (const gamma of [1, 0.04, 0]) {
      const score = cldPointCloudScore(points, { initialVelocityVariance: gamma });
      expect(score.size).toBe(4);
      const xs = testPoints(12, 2, 2.5);
      const vs = testPoints(12, 2, 1.5).map((r) => r.reverse());
      for (const t of [0.05, 0.3, 2]) {
        const joint = jointComponents(
          points.map(() => 0.25),
          points,
          points.map(() => zero),
          gamma,
          t,
        );
        const got = evaluateCLDRows(score, t, xs, vs);
        xs.forEach((x, i) => {
          const exact = referenceScore(joint, [...x, ...vs[i]!]);
          exact.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThan(1e-9 * Math.max(1, Math.abs(w))));
          if (t >= 0.3) {
            const fd = finiteDifferenceGradient((v) => logJointDensity(joint, [...x, ...v]), vs[i]!, 1e-5);
            fd.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThan(1e-6 * Math.max(1, Math.abs(w))));
          }
        });
      }
    }
  });

  test('near t = 0: the exact conditional score of one point, to full precision (no cancellation in det P)', () => {
    // One point p, γ = 1: given x_t = a p, v_t = c p + u, the score is −u·P_xx/det P. Series (sympy, from the
    // integral definition of Q_t): t·P_xx/det P = 3/4 + 5t/8 + 3t²/80 + t³/160 + O(t⁴). det P ≈ 4t³/3 is the
    // difference of P_xx·P_vv ≈ t² and P_xv² ≈ t², so the direct 2 × 2 formula would lose ~log₁₀(1/t) digits
    // (1e-10 relative at t = 1e-6); the tolerance below allows 1e-14 plus the series' truncation.
    const score = cldPointCloudScore([[1, 2]]);
    for (const t of [1e-2, 1e-4, 1e-6]) {
      const e = flow(t);
      const x = [e[0]![0]! * 1, e[0]![0]! * 2];
      const v = [e[1]![0]! * 1 + 0.5, e[1]![0]! * 2];
      const [s] = evaluateCLDRows(score, t, [x], [v]);
      const want = (-0.5 * (3 / 4 + (5 * t) / 8 + (3 * t * t) / 80 + (t * t * t) / 160)) / t;
      expect(Math.abs(s![0]! / want - 1)).toBeLessThan(1e-14 + t ** 4);
      expect(Math.abs(s![1]!)).toBeLessThan(1e-9 * Math.abs(s![0]!));
    }
  });

  test('t = 0 is refused (the empirical measure has no density); spec round trip is bit-identical', () => {
    const score = cldPointCloudScore(points, { initialVelocityVariance: 0.5 });
    expectArgumentError(() => score.evaluate(0, batch(1, 2), batch(1, 2), batch(1, 2)), InvalidArgumentError, 't');
    const rebuilt = scoreFromSpec(JSON.parse(JSON.stringify(score.spec))) as CLDScore;
    const xs = testPoints(10, 2, 3);
    const vs = testPoints(10, 2, 1);
    expect(evaluateCLDRows(rebuilt, 0.2, xs, vs)).toEqual(evaluateCLDRows(score, 0.2, xs, vs));
  });

  test('far particles stay finite; bad input gives typed errors', () => {
    const score = cldPointCloudScore(points);
    const got = evaluateCLDRows(
      score,
      1e-3,
      [
        [1e6, -1e6],
        [3, 3],
      ],
      [
        [0, 1e6],
        [-1e6, 0],
      ],
    );
    got.flat().forEach((v) => expect(Number.isFinite(v)).toBe(true));
    expectArgumentError(() => cldPointCloudScore([]), InvalidArgumentError, 'points');
    expectArgumentError(
      () =>
        cldPointCloudScore([
          [1, 2],
          [NaN, 0],
        ]),
      InvalidArgumentError,
      'points[1][0]',
    );
    expectArgumentError(() => cldPointCloudScore([[1, 2], [1]]), ShapeMismatchError, 'points[1]');
    expectArgumentError(
      () => cldPointCloudScore(points, { initialVelocityVariance: -1 }),
      InvalidArgumentError,
      'options.initialVelocityVariance',
    );
    expectArgumentError(() => score.evaluate(0.1, batch(1, 3), batch(1, 2), batch(1, 2)), ShapeMismatchError, 'x');
  });
});
