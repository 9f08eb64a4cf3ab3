import ndarray from 'ndarray';
import ops from 'ndarray-ops';
import {
  batchMean,
  batchCovariance,
  fromArray,
  toNdarray,
  transpose,
  ShapeMismatchError,
  NonContiguousError,
  InvalidArgumentError,
  type Batch,
} from '@sgmkit/tensor';
import { uniformSource } from './linalg-helpers';

describe('batch reductions', () => {
  test('mean agrees with ndarray-ops column sums (float64 and float32)', () => {
    const next = uniformSource(3);
    for (const dtype of ['float64', 'float32'] as const) {
      const n = 1001,
        d = 3;
      const data = dtype === 'float64' ? new Float64Array(n * d) : new Float32Array(n * d);
      for (let i = 0; i < data.length; i++) data[i] = 5 + next();
      const x: Batch = { data, shape: [n, d], stride: [d, 1], offset: 0 };
      const mean = batchMean(x);
      const nd = toNdarray(x);
      for (let j = 0; j < d; j++) {
        const column = nd.pick(null, j);
        expect(Math.abs(mean[j]! - ops.sum(column) / n)).toBeLessThan(1e-13 * 6);
      }
    }
  });

  test('huge offset: data 1e9 + small dyadic noise give the exact mean and covariance', () => {
    // Noise values are multiples of 2^-10 in [-1, 1], so 1e9 + noise is exact in double and the
    // exact sample moments are computed below from the noise alone, in exact rational arithmetic.
    const n = 4000,
      d = 2;
    const next = uniformSource(11);
    const noise = new Float64Array(n * d);
    for (let i = 0; i < noise.length; i++) noise[i] = Math.round(next() * 1024) / 1024;
    for (let i = 0; i < n; i++) noise[2 * i + 1] += 0.5 * noise[2 * i]!; // correlate the columns (still dyadic)
    const x: Batch = { data: noise.map((v) => 1e9 + v), shape: [n, d], stride: [d, 1], offset: 0 };
    // Exact sums: products of multiples of 2^-11 summed over 4000 rows stay far below 2^53 ulps.
    const scaled = Array.from(noise, (v) => BigInt(Math.round(v * 2048)));
    const sum = [0n, 0n];
    const cross = [
      [0n, 0n],
      [0n, 0n],
    ];
    for (let i = 0; i < n; i++)
      for (let a = 0; a < d; a++) {
        sum[a]! += scaled[i * d + a]!;
        for (let b = 0; b < d; b++) cross[a]![b]! += scaled[i * d + a]! * scaled[i * d + b]!;
      }
    const mean = batchMean(x);
    for (let a = 0; a < d; a++)
      expect(Math.abs(mean[a]! - (1e9 + Number(sum[a]!) / 2048 / n))).toBeLessThanOrEqual(2 ** -22);
    const cov = batchCovariance(x);
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) {
        // (n Σ x_a x_b − Σ x_a Σ x_b) / (n (n−1)) exactly, then scaled back by 2048².
        const exact = Number(BigInt(n) * cross[a]![b]! - sum[a]! * sum[b]!) / (n * (n - 1)) / 2048 ** 2;
        // Centring is exact (Sterbenz) up to the mean's error δ ≤ 2^-24, which enters only as δ² ~ 2^-48;
        // the remaining error is the n-term summation, ≤ n·eps·sqrt(var_a·var_b).
        const scale = Math.sqrt(cov.data[a * d + a]! * cov.data[b * d + b]!);
        expect(Math.abs(cov.data[a * d + b]! - exact)).toBeLessThanOrEqual(n * 2 ** -52 * scale + 2 ** -47);
      }
  });

  test('covariance with a supplied mean equals the two-pass result; symmetric output', () => {
    const x = fromArray([
      [1, 2],
      [3, 5],
      [4, 4],
      [0, -1],
    ]);
    const cov = batchCovariance(x);
    expect(Array.from(batchCovariance(x, batchMean(x)).data)).toEqual(Array.from(cov.data));
    // Hand values: mean (2, 2.5); centred rows (-1,-.5),(1,2.5),(2,1.5),(-2,-3.5).
    expect(cov.data[0]).toBeCloseTo(10 / 3, 14);
    expect(cov.data[1]).toBeCloseTo(13 / 3, 14);
    expect(cov.data[2]).toBe(cov.data[1]);
    expect(cov.data[3]).toBeCloseTo(21 / 3, 14);
    const f32 = fromArray(
      [
        [1, 2],
        [3, 5],
        [4, 4],
        [0, -1],
      ],
      'float32',
    );
    expect(Array.from(batchCovariance(f32).data)).toEqual(Array.from(cov.data));
  });

  test('bad input', () => {
    expect(() => batchMean(fromArray([], [0, 2]))).toThrow(
      /batchMean: argument 'x' must be a batch with at least 1 row/,
    );
    expect(() => batchCovariance(fromArray([[1, 2]]))).toThrow(ShapeMismatchError);
    expect(() =>
      batchCovariance(
        fromArray([
          [1, 2],
          [3, 4],
        ]),
        new Float64Array(3),
      ),
    ).toThrow(/argument 'mean' must be a vector of length 2/);
    expect(() =>
      batchCovariance(
        fromArray([
          [1, 2],
          [3, 4],
        ]),
        [1, 2] as unknown as Float64Array,
      ),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      batchMean(
        transpose(
          fromArray([
            [1, 2],
            [3, 4],
          ]),
        ),
      ),
    ).toThrow(NonContiguousError);
    expect(() => batchMean(ndarray(new Float64Array(2)) as unknown as Batch)).toThrow(/argument 'x'/);
  });
});
