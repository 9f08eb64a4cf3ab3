import ops from 'ndarray-ops';
import {
  affineNoiseStep,
  ouExponentialIntegratorStep,
  eulerMaruyamaStep,
  langevinStep,
  fillParticleNormals,
  batch,
  rows,
  transpose,
  tensor,
  toNdarray,
  toContiguous,
  dtypeOf,
  InvalidArgumentError,
  ShapeMismatchError,
  DTypeMismatchError,
  NonContiguousError,
  type Batch,
  type DType,
} from '@sgmkit/tensor';
import { filled } from './batches';
import { K_SE } from './stats';

const SEED = 31,
  STREAM = 4,
  FIRST_ROW = 45; // FIRST_ROW starts mid-block on purpose

/** The unfused reference `y ← a·y + b·s + c·z`, composed from ndarray-ops calls. */
function referenceAffine(
  y: Batch,
  s: Batch,
  a: number,
  b: number,
  c: number,
  firstRow: number,
): { out: Batch; scale: Float64Array } {
  const [n, d] = y.shape as [number, number];
  const dtype = dtypeOf(y);
  const out = toContiguous(y, true);
  const bs = toContiguous(s, true);
  const z = fillParticleNormals(batch(n, d, dtype), SEED, STREAM, firstRow);
  // Magnitude of the largest term per element, for an ulp-based tolerance.
  const scale = new Float64Array(n * d);
  for (let k = 0; k < n * d; k++)
    scale[k] = Math.abs(a * y.data[k]!) + Math.abs(b * s.data[k]!) + Math.abs(c * z.data[k]!);
  ops.mulseq(toNdarray(out), a);
  ops.mulseq(toNdarray(bs), b);
  ops.addeq(toNdarray(out), toNdarray(bs));
  ops.mulseq(toNdarray(z), c);
  ops.addeq(toNdarray(out), toNdarray(z));
  return { out, scale };
}

function expectUlpClose(actual: Batch, expected: Batch, scale: Float64Array, ulps: number): void {
  const epsilon = dtypeOf(actual) === 'float32' ? 2 ** -23 : 2 ** -52;
  let worst = 0;
  for (let k = 0; k < scale.length; k++)
    worst = Math.max(worst, Math.abs(actual.data[k]! - expected.data[k]!) / (scale[k]! * epsilon));
  expect(worst).toBeLessThanOrEqual(ulps);
}

const cases: [string, (y: Batch, s: Batch) => void, [number, number, number]][] = [
  ['affineNoiseStep', (y, s) => affineNoiseStep(y, s, 0.9, -0.3, 0.7, SEED, STREAM, FIRST_ROW), [0.9, -0.3, 0.7]],
  [
    'ouExponentialIntegratorStep',
    (y, s) => ouExponentialIntegratorStep(y, s, 0.01, SEED, STREAM, FIRST_ROW),
    [Math.exp(0.01), 2 * Math.expm1(0.01), Math.sqrt(Math.expm1(0.02))],
  ],
  [
    'eulerMaruyamaStep',
    (y, s) => eulerMaruyamaStep(y, s, 0.02, 1.5, SEED, STREAM, FIRST_ROW),
    [1, 0.02, 1.5 * Math.sqrt(0.02)],
  ],
  ['langevinStep', (y, s) => langevinStep(y, s, 0.005, SEED, STREAM, FIRST_ROW), [1, 0.005, Math.sqrt(0.01)]],
];

describe.each(['float64', 'float32'] as DType[])(
  'fused affine-family kernels agree with ndarray-ops composition (%s)',
  (dtype) => {
    test.each(cases)('%s', (_name, run, [a, b, c]) => {
      // 3000 rows × 3: several blocks and about 40 slow-path draws.
      const y = filled(3000, 3, dtype, (k) => Math.sin(k) * 3);
      const s = filled(3000, 3, dtype, (k) => Math.cos(0.7 * k));
      const { out, scale } = referenceAffine(y, s, a, b, c, FIRST_ROW);
      run(y, s);
      expectUlpClose(y, out, scale, dtype === 'float32' ? 3 : 2);
    });
  },
);

