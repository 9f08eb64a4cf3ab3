import {
  batch,
  fillParticleNormals,
  fromArray,
  InvalidArgumentError,
  NotPositiveDefiniteError,
  ShapeMismatchError,
  standardNormalCdf,
  type Batch,
} from '@sgmkit/tensor';
import { sampleGaussian } from '@sgmkit/score';
import { expectArgumentError, solve, spdMatrix, type Matrix } from './analytic-reference';
import {
  covarianceMatrix,
  expectMomentsWithin,
  ksCriticalValue,
  ksStatistic,
  mixtureMoments,
  rowBytes,
  rowsOf,
} from './data-reference';

const full = { mean: [1, -2, 0.5], covariance: spdMatrix(3, 1) };
const cases: [string, { mean: number[]; covariance: number | number[] | Matrix }][] = [
  ['full Σ (d = 3)', full],
  ['diagonal Σ', { mean: [0, 3], covariance: [0.5, 2] }],
  ['isotropic Σ', { mean: [-1, 0, 1, 2], covariance: 0.3 }],
];

/** Concatenates batches of one dtype row-wise. */
function concatRows(parts: Batch[]): Batch {
  const d = parts[0]!.shape[1]!;
  const out = batch(
    parts.reduce((s, p) => s + p.shape[0]!, 0),
    d,
  );
  let row = 0;
  for (const p of parts) {
    out.data.set(p.data.subarray(0, p.shape[0]! * d), row * d);
    row += p.shape[0]!;
  }
  return out;
}

