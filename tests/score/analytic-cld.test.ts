import {
  batch,
  fromArray,
  DTypeMismatchError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
} from '@sgmkit/tensor';
import { cldGaussianScore, cldPairCovarianceAt, cldTransitionAt, scoreFromSpec, type CLDScore } from '@sgmkit/score';
import {
  expectArgumentError,
  finiteDifferenceGradient,
  logGaussianDensity,
  testPoints,
  type Matrix,
} from './analytic-reference';

type Mat = number[][];
const matmul = (a: Mat, b: Mat): Mat =>
  a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));
const transposeOf = (a: Mat): Mat => a[0]!.map((_, j) => a.map((row) => row[j]!));
const add = (a: Mat, b: Mat, scale = 1): Mat => a.map((row, i) => row.map((v, j) => v + scale * b[i]![j]!));

/**
 * Covariance ODE dP/dt = AP + PAᵀ + diag(0, σ²) integrated by classical RK4 (error O(h⁴)); A is the
 * forward CLD drift on (x, v) and σ = 2 its velocity diffusion — independent of the closed forms under test.
 */
function integrateCovariance(p0: Mat, drift: Mat, diffusion: Mat, t: number, steps: number): Mat {
  const rhs = (p: Mat): Mat => add(add(matmul(drift, p), matmul(p, transposeOf(drift))), diffusion);
  const h = t / steps;
  let p = p0;
  for (let s = 0; s < steps; s++) {
    const k1 = rhs(p);
    const k2 = rhs(add(p, k1, h / 2));
    const k3 = rhs(add(p, k2, h / 2));
    const k4 = rhs(add(p, k3, h));
    p = p.map((row, i) => row.map((v, j) => v + (h / 6) * (k1[i]![j]! + 2 * k2[i]![j]! + 2 * k3[i]![j]! + k4[i]![j]!)));
  }
  return p;
}

const A: Mat = [
  [0, 1],
  [-1, -2],
];
const NOISE: Mat = [
  [0, 0],
  [0, 4],
];

/** Drift A ⊗ I_d and diffusion diag(0, 4)⊗I_d on the stacked state (x, v) ∈ R^{2d}. */
function jointDrift(d: number): { drift: Mat; diffusion: Mat } {
  const drift = Array.from({ length: 2 * d }, (_, i) =>
    Array.from({ length: 2 * d }, (_, j) => (i % d === j % d ? A[Math.floor(i / d)]![Math.floor(j / d)]! : 0)),
  );
  const diffusion = Array.from({ length: 2 * d }, (_, i) =>
    Array.from({ length: 2 * d }, (_, j) => (i === j && i >= d ? 4 : 0)),
  );
  return { drift, diffusion };
}

