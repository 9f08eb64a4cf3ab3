import {
  batch,
  fillParticleNormals,
  fromArray,
  InvalidArgumentError,
  NonContiguousError,
  transpose,
} from '@sgmkit/tensor';
import {
  DATA_STREAM,
  FORWARD_MARGINAL_STREAM,
  sampleForwardMarginal,
  sampleGaussian,
  sampleGaussianMixture,
} from '@sgmkit/score';
import { expectArgumentError, ouCovariance, spdMatrix, type Matrix } from './analytic-reference';
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

const mixture = {
  weights: [0.3, 0.7],
  means: [
    [2, -1],
    [-1, 1],
  ],
  covariances: [spdMatrix(2, 3), 0.2] as (number | Matrix)[],
};
const covariances = mixture.covariances.map((c) => covarianceMatrix(c, 2));

/** The exact OU marginal q_t of the mixture: means e^{−t}μ_k, covariances e^{−2t}Σ_k + (1 − e^{−2t})I. */
function forwardMixture(t: number): { weights: number[]; means: number[][]; covariances: Matrix[] } {
  return {
    weights: mixture.weights,
    means: mixture.means.map((m) => m.map((v) => Math.exp(-t) * v)),
    covariances: covariances.map((c) => ouCovariance(c, t)),
  };
}

describe('sampleForwardMarginal', () => {
  test.each([0.05, 0.7, 3])(
    't = %p: moments within 5 SE and every marginal passes KS (significance 1e-6) against q_t',
    (t) => {
      const n = 20000;
      const x0 = sampleGaussianMixture(mixture, n, { seed: 41 });
      const xt = sampleForwardMarginal(x0, t, { seed: 41, stream: 1 });
      const law = forwardMixture(t);
      expectMomentsWithin(xt, mixtureMoments(law.weights, law.means, law.covariances), 5);
      const rows = rowsOf(xt);
      for (let j = 0; j < 2; j++) {
        const cdf = mixtureMarginalCdf(law.weights, law.means, law.covariances, j);
        expect(
          ksStatistic(
            rows.map((r) => r[j]!),
            cdf,
          ),
        ).toBeLessThan(ksCriticalValue(n, 1e-6));
      }
    },
  );

  test('row i is e^{−t}x_i + √(1 − e^{−2t}) z_i with z_i the normals of global row firstRow + i; input untouched', () => {
    const n = 300,
      t = 0.4,
      seed = 2,
      stream = 8,
      firstRow = 50;
    const x0 = sampleGaussianMixture(mixture, n, { seed: 1 });
    const before = Float64Array.from(x0.data);
    const xt = rowsOf(sampleForwardMarginal(x0, t, { seed, stream, firstRow }));
    const z = rowsOf(fillParticleNormals(batch(n, 2), seed, stream, firstRow));
    const [a, c] = [Math.exp(-t), Math.sqrt(1 - Math.exp(-2 * t))];
    rowsOf(x0).forEach((r, i) =>
      r.forEach((v, j) => {
        const want = a * v + c * z[i]![j]!;
        expect(Math.abs(xt[i]![j]! - want)).toBeLessThan(1e-14 * (Math.abs(a * v) + Math.abs(c * z[i]![j]!)));
      }),
    );
    expect(x0.data).toEqual(before);
  });

  test('default streams: data and its forward noise differ, so x_t of a default draw has the law q_t', () => {
    // Reusing the data's normals would give Var = (e^{−t}σ + √(1 − e^{−2t}))² instead of e^{−2t}σ² + 1 − e^{−2t}.
    const gaussian = {
      mean: [1, 0],
      covariance: [
        [0.5, 0.2],
        [0.2, 0.3],
      ],
    };
    const x0 = sampleGaussian(gaussian, 20000, { seed: 6 });
    expect(rowBytes(x0)).toEqual(rowBytes(sampleGaussian(gaussian, 20000, { seed: 6, stream: DATA_STREAM })));
    const t = 0.5;
    const xt = sampleForwardMarginal(x0, t, { seed: 6 });
    expect(rowBytes(xt)).toEqual(rowBytes(sampleForwardMarginal(x0, t, { seed: 6, stream: FORWARD_MARGINAL_STREAM })));
    const mean = gaussian.mean.map((v) => Math.exp(-t) * v);
    expectMomentsWithin(xt, mixtureMoments([1], [mean], [ouCovariance(gaussian.covariance, t)]), 5);
    expect(DATA_STREAM).not.toBe(FORWARD_MARGINAL_STREAM);
  });

  test('t = 0 is an exact copy; rows bit-identical whatever the split; float32 in, float32 out', () => {
    const x0 = sampleGaussianMixture(mixture, 1000, { seed: 5 });
    const copy = sampleForwardMarginal(x0, 0, { seed: 9 });
    expect(rowBytes(copy)).toEqual(rowBytes(x0));
    expect(copy.data).not.toBe(x0.data);
    const whole = sampleForwardMarginal(x0, 0.3, { seed: 9 });
    const middle = { ...x0, shape: [400, 2], offset: 600 };
    expect(rowBytes(sampleForwardMarginal(middle, 0.3, { seed: 9, firstRow: 300 }))).toEqual(rowBytes(whole, 300, 700));
    const x32 = sampleForwardMarginal({ ...x0, data: Float32Array.from(x0.data) }, 0.3, { seed: 9 });
    expect(x32.data).toBeInstanceOf(Float32Array);
    expect(x32.shape).toEqual([1000, 2]);
  });

  test('bad input throws a typed error naming the argument', () => {
    const x0 = fromArray([
      [0, 1],
      [2, 3],
    ]);
    const ok = { seed: 1 };
    expectArgumentError(() => sampleForwardMarginal([[0, 1]] as never, 0.1, ok), InvalidArgumentError, 'sample');
    expectArgumentError(() => sampleForwardMarginal(transpose(x0), 0.1, ok), NonContiguousError, 'sample');
    expectArgumentError(
      () =>
        sampleForwardMarginal(
          fromArray([
            [0, 1],
            [NaN, 3],
          ]),
          0.1,
          ok,
        ),
      InvalidArgumentError,
      'sample[2]',
    );
    for (const t of [-0.1, NaN, Infinity, '1'])
      expectArgumentError(() => sampleForwardMarginal(x0, t as never, ok), InvalidArgumentError, 't');
    expectArgumentError(() => sampleForwardMarginal(x0, 0.1, 5 as never), InvalidArgumentError, 'options');
    expectArgumentError(() => sampleForwardMarginal(x0, 0.1, { seed: -2 }), InvalidArgumentError, 'options.seed');
    expectArgumentError(
      () => sampleForwardMarginal(x0, 0.1, { seed: 1, stream: 0.5 }),
      InvalidArgumentError,
      'options.stream',
    );
    expectArgumentError(
      () => sampleForwardMarginal(x0, 0.1, { seed: 1, firstRow: -1 }),
      InvalidArgumentError,
      'options.firstRow',
    );
  });
});
