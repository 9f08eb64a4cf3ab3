import {
  batch,
  fillParticleNormals,
  fromArray,
  InvalidArgumentError,
  ShapeMismatchError,
  standardNormalCdf,
  transpose,
} from '@sgmkit/tensor';
import { samplePointCloud } from '@sgmkit/score';
import { expectArgumentError } from './analytic-reference';
import { rowBytes, rowsOf } from './data-reference';

// (1, 2) is listed twice, so the empirical measure gives it probability 2/5.
const points = [
  [0, 0],
  [1, 2],
  [-3, 0.5],
  [1, 2],
  [4, 4],
];

describe('samplePointCloud', () => {
  test('every row is one of the points; frequencies within 5 multinomial SE of multiplicity / m', () => {
    const n = 50000;
    const rows = rowsOf(samplePointCloud(points, n, { seed: 31 }));
    const distinct = [
      [0, 0],
      [1, 2],
      [-3, 0.5],
      [4, 4],
    ];
    const probabilities = [1 / 5, 2 / 5, 1 / 5, 1 / 5];
    const counts = distinct.map(() => 0);
    let strangers = 0;
    for (const r of rows) {
      const k = distinct.findIndex((p) => p[0] === r[0] && p[1] === r[1]);
      if (k < 0) strangers++;
      else counts[k]!++;
    }
    expect(strangers).toBe(0);
    counts.forEach((c, k) =>
      expect(Math.abs(c / n - probabilities[k]!)).toBeLessThan(
        5 * Math.sqrt((probabilities[k]! * (1 - probabilities[k]!)) / n),
      ),
    );
  });

  test('index uniform on {0..m−1} for m = 1000: mean and variance within 5 SE of the exact values', () => {
    const m = 1000,
      n = 50000;
    const index = rowsOf(
      samplePointCloud(
        Array.from({ length: m }, (_, j) => [j]),
        n,
        { seed: 32 },
      ),
    ).map((r) => r[0]!);
    const mean = index.reduce((s, v) => s + v, 0) / n;
    const variance = index.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1);
    // Discrete uniform: σ² = (m² − 1)/12, fourth central moment (m² − 1)(3m² − 7)/240.
    const exactVariance = (m * m - 1) / 12;
    const fourth = ((m * m - 1) * (3 * m * m - 7)) / 240;
    expect(Math.abs(mean - (m - 1) / 2)).toBeLessThan(5 * Math.sqrt(exactVariance / n));
    expect(Math.abs(variance - exactVariance)).toBeLessThan(5 * Math.sqrt((fourth - exactVariance ** 2) / n));
  });

  test('row i is point ⌊m·Φ(z)⌋ with z the normal of global row firstRow + i', () => {
    const n = 2000,
      seed = 4,
      stream = 6,
      firstRow = 77;
    const rows = rowsOf(samplePointCloud(points, n, { seed, stream, firstRow }));
    const z = rowsOf(fillParticleNormals(batch(n, 1), seed, stream, firstRow));
    rows.forEach((r, i) => expect(r).toEqual(points[Math.min(4, Math.floor(5 * standardNormalCdf(z[i]![0]!)))]));
  });

  test('bit-identical rows whatever n or split; float32 output; tensor input (any strides) as arrays', () => {
    const whole = samplePointCloud(points, 1000, { seed: 3 });
    expect(rowBytes(samplePointCloud(points, 400, { seed: 3, firstRow: 300 }))).toEqual(rowBytes(whole, 300, 700));
    const x32 = samplePointCloud(points, 1000, { seed: 3, dtype: 'float32' });
    expect(rowBytes(x32)).toEqual(rowBytes({ ...whole, data: Float32Array.from(whole.data) }));
    const columns = fromArray([points.map((p) => p[0]!), points.map((p) => p[1]!)], 'float32');
    expect(rowBytes(samplePointCloud(transpose(columns), 1000, { seed: 3 }))).toEqual(rowBytes(whole));
  });

  test('bad input throws a typed error naming the argument', () => {
    const ok = { seed: 1 };
    expectArgumentError(() => samplePointCloud([], 5, ok), InvalidArgumentError, 'points');
    expectArgumentError(() => samplePointCloud([[0, 0], [1]], 5, ok), ShapeMismatchError, 'points[1]');
    expectArgumentError(
      () =>
        samplePointCloud(
          [
            [0, 0],
            [1, Infinity],
          ],
          5,
          ok,
        ),
      InvalidArgumentError,
      'points[1][1]',
    );
    expectArgumentError(() => samplePointCloud(batch(0, 2), 5, ok), InvalidArgumentError, 'points');
    expectArgumentError(() => samplePointCloud(points, 1.5, ok), InvalidArgumentError, 'n');
    expectArgumentError(() => samplePointCloud(points, 5, null as never), InvalidArgumentError, 'options');
    expectArgumentError(
      () => samplePointCloud(points, 5, { seed: 'x' as never }),
      InvalidArgumentError,
      'options.seed',
    );
    expectArgumentError(
      () => samplePointCloud(points, 5, { seed: 1, dtype: 'f32' as never }),
      InvalidArgumentError,
      'options.dtype',
    );
  });
});
