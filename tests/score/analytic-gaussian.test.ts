import {
  batch,
  fromArray,
  DTypeMismatchError,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
  rows,
  type Batch,
} from '@sgmkit/tensor';
import { gaussianScore, scoreFromSpec, type Score } from '@sgmkit/score';
import {
  diagonalMatrix,
  evaluateRows,
  expectArgumentError,
  identityMatrix,
  ouCovariance,
  solve,
  spdMatrix,
  testPoints,
  type Matrix,
} from './analytic-reference';

/** Reference score −Σ_t^{-1}(x − e^{−t}μ) by Gaussian elimination. */
function referenceScore(mean: number[], sigma: Matrix, t: number, x: number[]): number[] {
  const decay = Math.exp(-t);
  return solve(
    ouCovariance(sigma, t),
    x.map((v, i) => decay * mean[i]! - v),
  ).y;
}

const cases: { name: string; mean: number[]; covariance: number | number[] | Matrix; sigma: Matrix }[] = [
  { name: 'isotropic', mean: [1, -2, 0.5], covariance: 0.3, sigma: diagonalMatrix([0.3, 0.3, 0.3]) },
  { name: 'diagonal', mean: [1, -2, 0.5], covariance: [0.01, 2, 5], sigma: diagonalMatrix([0.01, 2, 5]) },
  { name: 'full', mean: [1, -2, 0.5, 3], covariance: spdMatrix(4), sigma: spdMatrix(4) },
];

