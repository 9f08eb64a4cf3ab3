import {
  batch,
  fillParticleNormals,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
  standardNormalCdf,
} from '@sgmkit/tensor';
import { ringMixtureParameters, sampleGaussianMixture } from '@sgmkit/score';
import { expectArgumentError, solve, spdMatrix, type Matrix } from './analytic-reference';
import {
  covarianceMatrix,
  expectMomentsWithin,
  ksCriticalValue,
  ksStatistic,
  mixtureMarginalCdf,
  mixtureMoments,
  rowBytes,
  rowsOf,
} from './data-reference';

// Overlapping components, a zero weight, full / diagonal / isotropic covariances.
const mixture = {
  weights: [0.2, 0, 0.5, 0.3],
  means: [
    [2, 0, 1],
    [50, 50, 50],
    [-1, 1.5, 0],
    [0, -3, -1],
  ],
  covariances: [spdMatrix(3, 1), 1, [0.3, 1.2, 0.05], 0.7] as (number | number[] | Matrix)[],
};
const covariances = mixture.covariances.map((c) => covarianceMatrix(c, 3));

/** The component the documented rule picks for the normal z₀: first k with Φ(z₀) < w_0 + … + w_k. */
function componentFor(weights: number[], z0: number): number {
  const u = standardNormalCdf(z0);
  let sum = 0;
  for (let k = 0; k < weights.length; k++) if (u < (sum += weights[k]!) && weights[k]! > 0) return k;
  return weights.length - 1 - [...weights].reverse().findIndex((w) => w > 0); // u beyond the rounded total: last with weight
}

