import { batch, fromArray, DTypeMismatchError, InvalidArgumentError, NotPositiveDefiniteError, ShapeMismatchError } from '@sgmkit/tensor';
import { gaussianMixtureScore, gaussianScore, ringMixture, ringMixtureParameters, scoreFromSpec, type Score } from '@sgmkit/score';
import {
  expectArgumentError, finiteDifferenceGradient, logMixtureDensity, ouCovariance, solve, spdMatrix, testPoints, type Matrix,
} from './analytic-reference';

function evaluateRows(score: Score, t: number, points: number[][], dtype: 'float64' | 'float32' = 'float64'): number[][] {
  const out = batch(points.length, score.dim, dtype);
  score.evaluate(t, fromArray(points, dtype), out);
  return points.map((_, i) => Array.from(out.data.subarray(i * score.dim, (i + 1) * score.dim)));
}

/** log q_t(x) of the mixture, computed directly from its definition. */
function logDensityAt(weights: number[], means: number[][], sigmas: Matrix[], t: number): (x: number[]) => number {
  const decay = Math.exp(-t);
  const meansT = means.map((m) => m.map((v) => decay * v));
  const sigmasT = sigmas.map((s) => ouCovariance(s, t));
  return (x) => logMixtureDensity(x, weights, meansT, sigmasT);
}

const mixture2d = {
  weights: [0.2, 0.5, 0.3],
  means: [[2, 0], [-1, 1.5], [0, -3]],
  covariances: [[[0.3, 0.1], [0.1, 0.2]], [[1.2, -0.4], [-0.4, 0.5]], [[0.05, 0], [0, 0.8]]] as Matrix[],
};
const mixture3d = {
  weights: [0.6, 0.4],
  means: [[1, 0, -1], [-2, 1, 0.5]],
  covariances: [spdMatrix(3, 1), spdMatrix(3, 2)],
};

describe('gaussianMixtureScore', () => {
  // Central differences with h = 1e-5: truncation h²|f'''|/6 ≲ 1e-8 here, rounding ε|f|/h ≲ 1e-9.
  test.each([['d = 2 (specialised kernel)', mixture2d], ['d = 3 (general kernel)', mixture3d]])(
    '%s: matches finite differences of the directly computed log q_t',
    (_, { weights, means, covariances }) => {
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
    },
  );

  test('far-away particles (|x| = 1e6) get the finite score of the dominant component', () => {
    const { weights, means, covariances } = mixture2d;
    const score = gaussianMixtureScore({ weights, means, covariances });
    const t = 0.3;
    const decay = Math.exp(-t);
    const far = [[1e6, 0], [-1e6, 1e6], [0, -1e6], [1e6, 1e6]];
    const got = evaluateRows(score, t, far);
    far.forEach((x, i) => {
      const logs = weights.map((w, k) => Math.log(w) + logMixtureDensity(x, [1], [means[k]!.map((v) => decay * v)], [ouCovariance(covariances[k]!, t)]));
      const k = logs.indexOf(Math.max(...logs));
      const want = solve(ouCovariance(covariances[k]!, t), x.map((v, j) => decay * means[k]![j]! - v)).y;
      want.forEach((w, j) => expect(Math.abs(got[i]![j]! - w)).toBeLessThanOrEqual(1e-12 * Math.abs(w) + 1e-9));
    });
  });

  test('one component is the Gaussian score; zero-weight components change nothing', () => {
    const covariance = [[0.7, 0.2], [0.2, 0.4]];
    const single = gaussianMixtureScore({ weights: [1], means: [[1, -1]], covariances: [covariance] });
    const gaussian = gaussianScore({ mean: [1, -1], covariance });
    const withZero = gaussianMixtureScore({ weights: [1, 0], means: [[1, -1], [5, 5]], covariances: [covariance, 1] });
    const points = testPoints(20, 2, 4);
    for (const t of [0, 0.4]) {
      const want = evaluateRows(gaussian, t, points).flat();
      evaluateRows(single, t, points).flat().forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-13 * Math.max(1, Math.abs(want[k]!))));
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
    evaluateRows(score, 0.2, points, 'float32').flat().forEach((v, k) => expect(v).toBe(Math.fround(want[k]!)));
  });

  test('second moment Σ w_k(|μ_k|² + tr Σ_k) exactly', () => {
    const { assumptions } = gaussianMixtureScore(mixture2d);
    expect(assumptions.secondMoment).toBeCloseTo(0.2 * (4 + 0.5) + 0.5 * (3.25 + 1.7) + 0.3 * (9 + 0.85), 13);
  });

  test('NaN in a row of x gives NaN in that row only', () => {
    const got = evaluateRows(gaussianMixtureScore(mixture2d), 0.1, [[0, NaN], [1, 1]]);
    expect(got[0]!.every(Number.isNaN)).toBe(true);
    expect(got[1]!.every(Number.isFinite)).toBe(true);
    const got3 = evaluateRows(gaussianMixtureScore(mixture3d), 0.1, [[NaN, 0, 0], [1, 1, 1]]);
    expect(got3[0]!.every(Number.isNaN)).toBe(true);
    expect(got3[1]!.every(Number.isFinite)).toBe(true);
  });

  test('spec round trip through JSON is bit-identical', () => {
    for (const score of [gaussianMixtureScore(mixture2d), gaussianMixtureScore(mixture3d), ringMixture({ components: 5 })]) {
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
    expectArgumentError(make({ means: [[2, 0], [1, 1, 1], [0, 0]] }), ShapeMismatchError, 'means[1]');
    expectArgumentError(make({ means: [[2, NaN], [1, 1], [0, 0]] }), InvalidArgumentError, 'means[0][1]');
    expectArgumentError(make({ covariances: [1, [[1, 2], [2, 1]], 1] }), NotPositiveDefiniteError, 'covariances[1]');
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

describe('ringMixture', () => {
  test('8 equal Gaussians of std 0.5 on the circle of radius 4; m₂ = r² + 2σ²', () => {
    const { means, weights } = ringMixtureParameters();
    expect(means).toHaveLength(8);
    for (const [k, m] of (means as number[][]).entries()) {
      expect(Math.hypot(m[0]!, m[1]!)).toBeCloseTo(4, 14);
      expect(Math.atan2(m[1]!, m[0]!)).toBeCloseTo(Math.atan2(Math.sin((2 * Math.PI * k) / 8), Math.cos((2 * Math.PI * k) / 8)), 14);
    }
    expect(weights).toEqual(new Array(8).fill(1 / 8));
    const ring = ringMixture();
    expect(ring.spec.covariances).toEqual(new Array(8).fill(0.25));
    expect(ring.assumptions.secondMoment).toBeCloseTo(16 + 2 * 0.25, 13);
    // By the ring's symmetry the score at the origin vanishes.
    evaluateRows(ring, 0.2, [[0, 0]])[0]!.forEach((v) => expect(Math.abs(v)).toBeLessThan(1e-13));
  });
});
