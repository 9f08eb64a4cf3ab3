import { InvalidArgumentError, ShapeMismatchError, batch, fillParticleNormals } from '@sgmkit/tensor';
import type { Batch } from '@sgmkit/tensor';
import { nearestNeighbourDistances, qualityReport } from '@sgmkit/sampler';

function normals(n: number, d: number, seed: number, scale = 1, shift = 0): Batch {
  const b = batch(n, d);
  fillParticleNormals(b, seed, 0, 0);
  for (let i = 0; i < b.data.length; i++) b.data[i] = shift + scale * b.data[i]!;
  return b;
}

function bruteForce(q: Batch, r: Batch): number[] {
  const [n, d] = q.shape as [number, number];
  const m = r.shape[0]!;
  return Array.from({ length: n }, (_, i) => {
    let best = Infinity;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (q.data[i * d + k]! - r.data[j * d + k]!) ** 2;
      best = Math.min(best, s);
    }
    return Math.sqrt(best);
  });
}

describe('nearestNeighbourDistances', () => {
  test('equals the brute-force minimum, across query blocks (n = 150 > 64) and in float32', () => {
    const q = normals(150, 7, 1);
    const r = normals(333, 7, 2);
    const fast = nearestNeighbourDistances(q, r);
    bruteForce(q, r).forEach((v, i) => expect(fast[i]).toBeCloseTo(v, 12));
    const q32 = { ...q, data: Float32Array.from(q.data) };
    const r32 = { ...r, data: Float32Array.from(r.data) };
    bruteForce(q32 as Batch, r32 as Batch).forEach((v, i) =>
      expect(nearestNeighbourDistances(q32, r32)[i]).toBeCloseTo(v, 5),
    );
  });

  test('a copied row is at distance exactly 0 (the winner is recomputed directly, no cancellation)', () => {
    const r = normals(50, 64, 3, 1000, 5000);
    const q = { data: r.data.slice(10 * 64, 12 * 64), shape: [2, 64], stride: [64, 1], offset: 0 } as Batch;
    expect(Array.from(nearestNeighbourDistances(q, r))).toEqual([0, 0]);
  });

  test('typed errors', () => {
    expect(() => nearestNeighbourDistances(normals(3, 2, 1), normals(3, 3, 1))).toThrow(ShapeMismatchError);
    expect(() => nearestNeighbourDistances(normals(3, 2, 1), batch(0, 2))).toThrow(InvalidArgumentError);
  });
});

describe('qualityReport', () => {
  const train = normals(400, 5, 10, 2, 1);
  const heldOut = normals(300, 5, 11, 2, 1);

  test('samples that are the training rows: the same figures as the noise floor, memorisation ratio 0', () => {
    const report = qualityReport(train, train, heldOut, { projections: 50 });
    expect(report.slicedW2Ratio).toBe(1);
    expect(report.samples).toEqual(report.noiseFloor);
    expect(report.nearestTraining.samples).toEqual({ median: 0, mean: 0, quantile05: 0 });
    expect(report.memorisationRatio).toBe(0);
    expect(report.nearestTraining.heldOut.median).toBeGreaterThan(0);
    // Every sample (distance 0) is closer than every held-out row (distance > 0).
    expect(report.closerThanHeldOut).toBe(1);
    expect(report.heldOutRepeats).toBe(0);
  });

  test('fresh draws of the same law: closerThanHeldOut ≈ 1/2 within 5 standard errors', () => {
    const fresh = normals(1000, 5, 13, 2, 1);
    const report = qualityReport(fresh, train, heldOut, { projections: 20 });
    // Mann–Whitney under equal laws: variance (n + m + 1)/(12·n·m) for n samples and m held-out rows.
    const se = Math.sqrt((1000 + 300 + 1) / (12 * 1000 * 300));
    expect(Math.abs(report.closerThanHeldOut - 0.5)).toBeLessThan(5 * se);
    expect(report.memorisationRatio).not.toBeNull();
  });

  test('repeated rows: the held-out median is 0, the ratio is null (not Infinity), closerThanHeldOut counts ties half', () => {
    // d = 1 (the statistics depend on distances only through their order, which standardisation keeps).
    // Training 0, 1, 2, 3, 3; held-out 0, 1, 3, 10 → nearest distances 0, 0, 0, 7 (median 0, 3 of 4 repeat a row).
    // Samples 0, 0.25, 5 → 0, 0.25, 2. Pairs: 0 beats 7 and ties three 0s (2.5), 0.25 and 2 beat 7 only (1 each): 4.5/12.
    const column = (values: number[]): Batch => ({
      data: Float64Array.from(values),
      shape: [values.length, 1],
      stride: [1, 1],
      offset: 0,
    });
    const report = qualityReport(column([0, 0.25, 5]), column([0, 1, 2, 3, 3]), column([0, 1, 3, 10]), {
      projections: 2,
    });
    expect(report.nearestTraining.heldOut.median).toBe(0);
    expect(report.memorisationRatio).toBeNull();
    expect(report.heldOutRepeats).toBe(0.75);
    expect(report.closerThanHeldOut).toBeCloseTo(4.5 / 12, 15);
    // A sampler that returns the training rows of a law fully covered by them is as close as fresh data: 1/2.
    const atoms = column([0, 1, 0, 1, 1, 0]);
    const copies = qualityReport(column([1, 0, 1, 0]), atoms, column([1, 0, 0]), { projections: 2 });
    expect(copies.memorisationRatio).toBeNull();
    expect(copies.closerThanHeldOut).toBe(0.5);
  });

  test('shifted samples: sliced W2 and MMD above the floor; the report is invariant to the data units', () => {
    const shifted = normals(600, 5, 12, 2, 3);
    const report = qualityReport(shifted, train, heldOut, { projections: 50 });
    expect(report.samples.rows).toBe(400);
    expect(report.slicedW2Ratio).toBeGreaterThan(2);
    expect(report.samples.mmdSquared).toBeGreaterThan(report.noiseFloor.mmdSquared);
    // Rescaling every set by the same per-coordinate factors changes nothing after standardisation (up to rounding).
    const rescale = (b: Batch) => ({ ...b, data: b.data.map((v, i) => v * (1 + (i % 5)) * 100) }) as Batch;
    const scaled = qualityReport(rescale(shifted), rescale(train), rescale(heldOut), { projections: 50 });
    expect(scaled.slicedW2Ratio).toBeCloseTo(report.slicedW2Ratio, 9);
    expect(scaled.memorisationRatio).toBeCloseTo(report.memorisationRatio!, 9);
  });

  test('typed errors', () => {
    const nan = normals(10, 5, 1);
    nan.data[7] = Number.NaN;
    expect(() => qualityReport(nan, train, heldOut)).toThrow(/argument 'samples' must be finite rows/);
    expect(() => qualityReport(normals(10, 4, 1), train, heldOut)).toThrow(ShapeMismatchError);
    expect(() => qualityReport(train, normals(1, 5, 1), heldOut)).toThrow(/at least 2 rows/);
    expect(() => qualityReport(train, train, heldOut, { projections: 1 })).toThrow(/options\.projections/);
  });
});