describe('gaussianScore', () => {
  test.each(cases)('$name covariance: matches −Σ_t^{-1}(x − m_t) at every t', ({ mean, covariance, sigma }) => {
    const score = gaussianScore({ mean, covariance });
    const points = testPoints(20, mean.length, 4);
    for (const t of [0, 1e-4, 0.05, 0.7, 4]) {
      const got = evaluateRows(score, t, points);
      points.forEach((x, i) => {
        const want = referenceScore(mean, sigma, t, x);
        const scale = Math.max(...want.map(Math.abs), 1);
        // Both sides are backward stable: error ≲ κ(Σ_t)·d·ε·|s| with κ ≤ 500, d ≤ 4 (≈ 4.4e-13·|s|).
        want.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThan(1e-11 * scale));
      });
    }
  });

  test('a Tensor covariance (any dtype or strides) is the same as the nested array', () => {
    const sigma = [
      [2, 0.3],
      [0.3, 0.5],
    ];
    const points = testPoints(10, 2, 3);
    const want = evaluateRows(gaussianScore({ mean: [1, 2], covariance: sigma }), 0.3, points);
    const asTensor = gaussianScore({ mean: [1, 2], covariance: fromArray(sigma) });
    expect(evaluateRows(asTensor, 0.3, points)).toEqual(want);
    expect(asTensor.spec.covariance).toEqual(sigma);
    const transposedView = { ...fromArray(sigma), stride: [1, 2] }; // symmetric, so its transpose view is Σ
    expect(evaluateRows(gaussianScore({ mean: [1, 2], covariance: transposedView }), 0.3, points)).toEqual(want);
  });

  test('float32 batches: computed in double, rounded once on store', () => {
    const { mean, covariance } = cases[2]!;
    const score = gaussianScore({ mean, covariance });
    const points = testPoints(10, 4, 3).map((p) => p.map(Math.fround));
    const got = evaluateRows(score, 0.2, points, 'float32');
    const want = evaluateRows(score, 0.2, points);
    want.flat().forEach((w, k) => expect(got.flat()[k]).toBe(Math.fround(w)));
  });

  test('affineAt: M = −Σ_t^{-1}, c = Σ_t^{-1}m_t, and M x + c equals evaluate', () => {
    const mean = [0.5, -1, 2];
    const sigma = spdMatrix(3, 2);
    const score = gaussianScore({ mean, covariance: sigma });
    const t = 0.4;
    const { matrix, offset } = score.affineAt(t);
    const sigmaT = ouCovariance(sigma, t);
    for (let j = 0; j < 3; j++) {
      const column = solve(sigmaT, identityMatrix(3)[j]!).y; // Σ_t^{-1} e_j
      column.forEach((v, i) => expect(matrix[i * 3 + j]).toBeCloseTo(-v, 13));
    }
    const x = [1, 2, 3];
    const viaAffine = [0, 1, 2].map((i) => x.reduce((s, v, j) => s + matrix[i * 3 + j]! * v, offset[i]!));
    evaluateRows(score, t, [x])[0]!.forEach((v, i) => expect(v).toBeCloseTo(viaAffine[i]!, 12));
    matrix[0] = 99; // callers get their own copy
    expect(score.affineAt(t).matrix[0]).not.toBe(99);
  });

  test('per-t cache: interleaving more times than slots gives the same values as a fresh score', () => {
    const params = {
      mean: [1, 2],
      covariance: [
        [2, 0.3],
        [0.3, 0.5],
      ],
    };
    const score = gaussianScore(params);
    const points = testPoints(5, 2, 2);
    const times = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.1, 0.6, 0.3];
    for (const t of times)
      expect(evaluateRows(score, t, points)).toEqual(evaluateRows(gaussianScore(params), t, points));
  });

  test('assumptions: Lipschitz = λ_max(Σ_t^{-1}), its sup over [tMin, tMax], m₂ and KL in closed form', () => {
    const sigma = [
      [0.2, 0.05],
      [0.05, 3],
    ];
    const mean = [1, -1];
    const score = gaussianScore({ mean, covariance: sigma });
    const eigenvaluesOf = (m: Matrix): number[] => {
      const tr = m[0]![0]! + m[1]![1]!;
      const det = m[0]![0]! * m[1]![1]! - m[0]![1]! * m[1]![0]!;
      // (m00 − m11)² + 4m01² and det/λ_max avoid the cancellations of tr² − 4det and (tr − disc)/2.
      const larger = (tr + Math.hypot(m[0]![0]! - m[1]![1]!, 2 * m[0]![1]!)) / 2;
      return [det / larger, larger];
    };
    const lipschitz = (t: number): number => 1 / eigenvaluesOf(ouCovariance(sigma, t))[0]!;
    const a = score.assumptions;
    for (const t of [0, 0.1, 1, 5]) expect(a.lipschitzAt!(t)).toBeCloseTo(lipschitz(t), 12);
    let gridMax = 0;
    for (let k = 0; k <= 1000; k++) gridMax = Math.max(gridMax, lipschitz(0.05 + (k / 1000) * 2));
    expect(a.lipschitzBound!(0.05, 2.05)).toBeCloseTo(gridMax, 12);
    expect(a.secondMoment).toBeCloseTo(1 + 1 + 0.2 + 3, 14);
    const logDet = solve(sigma, [0, 0]).logAbsDet;
    expect(a.klToStandardNormal).toBeCloseTo(0.5 * (3.2 + 2 - 2 - logDet), 13);
    expect(gaussianScore({ mean: [0, 0, 0], covariance: 1 }).assumptions.klToStandardNormal).toBe(0);
  });

  test('l2ErrorAt is 0 and fisherInformationAt = tr Σ_t^{-1}', () => {
    const sigma = spdMatrix(3, 3);
    const score = gaussianScore({ mean: [0, 1, 0], covariance: sigma });
    expect(score.l2ErrorAt(0.3)).toBe(0);
    const sigmaT = ouCovariance(sigma, 0.3);
    const trace = [0, 1, 2].reduce((s, j) => s + solve(sigmaT, identityMatrix(3)[j]!).y[j]!, 0);
    expect(score.fisherInformationAt(0.3)).toBeCloseTo(trace, 12);
  });

  test('far-away and NaN rows: finite where finite, NaN only in the NaN row', () => {
    const score = gaussianScore({ mean: [1, 2], covariance: 0.5 });
    const got = evaluateRows(score, 0.1, [
      [1e6, -1e6],
      [NaN, 0],
      [0, 0],
    ]);
    expect(got[0]!.every(Number.isFinite)).toBe(true);
    expect(Number.isNaN(got[1]![0]!)).toBe(true);
    expect(got[2]!.every(Number.isFinite)).toBe(true);
  });

  test.each([
    ['isotropic', 0.25],
    ['diagonal', [0.5, 2]],
    [
      'full',
      [
        [2, 0.3],
        [0.3, 0.5],
      ],
    ],
  ])('spec round trip through JSON is bit-identical (%s)', (_, covariance) => {
    const score = gaussianScore({ mean: [0.1, -0.7], covariance });
    const rebuilt = scoreFromSpec(JSON.parse(JSON.stringify(score.spec))) as Score;
    const points = testPoints(30, 2, 5);
    for (const t of [0, 0.3, 2]) expect(evaluateRows(rebuilt, t, points)).toEqual(evaluateRows(score, t, points));
  });

  describe('bad input gets typed errors naming the argument', () => {
    const expectError = expectArgumentError;
    const good = gaussianScore({ mean: [0, 0], covariance: 1 });
    const x: Batch = batch(3, 2);

    test('covariance not positive definite, not symmetric, NaN, wrong shape', () => {
      expectError(
        () =>
          gaussianScore({
            mean: [0, 0],
            covariance: [
              [1, 2],
              [2, 1],
            ],
          }),
        NotPositiveDefiniteError,
        'covariance',
      );
      expectError(
        () =>
          gaussianScore({
            mean: [0, 0],
            covariance: [
              [1, 0.1],
              [0.2, 1],
            ],
          }),
        NotPositiveDefiniteError,
        'covariance',
      );
      expectError(() => gaussianScore({ mean: [0, 0], covariance: [1, -1] }), NotPositiveDefiniteError, 'covariance');
      expectError(() => gaussianScore({ mean: [0, 0], covariance: 0 }), NotPositiveDefiniteError, 'covariance');
      expectError(() => gaussianScore({ mean: [0, 0], covariance: NaN }), InvalidArgumentError, 'covariance');
      expectError(() => gaussianScore({ mean: [0, 0], covariance: [1, NaN] }), InvalidArgumentError, 'covariance[1]');
      expectError(
        () =>
          gaussianScore({
            mean: [0, 0],
            covariance: [
              [1, NaN],
              [NaN, 1],
            ],
          }),
        InvalidArgumentError,
        'covariance[0][1]',
      );
      expectError(
        () =>
          gaussianScore({
            mean: [0, 0],
            covariance: [
              [1, 0, 0],
              [0, 1, 0],
              [0, 0, 1],
            ],
          }),
        ShapeMismatchError,
        'covariance',
      );
      expectError(() => gaussianScore({ mean: [0, 0], covariance: [1, 1, 1] }), ShapeMismatchError, 'covariance');
    });

    test('mean: NaN entry, empty, not an array', () => {
      expectError(() => gaussianScore({ mean: [0, NaN], covariance: 1 }), InvalidArgumentError, 'mean[1]');
      expectError(() => gaussianScore({ mean: [], covariance: 1 }), ShapeMismatchError, 'mean');
      expectError(() => gaussianScore({ mean: 3 as unknown as number[], covariance: 1 }), InvalidArgumentError, 'mean');
    });

    test('evaluate: t < 0 or NaN, x and out dimension, row count, dtype, aliasing', () => {
      expectError(() => good.evaluate(-1e-9, x, batch(3, 2)), InvalidArgumentError, 't');
      expectError(() => good.evaluate(NaN, x, batch(3, 2)), InvalidArgumentError, 't');
      expectError(() => good.evaluate(0.1, batch(3, 3), batch(3, 3)), ShapeMismatchError, 'x');
      expectError(() => good.evaluate(0.1, x, batch(3, 3)), ShapeMismatchError, 'out');
      expectError(() => good.evaluate(0.1, x, batch(4, 2)), ShapeMismatchError, 'out');
      expectError(() => good.evaluate(0.1, x, batch(3, 2, 'float32')), DTypeMismatchError, 'out');
      expectError(() => good.evaluate(0.1, x, x), InvalidArgumentError, 'out');
      const big = batch(4, 2);
      expectError(() => good.evaluate(0.1, rows(big, 0, 3), rows(big, 1, 4)), InvalidArgumentError, 'out');
      expectError(() => good.affineAt(-1), InvalidArgumentError, 't');
    });

    test('assumptions: bad time intervals', () => {
      expectError(() => good.assumptions.lipschitzBound!(1, 0.5), InvalidArgumentError, 'tMax');
      expectError(() => good.assumptions.lipschitzBound!(-1, 0.5), InvalidArgumentError, 'tMin');
      expectError(() => good.assumptions.lipschitzAt!(-1), InvalidArgumentError, 't');
    });
  });
});
