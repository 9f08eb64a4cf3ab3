import { InvalidArgumentError, RandomStream, ShapeMismatchError } from '@sgmkit/tensor';
import { mmd, slicedWasserstein, sortedW2Squared } from '@sgmkit/sampler';

/** n × d batch of N(shift, I) draws from `new RandomStream(seed, stream)`. */
function normalSample(
  n: number,
  d: number,
  seed: number,
  stream: number,
  shift: number[] = [],
): { data: Float64Array; shape: number[]; stride: number[]; offset: number } {
  const random = new RandomStream(seed, stream);
  const data = new Float64Array(n * d);
  for (let i = 0; i < n * d; i++) data[i] = random.normal() + (shift[i % d] ?? 0);
  return { data, shape: [n, d], stride: [d, 1], offset: 0 };
}
const batchOf = (rows: number[][]) => ({
  data: Float64Array.from(rows.flat()),
  shape: [rows.length, rows[0]!.length],
  stride: [rows[0]!.length, 1],
  offset: 0,
});
const meanAndStandardError = (values: number[]) => {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1);
  return [mean, Math.sqrt(variance / values.length)] as const;
};

describe('slicedWasserstein', () => {
  test('1-D empirical W2² with n ≠ m by hand: x = (0, 1, 3), y = (0.5, 2) gives 0.625', () => {
    // Quantile pieces: [0,⅓) 0 vs .5, [⅓,½) 1 vs .5, [½,⅔) 1 vs 2, [⅔,1) 3 vs 2.
    expect(sortedW2Squared(Float64Array.from([0, 1, 3]), Float64Array.from([0.5, 2]))).toBeCloseTo(
      0.25 / 3 + 0.25 / 6 + 1 / 6 + 1 / 3,
      15,
    );
    const result = slicedWasserstein(batchOf([[3], [0], [1]]), batchOf([[2], [0.5]]), { projections: 4, seed: 1 });
    expect(result.squared).toBeCloseTo(0.625, 14); // in 1-D every direction is ±1
    expect(result.squaredStandardError).toBeCloseTo(0, 14);
  });

  test('a sample against its own translate by s: SW² = mean_θ (θ·s)², whose expectation is |s|²/d (within 5 computed SE)', () => {
    const d = 4;
    const x = normalSample(500, d, 7, 1);
    const s = [0.5, -1, 0.25, 0.8];
    const shifted = { ...x, data: x.data.map((v, i) => v + s[i % d]!) };
    const result = slicedWasserstein(x, shifted, { projections: 400, seed: 3 });
    const expected = s.reduce((a, b) => a + b * b, 0) / d;
    expect(Math.abs(result.squared - expected)).toBeLessThan(5 * result.squaredStandardError);
  });

  test('same law vs shifted law: E[SW²(x, y + s)] − E[SW²(x, y)] = |s|²/d, over independent replicates (5 SE)', () => {
    // W2²(a, b + c) = W2²(a, b) − 2c(ā − b̄) + c² in 1-D, and E(ā − b̄) = 0 for equal laws.
    const d = 2;
    const s = [0.6, -0.3];
    const differences: number[] = [];
    const same: number[] = [];
    for (let r = 0; r < 20; r++) {
      const x = normalSample(300, d, 11, 2 * r);
      const y = normalSample(300, d, 11, 2 * r + 1);
      const z = { ...y, data: y.data.map((v, i) => v + s[i % d]!) };
      const sw = slicedWasserstein(x, y, { projections: 50, seed: r });
      same.push(sw.squared);
      differences.push(slicedWasserstein(x, z, { projections: 50, seed: r }).squared - sw.squared);
    }
    const [meanDifference, se] = meanAndStandardError(differences);
    expect(Math.abs(meanDifference - (0.36 + 0.09) / d)).toBeLessThan(5 * se);
    const [meanSame] = meanAndStandardError(same);
    expect(meanSame).toBeLessThan(meanDifference / 5);
  });

  test('bad input', () => {
    const x = normalSample(10, 2, 1, 1);
    expect(() => slicedWasserstein(x, normalSample(10, 3, 1, 2), { projections: 5, seed: 1 })).toThrow(
      ShapeMismatchError,
    );
    expect(() => slicedWasserstein(x, x, { projections: 1, seed: 1 })).toThrow(/options\.projections/);
    expect(() => slicedWasserstein(x, x, { projections: 5, seed: -1 })).toThrow(/options\.seed/);
    expect(() =>
      slicedWasserstein(
        x,
        { data: new Float64Array(0), shape: [0, 2], stride: [2, 1], offset: 0 },
        { projections: 5, seed: 1 },
      ),
    ).toThrow(InvalidArgumentError);
  });
});

