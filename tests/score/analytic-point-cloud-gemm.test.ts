// The point-cloud score's GEMM path (packages/score/src/analytic/point-cloud-kernels.ts) against the direct
// kernel, with a tolerance derived from the expansion's rounding; rows independent of the batch; path choice.
import { batch, InvalidArgumentError, RandomStream, type Batch } from '@sgmkit/tensor';
import { pointCloudScore, POINT_CLOUD_GEMM_MIN_DIM, scoreFromSpec } from '@sgmkit/score';

const EPSILON = 2 ** -52;

function cloudOf(m: number, d: number, seed: number, scale = 1): number[][] {
  const rng = new RandomStream(seed);
  return Array.from({ length: m }, () => Array.from({ length: d }, () => scale * rng.normal()));
}

function particles(n: number, d: number, seed: number, scale = 1.5): Batch {
  const x = batch(n, d);
  new RandomStream(seed).fillNormal(x.data);
  for (let i = 0; i < x.data.length; i++) x.data[i] = scale * x.data[i]!;
  return x;
}

const norm = (v: ArrayLike<number>, from: number, d: number): number => {
  let s = 0;
  for (let c = 0; c < d; c++) s += v[from + c]! * v[from + c]!;
  return Math.sqrt(s);
};

/**
 * Bound on |gemm − direct| (max norm) for particle x: the logits' error η ≤ 2dε(a²|p|² + 2a|x||p|)/σ² moves each
 * softmax weight by a relative 2η at most, so the score Σπ_j(a p_j − x)/σ² moves by ≤ 2η·max_j|a p_j − x|/σ²;
 * plus the final combination's rounding, 16ε(a·max|p| + |x|)/σ², and the direct kernel's own (smaller) error.
 */
function tolerance(x: number, maxPoint: number, decay: number, variance: number, d: number): number {
  const eta = (2 * d * EPSILON * (decay * decay * maxPoint * maxPoint + 2 * decay * x * maxPoint)) / variance;
  const spread = (decay * maxPoint + x) / variance;
  return 2 * eta * spread + 16 * EPSILON * spread;
}