describe('sampleGaussianMixture', () => {
  test('sample mean and covariance within 5 standard errors of the exact mixture moments', () => {
    const x = sampleGaussianMixture(mixture, 40000, { seed: 21 });
    expect(x.shape).toEqual([40000, 3]);
    expectMomentsWithin(x, mixtureMoments(mixture.weights, mixture.means, covariances), 5);
  });

  test('every marginal passes KS against the exact mixture cdf at significance 1e-6', () => {
    const n = 20000;
    const rows = rowsOf(sampleGaussianMixture(mixture, n, { seed: 22, stream: 5 }));
    for (let j = 0; j < 3; j++) {
      const cdf = mixtureMarginalCdf(mixture.weights, mixture.means, covariances, j);
      expect(
        ksStatistic(
          rows.map((r) => r[j]!),
          cdf,
        ),
      ).toBeLessThan(ksCriticalValue(n, 1e-6));
    }
  });

  test('ringMixtureParameters: moments within 5 SE and component frequencies within 5 multinomial SE', () => {
    // Radius 4 with std 0.1: neighbouring means are 3.06 = 30 std apart, so the nearest mean identifies the component.
    const parameters = ringMixtureParameters({ components: 8, radius: 4, std: 0.1 });
    const n = 40000;
    const x = sampleGaussianMixture(parameters, n, { seed: 23 });
    const weights = parameters.weights as number[];
    const means = parameters.means as number[][];
    expectMomentsWithin(
      x,
      mixtureMoments(
        weights,
        means,
        means.map(() => covarianceMatrix(0.01, 2)),
      ),
      5,
    );
    const counts = new Array<number>(8).fill(0);
    for (const r of rowsOf(x)) {
      const distances = means.map((m) => Math.hypot(r[0]! - m[0]!, r[1]! - m[1]!));
      counts[distances.indexOf(Math.min(...distances))]!++;
    }
    counts.forEach((c, k) =>
      expect(Math.abs(c / n - weights[k]!)).toBeLessThan(5 * Math.sqrt((weights[k]! * (1 - weights[k]!)) / n)),
    );
  });

  test('row i is μ_k + A_k z with k chosen by Φ(z₀) and z the other normals of global row firstRow + i', () => {
    // (x − μ_k)ᵀ Σ_k⁻¹ (x − μ_k) = |z|² holds for any square root A_k of Σ_k; the zero-weight component never occurs.
    const n = 3000,
      seed = 7,
      stream = 4,
      firstRow = 1000;
    const x = rowsOf(sampleGaussianMixture(mixture, n, { seed, stream, firstRow }));
    const normals = rowsOf(fillParticleNormals(batch(n, 4), seed, stream, firstRow));
    const chosen = new Array<number>(4).fill(0);
    normals.forEach(([z0, ...z], i) => {
      const k = componentFor(mixture.weights, z0!);
      chosen[k]!++;
      const centred = x[i]!.map((v, j) => v - mixture.means[k]![j]!);
      const quadratic = centred.reduce((s, v, j) => s + v * solve(covariances[k]!, centred).y[j]!, 0);
      const squaredNorm = z.reduce((s, v) => s + v * v, 0);
      expect(Math.abs(quadratic - squaredNorm)).toBeLessThan(1e-10 * (1 + squaredNorm));
    });
    expect(chosen[1]).toBe(0);
    expect(chosen[0]! * chosen[2]! * chosen[3]!).toBeGreaterThan(0);
  });

  test('zero-weight first and last components are never drawn', () => {
    const parameters = { weights: [0, 1, 0], means: [[-100], [0], [100]], covariances: [1, 1, 1] };
    const x = rowsOf(sampleGaussianMixture(parameters, 5000, { seed: 2 }));
    // A draw from N(0, 1) beyond ±50 has probability < 1e-500.
    expect(Math.max(...x.map((r) => Math.abs(r[0]!)))).toBeLessThan(50);
  });

  test('bit-identical rows whatever n or split, also across blocks and chunks', () => {
    const whole = sampleGaussianMixture(mixture, 3000, { seed: 3 });
    expect(rowBytes(sampleGaussianMixture(mixture, 400, { seed: 3, firstRow: 300 }))).toEqual(
      rowBytes(whole, 300, 700),
    );
    for (const [from, to] of [
      [63, 65],
      [1000, 2100],
      [2999, 3000],
    ] as const) {
      expect(rowBytes(sampleGaussianMixture(mixture, to - from, { seed: 3, firstRow: from }))).toEqual(
        rowBytes(whole, from, to),
      );
    }
  });

  test('float32 output is the float64 draw rounded once; normalizeWeights rescales', () => {
    const x64 = sampleGaussianMixture(mixture, 500, { seed: 9 });
    const x32 = sampleGaussianMixture(mixture, 500, { seed: 9, dtype: 'float32' });
    expect(x32.data).toBeInstanceOf(Float32Array);
    expect(rowBytes(x32)).toEqual(rowBytes({ ...x64, data: Float32Array.from(x64.data) }));
    const scaled = sampleGaussianMixture({ ...mixture, weights: [0.4, 0, 1, 0.6], normalizeWeights: true }, 500, {
      seed: 9,
    });
    expect(rowBytes(scaled)).toEqual(rowBytes(x64));
  });

  test('bad input throws a typed error naming the argument', () => {
    const ok = { seed: 1 };
    const sample = (p: object, n = 5, o: object = ok): unknown => sampleGaussianMixture(p as never, n, o as never);
    expectArgumentError(() => sample(null as never), InvalidArgumentError, 'parameters');
    expectArgumentError(() => sample({ ...mixture, weights: [0.5, 0.5, 0.5, 0.5] }), InvalidArgumentError, 'weights');
    expectArgumentError(() => sample({ ...mixture, weights: [1.2, -0.2, 0, 0] }), InvalidArgumentError, 'weights[1]');
    expectArgumentError(
      () => sample({ ...mixture, weights: [0, 0, 0, 0], normalizeWeights: true }),
      InvalidArgumentError,
      'weights',
    );
    expectArgumentError(() => sample({ ...mixture, means: mixture.means.slice(1) }), ShapeMismatchError, 'means');
    expectArgumentError(
      () =>
        sample({
          ...mixture,
          means: [
            [0, 0, 0],
            [0, 0],
            [0, 0, 0],
            [0, 0, 0],
          ],
        }),
      ShapeMismatchError,
      'means[1]',
    );
    expectArgumentError(
      () => sample({ ...mixture, covariances: mixture.covariances.slice(1) }),
      ShapeMismatchError,
      'covariances',
    );
    expectArgumentError(
      () => sample({ ...mixture, covariances: [1, 1, [1, 0, 1], 1] }),
      NotPositiveDefiniteError,
      'covariances[2]',
    );
    expectArgumentError(() => sample(mixture, 0), InvalidArgumentError, 'n');
    expectArgumentError(() => sample(mixture, 5, { seed: -1 }), InvalidArgumentError, 'options.seed');
    expectArgumentError(() => sample(mixture, 5, { seed: 1, stream: 2 ** 32 }), InvalidArgumentError, 'options.stream');
    expectArgumentError(() => sample(mixture, 5, { seed: 1, firstRow: 1.5 }), InvalidArgumentError, 'options.firstRow');
    expectArgumentError(() => sample(mixture, 5, { seed: 1, dtype: 'float16' }), InvalidArgumentError, 'options.dtype');
  });
});