describe('sampleGaussian', () => {
  test.each(cases)('%s: sample mean and covariance within 5 standard errors of the exact law', (_, parameters) => {
    const d = parameters.mean.length;
    const x = sampleGaussian(parameters, 20000, { seed: 11 });
    expect(x.shape).toEqual([20000, d]);
    expectMomentsWithin(x, mixtureMoments([1], [parameters.mean], [covarianceMatrix(parameters.covariance, d)]), 5);
  });

  test.each(cases)('%s: every standardised marginal passes KS against Φ at significance 1e-6', (_, parameters) => {
    const d = parameters.mean.length;
    const sigma = covarianceMatrix(parameters.covariance, d);
    const n = 20000;
    const rows = rowsOf(sampleGaussian(parameters, n, { seed: 12, stream: 3 }));
    for (let j = 0; j < d; j++) {
      const standardised = rows.map((r) => (r[j]! - parameters.mean[j]!) / Math.sqrt(sigma[j]![j]!));
      expect(ksStatistic(standardised, standardNormalCdf)).toBeLessThan(ksCriticalValue(n, 1e-6));
    }
  });

  test('row i is μ + A z_i with A Aᵀ = Σ and z_i the normals of global row firstRow + i', () => {
    // Any square root A satisfies (x_i − μ)ᵀ Σ⁻¹ (x_j − μ) = z_iᵀ z_j, so this pins the rows without fixing A.
    const n = 50,
      firstRow = 130,
      seed = 5,
      stream = 9;
    const x = rowsOf(sampleGaussian(full, n, { seed, stream, firstRow }));
    const z = rowsOf(fillParticleNormals(batch(n, 3), seed, stream, firstRow));
    const centred = x.map((r) => r.map((v, j) => v - full.mean[j]!));
    const whitened = centred.map((c) => solve(full.covariance, c).y);
    for (let i = 0; i < n; i++) {
      for (const j of [i, (i + 1) % n]) {
        const got = centred[i]!.reduce((s, v, c) => s + v * whitened[j]![c]!, 0);
        const want = z[i]!.reduce((s, v, c) => s + v * z[j]![c]!, 0);
        expect(Math.abs(got - want)).toBeLessThan(1e-11 * (1 + Math.abs(want)));
      }
    }
  });

  test('bit-identical rows whatever n or split: rows 300..700 drawn alone equal those of n = 1000', () => {
    const whole = sampleGaussian(full, 1000, { seed: 3 });
    const middle = sampleGaussian(full, 400, { seed: 3, firstRow: 300 });
    expect(rowBytes(middle)).toEqual(rowBytes(whole, 300, 700));
  });

  test('pieces across generator blocks (64 rows) and internal chunks (1024 rows) reassemble the whole draw', () => {
    const whole = sampleGaussian(full, 3000, { seed: 4, stream: 2 });
    const cuts = [0, 63, 64, 65, 1023, 1025, 2048, 2999, 3000];
    const pieces = cuts
      .slice(1)
      .map((end, k) => sampleGaussian(full, end - cuts[k]!, { seed: 4, stream: 2, firstRow: cuts[k]! }));
    expect(rowBytes(concatRows(pieces))).toEqual(rowBytes(whole));
  });

  test('seed and stream each select different noise', () => {
    const base = rowsOf(sampleGaussian(full, 5, { seed: 1 }));
    expect(rowsOf(sampleGaussian(full, 5, { seed: 2 }))).not.toEqual(base);
    expect(rowsOf(sampleGaussian(full, 5, { seed: 1, stream: 1 }))).not.toEqual(base);
  });

  test('float32 output is the float64 draw rounded once to float32', () => {
    const x64 = sampleGaussian(full, 777, { seed: 8, firstRow: 41 });
    const x32 = sampleGaussian(full, 777, { seed: 8, firstRow: 41, dtype: 'float32' });
    expect(x32.data).toBeInstanceOf(Float32Array);
    expect(x32.shape).toEqual([777, 3]);
    expect(rowBytes(x32)).toEqual(rowBytes({ ...x64, data: Float32Array.from(x64.data) }));
  });

  test('accepts mean as a typed array and Σ as a tensor', () => {
    const viaTensor = sampleGaussian(
      { mean: Float64Array.from(full.mean), covariance: fromArray(full.covariance) },
      10,
      { seed: 6 },
    );
    expect(rowBytes(viaTensor)).toEqual(rowBytes(sampleGaussian(full, 10, { seed: 6 })));
  });

  test('bad input throws a typed error naming the argument', () => {
    const ok = { seed: 1 };
    expectArgumentError(() => sampleGaussian(null as never, 5, ok), InvalidArgumentError, 'parameters');
    expectArgumentError(
      () => sampleGaussian({ mean: [0, NaN], covariance: 1 }, 5, ok),
      InvalidArgumentError,
      'mean[1]',
    );
    expectArgumentError(() => sampleGaussian({ mean: [], covariance: 1 }, 5, ok), ShapeMismatchError, 'mean');
    expectArgumentError(
      () =>
        sampleGaussian(
          {
            mean: [0, 0],
            covariance: [
              [1, 2],
              [2, 1],
            ],
          },
          5,
          ok,
        ),
      NotPositiveDefiniteError,
      'covariance',
    );
    expectArgumentError(
      () =>
        sampleGaussian(
          {
            mean: [0, 0],
            covariance: [
              [1, 0.5],
              [0.4, 1],
            ],
          },
          5,
          ok,
        ),
      NotPositiveDefiniteError,
      'covariance',
    );
    expectArgumentError(
      () => sampleGaussian({ mean: [0, 0], covariance: [1, 1, 1] }, 5, ok),
      ShapeMismatchError,
      'covariance',
    );
    expectArgumentError(
      () => sampleGaussian({ mean: [0, 0], covariance: -1 }, 5, ok),
      NotPositiveDefiniteError,
      'covariance',
    );
    for (const n of [0, -1, 2.5, NaN, '3'])
      expectArgumentError(() => sampleGaussian(full, n as never, ok), InvalidArgumentError, 'n');
    expectArgumentError(() => sampleGaussian(full, 5, undefined as never), InvalidArgumentError, 'options');
    for (const seed of [-1, 2 ** 32, 0.5, undefined])
      expectArgumentError(() => sampleGaussian(full, 5, { seed } as never), InvalidArgumentError, 'options.seed');
    expectArgumentError(() => sampleGaussian(full, 5, { seed: 1, stream: -3 }), InvalidArgumentError, 'options.stream');
    expectArgumentError(
      () => sampleGaussian(full, 5, { seed: 1, firstRow: -1 }),
      InvalidArgumentError,
      'options.firstRow',
    );
    expectArgumentError(
      () => sampleGaussian(full, 5, { seed: 1, firstRow: Number.MAX_SAFE_INTEGER - 4 }),
      InvalidArgumentError,
      'options.firstRow',
    );
    expectArgumentError(
      () => sampleGaussian(full, 5, { seed: 1, dtype: 'int32' as never }),
      InvalidArgumentError,
      'options.dtype',
    );
  });
});