describe('pointCloudScore: GEMM path', () => {
  // m crosses the point block (512) and n the particle block (64), so the online softmax and the tails are exercised.
  test.each([
    [4, 700, 130],
    [9, 1100, 70],
    [64, 600, 100],
  ])('d = %i, m = %i, n = %i: equals the direct kernel within the derived rounding bound', (d, m, n) => {
    const cloud = cloudOf(m, d, d);
    const maxPoint = Math.max(...cloud.map((p) => Math.hypot(...p)));
    const direct = pointCloudScore(cloud, { path: 'direct' });
    const gemm = pointCloudScore(cloud, { path: 'gemm' });
    expect([direct.path, gemm.path]).toEqual(['direct', 'gemm']);
    const x = particles(n, d, 100 + d);
    const [want, got] = [batch(n, d), batch(n, d)];
    for (const t of [1e-3, 0.05, 0.5, 3]) {
      const decay = Math.exp(-t);
      const variance = -Math.expm1(-2 * t);
      direct.evaluate(t, x, want);
      gemm.evaluate(t, x, got);
      let worstRatio = 0;
      for (let i = 0; i < n; i++) {
        const bound = tolerance(norm(x.data, i * d, d), maxPoint, decay, variance, d);
        for (let c = 0; c < d; c++)
          worstRatio = Math.max(worstRatio, Math.abs(got.data[i * d + c]! - want.data[i * d + c]!) / bound);
      }
      expect(worstRatio).toBeLessThanOrEqual(1);
      expect(got.data.every(Number.isFinite)).toBe(true);
    }
  });

  test('a wrong weight in one point block would be seen: the bound is far below the score differences it must catch', () => {
    // Dropping the second point block (what a broken online softmax would do) changes the score by far more than the bound.
    const d = 8,
      m = 1024,
      n = 20;
    const cloud = cloudOf(m, d, 3);
    const x = particles(n, d, 4);
    const [all, half] = [batch(n, d), batch(n, d)];
    pointCloudScore(cloud, { path: 'gemm' }).evaluate(0.5, x, all);
    pointCloudScore(cloud.slice(0, 512), { path: 'gemm' }).evaluate(0.5, x, half);
    const maxPoint = Math.max(...cloud.map((p) => Math.hypot(...p)));
    const bound = tolerance(
      Math.max(...Array.from({ length: n }, (_, i) => norm(x.data, i * d, d))),
      maxPoint,
      Math.exp(-0.5),
      -Math.expm1(-1),
      d,
    );
    const change = Math.max(...all.data.map((v, k) => Math.abs(v - half.data[k]!)));
    expect(change).toBeGreaterThan(1e6 * bound);
  });

  test('row i depends only on particle i: any chunking gives bit-identical rows', () => {
    const d = 16,
      m = 900,
      n = 150;
    const score = pointCloudScore(cloudOf(m, d, 5));
    expect(score.path).toBe('gemm');
    const x = particles(n, d, 6);
    const whole = batch(n, d);
    score.evaluate(0.02, x, whole);
    for (const chunk of [1, 63, 64, 65, 149]) {
      const part = batch(n, d);
      for (let first = 0; first < n; first += chunk) {
        const rows = Math.min(chunk, n - first);
        const view = {
          data: x.data.subarray(first * d, (first + rows) * d),
          shape: [rows, d],
          stride: [d, 1],
          offset: 0,
        };
        const into = {
          data: part.data.subarray(first * d, (first + rows) * d),
          shape: [rows, d],
          stride: [d, 1],
          offset: 0,
        };
        score.evaluate(0.02, view, into);
      }
      expect(part.data.every((v, k) => Object.is(v, whole.data[k]))).toBe(true);
    }
  });

  test('NaN in a particle gives NaN in its row only; far particles stay finite', () => {
    const d = 8;
    const score = pointCloudScore(cloudOf(300, d, 7));
    const x = particles(3, d, 8);
    x.data[d + 2] = Number.NaN;
    for (let c = 0; c < d; c++) x.data[2 * d + c] = c % 2 === 0 ? 1e6 : -1e6;
    const out = batch(3, d);
    score.evaluate(0.01, x, out);
    expect(out.data.subarray(0, d).every(Number.isFinite)).toBe(true);
    expect(out.data.subarray(d, 2 * d).every(Number.isNaN)).toBe(true);
    expect(out.data.subarray(2 * d).every(Number.isFinite)).toBe(true);
  });

  test("'auto' takes gemm at every d (POINT_CLOUD_GEMM_MIN_DIM = 1); an explicit path travels in the spec (workers evaluate the same way)", () => {
    expect(POINT_CLOUD_GEMM_MIN_DIM).toBe(1);
    for (const d of [1, 2, 3, 4]) expect(pointCloudScore(cloudOf(5, d, 1)).path).toBe('gemm');
    const auto = pointCloudScore(cloudOf(5, 8, 1));
    expect(auto.spec).not.toHaveProperty('path');
    const chosen = pointCloudScore(cloudOf(5, 8, 1), { path: 'direct' });
    expect(chosen.spec.path).toBe('direct');
    expect((scoreFromSpec(chosen.spec) as ReturnType<typeof pointCloudScore>).path).toBe('direct');
    expect((scoreFromSpec(auto.spec) as ReturnType<typeof pointCloudScore>).path).toBe('gemm');
  });

  test('an unknown path is a typed error naming options.path', () => {
    expect(() => pointCloudScore([[0, 1]], { path: 'fast' as never })).toThrow(InvalidArgumentError);
    expect(() => pointCloudScore([[0, 1]], { path: 'fast' as never })).toThrow(/options\.path/);
  });
});
