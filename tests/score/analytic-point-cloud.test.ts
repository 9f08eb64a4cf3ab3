import { batch, fromArray, InvalidArgumentError, ShapeMismatchError } from '@sgmkit/tensor';
import { gaussianMixtureScore, pointCloudScore, scoreFromSpec, type Score } from '@sgmkit/score';
import {
  evaluateRows,
  expectArgumentError,
  finiteDifferenceGradient,
  logMixtureDensity,
  normalSource,
  testPoints,
} from './analytic-reference';

const cloud = [
  [0, 0],
  [2, 0.5],
  [-1.5, 2],
  [0.5, -2.5],
  [3, 3],
];

describe('pointCloudScore', () => {
  test('is the mixture of N(e^{−t}p_j, (1 − e^{−2t})I) with equal weights', () => {
    const score = pointCloudScore(cloud);
    const points = testPoints(30, 2, 3);
    for (const t of [1e-3, 0.1, 1, 3]) {
      const decay = Math.exp(-t);
      const variance = 1 - Math.exp(-2 * t);
      const mixture = gaussianMixtureScore({
        weights: cloud.map(() => 1 / cloud.length),
        means: cloud.map((p) => p.map((v) => decay * v)),
        covariances: cloud.map(() => variance),
        normalizeWeights: true,
      });
      const want = evaluateRows(mixture, 0, points).flat();
      evaluateRows(score, t, points)
        .flat()
        .forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-11 * Math.max(1, Math.abs(want[k]!))));
    }
  });

  test('matches finite differences of the directly computed log q_t', () => {
    const score = pointCloudScore(cloud);
    const points = testPoints(20, 2, 3);
    for (const t of [0.2, 1]) {
      const decay = Math.exp(-t);
      const variance = 1 - Math.exp(-2 * t);
      const cov = [
        [variance, 0],
        [0, variance],
      ];
      const logDensity = (x: number[]): number =>
        logMixtureDensity(
          x,
          cloud.map(() => 0.2),
          cloud.map((p) => p.map((v) => decay * v)),
          cloud.map(() => cov),
        );
      const got = evaluateRows(score, t, points);
      // h = 1e-5: truncation h²|f'''|/6 ≲ 1e-8 for variance ≥ 0.33, rounding ε|f|/h ≲ 1e-9.
      points.forEach((x, i) =>
        finiteDifferenceGradient(logDensity, x, 1e-5).forEach((w, j) =>
          expect(Math.abs(got[i]![j]! - w)).toBeLessThan(1e-6 * Math.max(1, Math.abs(w))),
        ),
      );
    }
  });

  test('far-away particles get finite scores; second moment is the mean squared norm', () => {
    const score = pointCloudScore(cloud);
    for (const row of evaluateRows(score, 0.05, [
      [1e6, -1e6],
      [-1e6, 0],
    ]))
      expect(row.every(Number.isFinite)).toBe(true);
    const m2 = cloud.reduce((s, p) => s + p[0]! ** 2 + p[1]! ** 2, 0) / cloud.length;
    expect(score.assumptions.secondMoment).toBeCloseTo(m2, 14);
  });

  test('memorisation: the reverse process run down to t = 1e-3 collapses onto the data points', () => {
    // DDPM exponential integrator of the reverse OU SDE from q_T ≈ N(0, I) (T = 6), geometric grid to δ = 1e-3.
    const score = pointCloudScore(cloud);
    const n = 2000;
    const steps = 300;
    const T = 6;
    const delta = 1e-3;
    const times = Array.from({ length: steps + 1 }, (_, k) => T * (delta / T) ** (k / steps));
    const normal = normalSource(20260124);
    const y = fromArray(Array.from({ length: n }, () => [normal(), normal()]));
    const s = batch(n, 2);
    for (let k = 0; k < steps; k++) {
      const h = times[k]! - times[k + 1]!;
      score.evaluate(times[k]!, y, s);
      const a = Math.exp(h);
      const b = 2 * (Math.exp(h) - 1);
      const c = Math.sqrt(Math.exp(2 * h) - 1);
      for (let i = 0; i < 2 * n; i++) y.data[i] = a * y.data[i]! + b * s.data[i]! + c * normal();
    }
    // Each sample must sit within 6 σ_δ of some e^{−δ}p_j (χ²₂ tail e^{−18} per sample under the exact law).
    const sigmaDelta = Math.sqrt(1 - Math.exp(-2 * delta));
    const counts = new Array(cloud.length).fill(0);
    for (let i = 0; i < n; i++) {
      const distances = cloud.map((p) =>
        Math.hypot(y.data[2 * i]! - Math.exp(-delta) * p[0]!, y.data[2 * i + 1]! - Math.exp(-delta) * p[1]!),
      );
      const nearest = distances.indexOf(Math.min(...distances));
      expect(distances[nearest]).toBeLessThan(6 * sigmaDelta);
      counts[nearest]++;
    }
    // Every point is reproduced with its data frequency 1/m, within 5 standard errors.
    const p = 1 / cloud.length;
    const se = Math.sqrt((p * (1 - p)) / n);
    for (const count of counts) expect(Math.abs(count / n - p)).toBeLessThan(5 * se);
  });

  test('spec round trip (nested arrays and tensors) is bit-identical', () => {
    const score = pointCloudScore(fromArray(cloud));
    const rebuilt = scoreFromSpec(JSON.parse(JSON.stringify(score.spec))) as Score;
    const points = testPoints(30, 2, 4);
    expect(evaluateRows(rebuilt, 0.3, points)).toEqual(evaluateRows(score, 0.3, points));
    expect(score.size).toBe(5);
  });

  test('bad input: t ≤ 0 (singular), points, batches', () => {
    const score = pointCloudScore(cloud);
    expectArgumentError(() => score.evaluate(0, batch(1, 2), batch(1, 2)), InvalidArgumentError, 't');
    expectArgumentError(() => score.evaluate(-1, batch(1, 2), batch(1, 2)), InvalidArgumentError, 't');
    expectArgumentError(() => score.l2ErrorAt(0), InvalidArgumentError, 't');
    expectArgumentError(() => score.evaluate(0.1, batch(1, 3), batch(1, 3)), ShapeMismatchError, 'x');
    expectArgumentError(() => score.evaluate(0.1, batch(1, 2), batch(2, 2)), ShapeMismatchError, 'out');
    expectArgumentError(() => pointCloudScore([]), InvalidArgumentError, 'points');
    expectArgumentError(
      () =>
        pointCloudScore([
          [0, 0],
          [1, 1, 1],
        ]),
      ShapeMismatchError,
      'points[1]',
    );
    expectArgumentError(() => pointCloudScore([[0, NaN]]), InvalidArgumentError, 'points[0][1]');
    expect(() => score.evaluate(0, batch(1, 2), batch(1, 2))).toThrow(/singular at t = 0/);
  });
});