describe('fused kernels: reproducibility and layout', () => {
  test('one call equals the same rows updated in chunks (bit-identical), at any offset', () => {
    const start = filled(1000, 2, 'float64', (k) => k / 100);
    const score = filled(1000, 2, 'float64', (k) => -k / 300);
    const whole = toContiguous(start, true);
    ouExponentialIntegratorStep(whole, score, 0.05, 9, 3, 0);
    const chunked = toContiguous(start, true);
    for (const [lo, hi] of [
      [0, 37],
      [37, 500],
      [500, 1000],
    ] as const) {
      ouExponentialIntegratorStep(rows(chunked, lo, hi), rows(score, lo, hi), 0.05, 9, 3, lo);
    }
    expect(Array.from(chunked.data)).toEqual(Array.from(whole.data));
  });

  test('y and s at different offsets into their buffers (either one later) give the same bits', () => {
    const start = filled(1000, 2, 'float64', (k) => k / 100);
    const score = filled(1000, 2, 'float64', (k) => -k / 300);
    const whole = toContiguous(start, true);
    ouExponentialIntegratorStep(whole, score, 0.05, 9, 3, 0);
    const yLater = toContiguous(start, true);
    const sLater = toContiguous(start, true);
    for (const [lo, hi] of [
      [0, 37],
      [37, 500],
      [500, 1000],
    ] as const) {
      // y a view at offset 2·lo, s a fresh batch at offset 0 ...
      ouExponentialIntegratorStep(rows(yLater, lo, hi), toContiguous(rows(score, lo, hi), true), 0.05, 9, 3, lo);
      // ... and the other way round, twice with the same arrays (the second call reuses the aligned view).
      const y = toContiguous(rows(sLater, lo, hi), true);
      ouExponentialIntegratorStep(y, rows(score, lo, hi), 0.05, 9, 3, lo);
      sLater.data.set(y.data, 2 * lo);
    }
    expect(Array.from(yLater.data)).toEqual(Array.from(whole.data));
    expect(Array.from(sLater.data)).toEqual(Array.from(whole.data));
  });

  test('empty batches are a no-op', () => {
    const y = batch(0, 2);
    expect(() => ouExponentialIntegratorStep(y, batch(0, 2), 0.1, 1, 1, 0)).not.toThrow();
  });

  test('the OU step from a fixed point has the exact mean and variance (n = 2·10^5, 5 SE)', () => {
    const h = 0.3,
      y0 = 0.8,
      s0 = -0.5;
    const y = filled(100_000, 2, 'float64', () => y0);
    const s = filled(100_000, 2, 'float64', () => s0);
    ouExponentialIntegratorStep(y, s, h, 123, 0, 0);
    const mean = Math.exp(h) * y0 + 2 * Math.expm1(h) * s0;
    const variance = Math.expm1(2 * h);
    const n = y.data.length;
    let m = 0,
      v = 0;
    for (const x of y.data) m += x;
    m /= n;
    for (const x of y.data) v += (x - mean) ** 2;
    v /= n;
    expect(Math.abs(m - mean)).toBeLessThan(K_SE * Math.sqrt(variance / n));
    expect(Math.abs(v - variance)).toBeLessThan(K_SE * variance * Math.sqrt(2 / n));
  });
});

describe('fused kernels: bad input gets typed errors naming the argument', () => {
  const y = batch(4, 2);
  const s = batch(4, 2);
  test('shapes, dtypes and layouts', () => {
    expect(() => ouExponentialIntegratorStep(y, batch(4, 3), 0.1, 1, 1, 0)).toThrow(ShapeMismatchError);
    expect(() => ouExponentialIntegratorStep(y, batch(3, 2), 0.1, 1, 1, 0)).toThrow(
      /argument 's' must be a batch with n = 4 rows/,
    );
    expect(() => ouExponentialIntegratorStep(y, batch(4, 2, 'float32'), 0.1, 1, 1, 0)).toThrow(DTypeMismatchError);
    expect(() => affineNoiseStep(transpose(batch(2, 4)), s, 1, 1, 1, 1, 1, 0)).toThrow(NonContiguousError);
    expect(() => langevinStep(y, transpose(batch(2, 4)), 0.1, 1, 1, 0)).toThrow(
      /langevinStep: argument 's' must be a contiguous/,
    );
    expect(() => eulerMaruyamaStep(tensor(new Float64Array(8), [8]), s, 0.1, 1, 1, 1, 0)).toThrow(
      /argument 'y' must be a 2-D batch/,
    );
    expect(() => eulerMaruyamaStep(y, [[1, 2]] as never, 0.1, 1, 1, 1, 0)).toThrow(/argument 'drift'/);
  });

  test('step sizes and coefficients', () => {
    for (const h of [0, -0.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => ouExponentialIntegratorStep(y, s, h, 1, 1, 0)).toThrow(
        /ouExponentialIntegratorStep: argument 'h' must be a finite number > 0/,
      );
      expect(() => eulerMaruyamaStep(y, s, h, 1, 1, 1, 0)).toThrow(/argument 'h'/);
      expect(() => langevinStep(y, s, h, 1, 1, 0)).toThrow(/argument 'epsilon'/);
    }
    expect(() => eulerMaruyamaStep(y, s, 0.1, -1, 1, 1, 0)).toThrow(/argument 'sigma' must be a finite number >= 0/);
    expect(() => affineNoiseStep(y, s, Number.NaN, 1, 1, 1, 1, 0)).toThrow(/argument 'a' must be a finite number/);
    expect(() => affineNoiseStep(y, s, 1, Infinity, 1, 1, 1, 0)).toThrow(/argument 'b'/);
    expect(() => affineNoiseStep(y, s, 1, 1, '2' as never, 1, 1, 0)).toThrow(/argument 'c'/);
  });

  test('seeds, streams and rows', () => {
    expect(() => ouExponentialIntegratorStep(y, s, 0.1, -1, 1, 0)).toThrow(
      /argument 'seed' must be an integer in \[0, 4294967295\]; got -1/,
    );
    expect(() => ouExponentialIntegratorStep(y, s, 0.1, 0.5, 1, 0)).toThrow(InvalidArgumentError);
    expect(() => ouExponentialIntegratorStep(y, s, 0.1, 1, 2 ** 32, 0)).toThrow(/argument 'stream'/);
    expect(() => ouExponentialIntegratorStep(y, s, 0.1, 1, 1, -1)).toThrow(/argument 'firstRow'/);
    const n = y.shape[0]!;
    expect(() => ouExponentialIntegratorStep(y, s, 0.1, 1, 1, Number.MAX_SAFE_INTEGER - n + 2)).toThrow(
      /argument 'firstRow' must be an integer in/,
    );
  });

  test('nothing is written when validation fails', () => {
    const target = batch(4, 2);
    expect(() => ouExponentialIntegratorStep(target, s, 0.1, 1, 1, -1)).toThrow();
    expect(Array.from(target.data)).toEqual(new Array(8).fill(0));
  });
});