describe('CLD covariance in closed form', () => {
  test('e^{tA} matches the RK4 flow of the 2 × 2 drift', () => {
    for (const t of [0.1, 1, 3]) {
      const { a, b, c, e } = cldTransitionAt(t);
      // Columns of e^{tA} solve dY/dt = AY; RK4 on P ↦ AP + PAᵀ is not needed here, integrate Y directly.
      let y: Mat = [
        [1, 0],
        [0, 1],
      ];
      const steps = 4000;
      const h = t / steps;
      for (let s = 0; s < steps; s++) {
        const k1 = matmul(A, y);
        const k2 = matmul(A, add(y, k1, h / 2));
        const k3 = matmul(A, add(y, k2, h / 2));
        const k4 = matmul(A, add(y, k3, h));
        y = y.map((row, i) =>
          row.map((v, j) => v + (h / 6) * (k1[i]![j]! + 2 * k2[i]![j]! + 2 * k3[i]![j]! + k4[i]![j]!)),
        );
      }
      [
        [a, b],
        [c, e],
      ].forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(y[i]![j]!, 12)));
    }
  });

  test.each([
    [0.5, 1],
    [2, 0.04],
    [0.1, 0],
    [1, 1],
  ])('λ = %p, γ = %p: matches dP/dt = AP + PAᵀ + diag(0, 4) from diag(λ, γ)', (lambda, gamma) => {
    for (const t of [0.01, 0.3, 1, 3]) {
      const want = integrateCovariance(
        [
          [lambda, 0],
          [0, gamma],
        ],
        A,
        NOISE,
        t,
        4000,
      );
      const got = cldPairCovarianceAt(t, lambda, gamma);
      // RK4 with h ≤ 7.5e-4 on a system with rates ≤ 4: global error ≲ 1e-12.
      expect(got.xx).toBeCloseTo(want[0]![0]!, 11);
      expect(got.xv).toBeCloseTo(want[0]![1]!, 11);
      expect(got.vv).toBeCloseTo(want[1]![1]!, 11);
    }
  });

  test('noise part equals the quadrature of ∫₀ᵗ e^{uA} diag(0,4) e^{uAᵀ} du (composite Simpson)', () => {
    for (const t of [0.2, 1.5, 4]) {
      // Simpson's error ≤ t·h⁴·max|f⁗|/180 ≲ 4·(2e-4)⁴·50/180 ≈ 2e-15 with 20000 intervals.
      const intervals = 20000;
      const h = t / intervals;
      const sum = { xx: 0, xv: 0, vv: 0 };
      for (let k = 0; k <= intervals; k++) {
        const u = k * h;
        const weight = k === 0 || k === intervals ? 1 : k % 2 === 1 ? 4 : 2;
        const { b, e } = cldTransitionAt(u); // e^{uA}(0, 1)ᵀ = (b, e)
        sum.xx += weight * 4 * b * b;
        sum.xv += weight * 4 * b * e;
        sum.vv += weight * 4 * e * e;
      }
      const got = cldPairCovarianceAt(t, 0, 0);
      expect(got.xx).toBeCloseTo((h / 3) * sum.xx, 12);
      expect(got.xv).toBeCloseTo((h / 3) * sum.xv, 12);
      expect(got.vv).toBeCloseTo((h / 3) * sum.vv, 12);
    }
  });

  test('small t keeps full relative accuracy (Q_xx = 4t³/3 − 2t⁴ + O(t⁵), Q_vv = 4t − 8t² + O(t³))', () => {
    const t = 1e-6;
    const q = cldPairCovarianceAt(t, 0, 0);
    expect(Math.abs(q.xx / ((4 / 3) * t ** 3 - 2 * t ** 4) - 1)).toBeLessThan(1e-11);
    expect(Math.abs(q.vv / (4 * t - 8 * t * t) - 1)).toBeLessThan(1e-11);
  });

  test('N(0, I) ⊗ N(0, I) is stationary, and every start converges to it', () => {
    for (const t of [0, 0.5, 3]) {
      const p = cldPairCovarianceAt(t, 1, 1);
      expect(Math.abs(p.xx - 1)).toBeLessThan(1e-15);
      expect(Math.abs(p.xv)).toBeLessThan(1e-15);
      expect(Math.abs(p.vv - 1)).toBeLessThan(1e-15);
    }
    for (const [lambda, gamma] of [
      [0.01, 0],
      [10, 0.04],
      [3, 5],
    ]) {
      const p = cldPairCovarianceAt(40, lambda!, gamma!);
      expect(Math.max(Math.abs(p.xx - 1), Math.abs(p.xv), Math.abs(p.vv - 1))).toBeLessThan(1e-12);
    }
  });
});