describe('mmd (Gaussian kernel, unbiased)', () => {
  test('by hand on two tiny samples', () => {
    const k = (a: number, b: number) => Math.exp(-((a - b) ** 2) / 2);
    const [x, y] = [
      [0, 1, 3],
      [0.5, 2],
    ];
    const xx = (2 * (k(0, 1) + k(0, 3) + k(1, 3))) / 6;
    const yy = (2 * k(0.5, 2)) / 2;
    const xy = (2 * x.reduce((s, a) => s + y.reduce((t, b) => t + k(a, b), 0), 0)) / 6;
    expect(mmd(batchOf(x.map((v) => [v])), batchOf(y.map((v) => [v])), { bandwidth: 1 }).squared).toBeCloseTo(
      xx + yy - xy,
      15,
    );
  });

  test.each([[1], [undefined]])(
    'same law: the replicate mean is 0 within 5 computed SE (bandwidth %s; undefined = median heuristic)',
    (bandwidth) => {
      const values: number[] = [];
      for (let r = 0; r < 40; r++)
        values.push(mmd(normalSample(150, 2, 21, 2 * r), normalSample(120, 2, 21, 2 * r + 1), { bandwidth }).squared);
      const [mean, se] = meanAndStandardError(values);
      expect(Math.abs(mean)).toBeLessThan(5 * se);
    },
  );

  test('shifted law: the replicate mean matches the closed form 2(σ²/(σ²+2))^{d/2}(1 − e^{−|s|²/(2(σ²+2))}) within 5 SE', () => {
    // E k(X, X') = (σ²/(σ² + 2))^{d/2} exp(−|μ − μ'|²/(2(σ² + 2))) for X ~ N(μ, I), X' ~ N(μ', I).
    const [d, sigma, s] = [2, 1.5, [0.7, 0.4]];
    const values: number[] = [];
    for (let r = 0; r < 30; r++)
      values.push(
        mmd(normalSample(150, d, 5, 2 * r), normalSample(150, d, 5, 2 * r + 1, s), { bandwidth: sigma }).squared,
      );
    const [mean, se] = meanAndStandardError(values);
    const shift2 = s.reduce((a, b) => a + b * b, 0);
    const expected = 2 * (sigma ** 2 / (sigma ** 2 + 2)) ** (d / 2) * (1 - Math.exp(-shift2 / (2 * (sigma ** 2 + 2))));
    expect(Math.abs(mean - expected)).toBeLessThan(5 * se);
    expect(mean).toBeGreaterThan(5 * se);
  });

  test('median heuristic: the median pairwise distance of the pooled sample', () => {
    // Pooled 1-D points 0, 1, 3, 6: distances 1, 3, 6, 2, 5, 3 → median (3 + 3)/2 = 3.
    expect(mmd(batchOf([[0], [1]]), batchOf([[3], [6]])).bandwidth).toBe(3);
  });

  test('bad input', () => {
    const x = normalSample(10, 2, 1, 1);
    expect(() => mmd(x, normalSample(10, 3, 1, 2))).toThrow(ShapeMismatchError);
    expect(() => mmd(x, normalSample(1, 2, 1, 2))).toThrow(/'y'/);
    expect(() => mmd(x, x, { bandwidth: 0 })).toThrow(/options\.bandwidth/);
    expect(() => mmd(x, x, { kernel: 'laplace' as never })).toThrow(/options\.kernel/);
    expect(() => mmd(batchOf([[1], [1]]), batchOf([[1], [1]]))).toThrow(/median/);
  });
});
