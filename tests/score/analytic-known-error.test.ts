import { batch, fromArray, InvalidArgumentError, ShapeMismatchError } from '@sgmkit/tensor';
import {
  biasedScore,
  gaussianMixtureScore,
  gaussianScore,
  scaledScore,
  scoreFromSpec,
  type Score,
} from '@sgmkit/score';
import { expectArgumentError, normalSource, ouCovariance, testPoints } from './analytic-reference';

const mean = [1, -0.5];
const sigma = [
  [0.8, 0.3],
  [0.3, 0.4],
];
const exact = gaussianScore({ mean, covariance: sigma });

function evaluateFlat(score: Score, t: number, points: number[][]): number[] {
  const out = batch(points.length, score.dim);
  score.evaluate(t, fromArray(points), out);
  return Array.from(out.data);
}

/**
 * Monte Carlo E_{q_t}|s(X) − ∇ln q_t(X)|² over exact samples X = m_t + L z of q_t (L the 2 × 2
 * Cholesky factor of Σ_t, written out), with its standard error.
 */
function monteCarloSquaredError(score: Score, t: number, n: number, seed: number): { mean: number; se: number } {
  const c = ouCovariance(sigma, t);
  const l00 = Math.sqrt(c[0]![0]!);
  const l10 = c[1]![0]! / l00;
  const l11 = Math.sqrt(c[1]![1]! - l10 * l10);
  const normal = normalSource(seed);
  const points = Array.from({ length: n }, () => {
    const z0 = normal();
    const z1 = normal();
    return [Math.exp(-t) * mean[0]! + l00 * z0, Math.exp(-t) * mean[1]! + l10 * z0 + l11 * z1];
  });
  const got = evaluateFlat(score, t, points);
  const want = evaluateFlat(exact, t, points);
  const errors = points.map((_, i) => (got[2 * i]! - want[2 * i]!) ** 2 + (got[2 * i + 1]! - want[2 * i + 1]!) ** 2);
  const m = errors.reduce((s, e) => s + e, 0) / n;
  const variance = errors.reduce((s, e) => s + (e - m) ** 2, 0) / (n - 1);
  return { mean: m, se: Math.sqrt(variance / n) };
}

describe('scores with a known error', () => {
  const points = testPoints(20, 2, 3);

  test('biasedScore: s + b, squared L2 error |b|² at every t', () => {
    const b = [0.3, -0.4];
    const biased = biasedScore(exact, b);
    const want = evaluateFlat(exact, 0.3, points).map((v, k) => v + b[k % 2]!);
    expect(evaluateFlat(biased, 0.3, points)).toEqual(want);
    for (const t of [0, 0.5, 3]) expect(biased.l2ErrorAt!(t)).toBeCloseTo(0.25, 15);
  });

  test('scaledScore: s·(1 + η), squared L2 error η² tr Σ_t^{-1}, confirmed by Monte Carlo within 5 SE', () => {
    const eta = 0.2;
    const scaled = scaledScore(exact, eta);
    const want = evaluateFlat(exact, 0.3, points).map((v) => 1.2 * v);
    evaluateFlat(scaled, 0.3, points).forEach((v, k) => expect(v).toBeCloseTo(want[k]!, 14));
    for (const t of [0.05, 1]) {
      const c = ouCovariance(sigma, t);
      const det = c[0]![0]! * c[1]![1]! - c[0]![1]! ** 2;
      const tracePrecision = (c[0]![0]! + c[1]![1]!) / det;
      expect(scaled.l2ErrorAt!(t)).toBeCloseTo(eta * eta * tracePrecision, 13);
      const mc = monteCarloSquaredError(scaled, t, 40000, 11 + Math.round(100 * t));
      expect(Math.abs(mc.mean - scaled.l2ErrorAt!(t))).toBeLessThan(5 * mc.se);
    }
  });

  test('nesting composes: scaled(biased(s, b), η) has error η² tr Σ_t^{-1} + (1 + η)²|b|², confirmed by Monte Carlo', () => {
    const nested = scaledScore(biasedScore(exact, [0.5, 0]), -0.3);
    const t = 0.4;
    const mc = monteCarloSquaredError(nested, t, 40000, 7);
    expect(Math.abs(mc.mean - nested.l2ErrorAt!(t))).toBeLessThan(5 * mc.se);
    expect(nested.l2ErrorAt!(t)).toBeCloseTo(0.09 * exact.fisherInformationAt(t) + 0.49 * 0.25, 13);
  });

  test('affine forms are kept: (1 + η)M and (1 + η)c + b', () => {
    const score = biasedScore(scaledScore(exact, 0.5), [1, 2]);
    const base = exact.affineAt(0.2);
    const { matrix, offset } = score.affineAt!(0.2);
    matrix.forEach((m, k) => expect(m).toBeCloseTo(1.5 * base.matrix[k]!, 15));
    offset.forEach((c, k) => expect(c).toBeCloseTo(1.5 * base.offset[k]! + [1, 2][k]!, 14));
  });

  test('over a mixture: bias error known, scale error not (no closed-form Fisher information), no affine form', () => {
    const mixture = gaussianMixtureScore({
      weights: [0.5, 0.5],
      means: [
        [1, 0],
        [-1, 0],
      ],
      covariances: [0.3, 0.3],
    });
    const biased = biasedScore(mixture, [0.1, 0.1]);
    expect(biased.l2ErrorAt!(0.2)).toBeCloseTo(0.02, 16);
    expect(biased.affineAt).toBeUndefined();
    expect(scaledScore(mixture, 0.1).l2ErrorAt).toBeUndefined();
    expect(biased.assumptions).toBe(mixture.assumptions);
  });

  test('spec round trip (nested) is bit-identical', () => {
    const score = biasedScore(scaledScore(biasedScore(exact, [0.1, 0.2]), 0.3), [-1, 0.5]);
    const rebuilt = scoreFromSpec(JSON.parse(JSON.stringify(score.spec))) as Score;
    expect(evaluateFlat(rebuilt, 0.6, points)).toEqual(evaluateFlat(score, 0.6, points));
    expect(rebuilt.l2ErrorAt!(0.6)).toBe(score.l2ErrorAt!(0.6));
  });

  test('bad input: typed errors naming the argument', () => {
    expectArgumentError(() => biasedScore(exact, [1, 2, 3]), ShapeMismatchError, 'bias');
    expectArgumentError(() => biasedScore(exact, [1, NaN]), InvalidArgumentError, 'bias[1]');
    expectArgumentError(() => scaledScore(exact, NaN), InvalidArgumentError, 'eta');
    expectArgumentError(() => biasedScore({} as Score, [1, 2]), InvalidArgumentError, 'score.kind');
    expectArgumentError(() => biasedScore(null as unknown as Score, [1, 2]), InvalidArgumentError, 'score');
    expectArgumentError(
      () => biasedScore(exact, [0, 0]).evaluate(-1, batch(1, 2), batch(1, 2)),
      InvalidArgumentError,
      't',
    );
  });
});