describe('cldGaussianScore', () => {
  const mean = [1, -0.5];
  const sigma: Matrix = [
    [0.8, 0.3],
    [0.3, 0.4],
  ];

  function evaluateRows(score: CLDScore, t: number, xs: number[][], vs: number[][]): number[][] {
    const out = batch(xs.length, score.dim);
    score.evaluate(t, fromArray(xs), fromArray(vs), out);
    return xs.map((_, i) => Array.from(out.data.subarray(i * score.dim, (i + 1) * score.dim)));
  }

  test.each([1, 0.04, 0])(
    'γ = %p: the velocity score matches finite differences in v of the RK4 joint log-density',
    (gamma) => {
      const score = cldGaussianScore({ mean, covariance: sigma, initialVelocityVariance: gamma });
      const d = 2;
      const { drift, diffusion } = jointDrift(d);
      const xs = testPoints(10, d, 2);
      const vs = testPoints(10, d, 1.5).map((v) => v.map((u) => -u));
      for (const t of [0.05, 0.5, 2]) {
        const p0 = [
          [0.8, 0.3, 0, 0],
          [0.3, 0.4, 0, 0],
          [0, 0, gamma, 0],
          [0, 0, 0, gamma],
        ];
        const joint = integrateCovariance(p0, drift, diffusion, t, 2000);
        const { a, c } = cldTransitionAt(t);
        const jointMean = [...mean.map((m) => a * m), ...mean.map((m) => c * m)];
        const got = evaluateRows(score, t, xs, vs);
        xs.forEach((x, i) => {
          const logDensityInV = (v: number[]): number => logGaussianDensity([...x, ...v], jointMean, joint);
          // h = 1e-5 central differences; the conditional variance at t = 0.05, γ = 0 is ≈ 0.2, so |f'''| is tiny.
          const want = finiteDifferenceGradient(logDensityInV, vs[i]!, 1e-5);
          want.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThan(1e-6 * Math.max(1, Math.abs(w))));
        });
      }
    },
  );

  test('diagonal and full covariances agree when the full matrix is diagonal in disguise (rotation invariance)', () => {
    // Σ = R diag(λ) Rᵀ for a rotation R: the score in rotated coordinates is the rotated diagonal score.
    const angle = 0.7;
    const r = [
      [Math.cos(angle), -Math.sin(angle)],
      [Math.sin(angle), Math.cos(angle)],
    ];
    const lambdas = [0.3, 2];
    const full = matmul(
      matmul(r, [
        [lambdas[0]!, 0],
        [0, lambdas[1]!],
      ]),
      transposeOf(r),
    );
    const rotatedMean = [r[0]![0]! * 1 + r[0]![1]! * 2, r[1]![0]! * 1 + r[1]![1]! * 2];
    const fullScore = cldGaussianScore({ mean: rotatedMean, covariance: full, initialVelocityVariance: 0.1 });
    const diagonalScore = cldGaussianScore({ mean: [1, 2], covariance: lambdas, initialVelocityVariance: 0.1 });
    const xs = testPoints(8, 2, 2);
    const vs = testPoints(8, 2, 1).reverse();
    const rotate = (p: number[]): number[] => [
      r[0]![0]! * p[0]! + r[0]![1]! * p[1]!,
      r[1]![0]! * p[0]! + r[1]![1]! * p[1]!,
    ];
    const got = evaluateRows(fullScore, 0.3, xs.map(rotate), vs.map(rotate));
    const want = evaluateRows(diagonalScore, 0.3, xs, vs).map(rotate);
    got.flat().forEach((v, k) => expect(v).toBeCloseTo(want.flat()[k]!, 12));
  });

  test('affineAt reproduces evaluate', () => {
    const score = cldGaussianScore({ mean, covariance: sigma, initialVelocityVariance: 0.04 });
    const { positionMatrix, velocityMatrix, offset } = score.affineAt(0.4);
    const x = [0.3, -1];
    const v = [2, 0.5];
    const want = [0, 1].map(
      (i) =>
        offset[i]! +
        [0, 1].reduce((s, j) => s + positionMatrix[i * 2 + j]! * x[j]! + velocityMatrix[i * 2 + j]! * v[j]!, 0),
    );
    evaluateRows(score, 0.4, [x], [v])[0]!.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 13));
  });

  test('spec round trip is bit-identical', () => {
    for (const covariance of [0.5, [0.5, 2], sigma]) {
      const score = cldGaussianScore({ mean, covariance, initialVelocityVariance: 0.04 });
      const rebuilt = scoreFromSpec(JSON.parse(JSON.stringify(score.spec))) as CLDScore;
      expect(rebuilt.kind).toBe('cld');
      const xs = testPoints(20, 2, 3);
      const vs = testPoints(20, 2, 2).reverse();
      expect(evaluateRows(rebuilt, 0.7, xs, vs)).toEqual(evaluateRows(score, 0.7, xs, vs));
    }
  });

  test('γ = 0 at t = 0 is degenerate in v: refused naming t; any t > 0 works', () => {
    const score = cldGaussianScore({ mean, covariance: sigma, initialVelocityVariance: 0 });
    expectArgumentError(() => score.evaluate(0, batch(1, 2), batch(1, 2), batch(1, 2)), InvalidArgumentError, 't');
    expectArgumentError(() => score.affineAt(0), InvalidArgumentError, 't');
    expect(evaluateRows(score, 1e-4, [[1, 1]], [[0, 0]])[0]!.every(Number.isFinite)).toBe(true);
    // With γ > 0 the law is non-degenerate at t = 0 too.
    expect(
      evaluateRows(cldGaussianScore({ mean, covariance: sigma }), 0, [[1, 1]], [[0, 0]])[0]!.every(Number.isFinite),
    ).toBe(true);
  });

  test('bad input: typed errors naming the argument', () => {
    const score = cldGaussianScore({ mean, covariance: sigma });
    expectArgumentError(
      () => cldGaussianScore({ mean, covariance: sigma, initialVelocityVariance: -0.1 }),
      InvalidArgumentError,
      'initialVelocityVariance',
    );
    expectArgumentError(
      () =>
        cldGaussianScore({
          mean,
          covariance: [
            [1, 2],
            [2, 1],
          ],
        }),
      NotPositiveDefiniteError,
      'covariance',
    );
    expectArgumentError(() => cldGaussianScore({ mean: [NaN, 0], covariance: sigma }), InvalidArgumentError, 'mean[0]');
    expectArgumentError(() => score.evaluate(-1, batch(1, 2), batch(1, 2), batch(1, 2)), InvalidArgumentError, 't');
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
