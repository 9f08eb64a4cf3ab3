// The WebAssembly SIMD mixture-softmax kernels (@sgmkit/tensor, `wasmMixtureKernels`) against the score package's
// scalar CLD mixture kernels, their reference: bit for bit, on odd particle counts (the padded tail lane), block
// boundaries, offset views and float32 batches, near and far particles (the far ones and their pair partners go
// through the scalar max path), overflow-sized and NaN coordinates; and full CLD sampling runs, bit-identical with
// the SIMD kernels and with the scalar ones forced.
import { MIXTURE_WASM_BLOCK, batch, rows, setGemmBackend, wasmMixtureKernels, type Batch } from '@sgmkit/tensor';
import { cldGaussianMixtureScore, ringMixtureParameters, type CLDScore } from '@sgmkit/score';
import { sampleCLD } from '@sgmkit/sampler';
import { cldMixtureKernel2dShared } from '../../packages/score/dist/analytic/cld-mixture-kernels.js';

interface CLDFactors {
  positionCenters: Float64Array;
  velocityCenters: Float64Array;
  precisions: Float64Array;
  logNormalisers: Float64Array;
  nearRadiusSquared: number;
}

afterEach(() => setGemmBackend('auto'));

/** Deterministic uniforms on [−1, 1) (an LCG: the test needs reproducible spread, not quality). */
function uniforms(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return (2 * state) / 2147483648 - 1;
  };
}

/**
 * n particles: most within a few units of the origin (near), every 7th far out (|x| up to 1e3), every 61st at
 * 1e6 (the max path with logit spreads far beyond the exp's range), every 97th at 1e200 (|z|² overflows to +∞).
 */
function particles(n: number, seed: number, dtype: 'float64' | 'float32' = 'float64'): { x: Batch; v: Batch } {
  const u = uniforms(seed);
  const x = batch(n, 2, dtype);
  const v = batch(n, 2, dtype);
  for (let i = 0; i < n; i++) {
    const scale = i % 97 === 96 ? 1e200 : i % 61 === 60 ? 1e6 : i % 7 === 3 ? 1e3 : 6;
    for (let c = 0; c < 2; c++) {
      x.data[2 * i + c] = scale * u();
      v.data[2 * i + c] = (scale === 6 ? 3 : scale) * u();
    }
  }
  return { x, v };
}

/** `score.evaluate` on the scalar kernels (forced) and on the SIMD ones; returns both outputs. */
function bothPaths(score: CLDScore, t: number, x: Batch, v: Batch): [Batch, Batch] {
  const n = x.shape[0]!;
  const scalar = batch(n, 2, x.data instanceof Float32Array ? 'float32' : 'float64');
  const simd = batch(n, 2, x.data instanceof Float32Array ? 'float32' : 'float64');
  setGemmBackend('scalar');
  score.evaluate(t, x, v, scalar);
  setGemmBackend('auto');
  score.evaluate(t, x, v, simd);
  return [scalar, simd];
}

/** The index of the first entry whose bits differ (Object.is: NaN equals NaN, 0 ≠ −0), or −1. */
function firstDifference(a: Batch, b: Batch): number {
  const n = a.shape[0]! * a.shape[1]!;
  for (let i = 0; i < n; i++) if (!Object.is(a.data[a.offset + i], b.data[b.offset + i])) return i;
  return -1;
}

const ring8 = ringMixtureParameters({ components: 8, radius: 4, std: 0.5 });
const grid25 = (() => {
  const centres = [-4, -2, 0, 2, 4];
  const means = centres.flatMap((a) => centres.map((b) => [a, b]));
  return { weights: means.map((_, k) => (1 + (k % 3)) / 49), means, covariances: means.map(() => 0.09) };
})();
/** ring8 with a different variance per component: the per-component isotropic kernel. */
const ringVariances = { ...ring8, covariances: ring8.covariances.map((_, k) => 0.1 + 0.05 * k) };
/** ring8 with covariances stretched along the ring: the 2 × 2 full kernel. */
const ringFull = (() => {
  const means = ring8.means;
  const covariances = means.map(([a, b]) => {
    const [c, s] = [a! / 4, b! / 4];
    const [radial, tangential] = [0.25, 0.64];
    return [
      [radial * c * c + tangential * s * s, (radial - tangential) * c * s],
      [(radial - tangential) * c * s, radial * s * s + tangential * c * c],
    ];
  });
  return { weights: [0.05, 0.1, 0.15, 0.2, 0.2, 0.15, 0.1, 0.05], means, covariances };
})();

/** Each SIMD kernel's mixtures: shared precision (affine logits), per-component isotropic, full (also forced). */
const SCORES: [string, () => CLDScore][] = [
  ['ring8 (shared)', () => cldGaussianMixtureScore(ring8)],
  ['grid25 (shared)', () => cldGaussianMixtureScore(grid25)],
  ['ring8, different variances (isotropic)', () => cldGaussianMixtureScore(ringVariances)],
  ['ring8, full covariances (full)', () => cldGaussianMixtureScore(ringFull)],
  ['ring8, full kernel forced', () => cldGaussianMixtureScore(ring8, { kernel: 'full' })],
  [
    'ring8, γ = 0.04 (isotropic at small t)',
    () => cldGaussianMixtureScore({ ...ringVariances, initialVelocityVariance: 0.04 }),
  ],
];

describe('WebAssembly SIMD mixture kernels', () => {
  test('are available in Node (so the comparisons below run the SIMD path) and off when scalar is forced', () => {
    expect(wasmMixtureKernels()).not.toBeNull();
    setGemmBackend('scalar');
    expect(wasmMixtureKernels()).toBeNull();
  });

  test.each(SCORES)('%s: bit-identical to the scalar kernel at every time and particle count', (_, make) => {
    const score = make();
    for (const n of [1, 2, 3, 5, MIXTURE_WASM_BLOCK - 1, MIXTURE_WASM_BLOCK + 1, 2 * MIXTURE_WASM_BLOCK + 3]) {
      const { x, v } = particles(n, 11 + n);
      for (const t of [1e-3, 0.05, 0.3, 1, 4]) {
        const [scalar, simd] = bothPaths(score, t, x, v);
        expect([n, t, firstDifference(scalar, simd)]).toEqual([n, t, -1]);
      }
    }
  });

  test.each(SCORES)(
    '%s: offset views and float32 batches bit-identical, rows outside the view not touched',
    (_, make) => {
      const score = make();
      const { x, v } = particles(MIXTURE_WASM_BLOCK + 40, 5);
      const xs = rows(x, 3, MIXTURE_WASM_BLOCK + 6);
      const vs = rows(v, 17, MIXTURE_WASM_BLOCK + 20);
      const [scalar, simd] = bothPaths(score, 0.3, xs, vs);
      expect(firstDifference(scalar, simd)).toBe(-1);
      const outer = batch(MIXTURE_WASM_BLOCK + 9, 2);
      outer.data.fill(7);
      setGemmBackend('auto');
      score.evaluate(0.3, xs, vs, rows(outer, 4, MIXTURE_WASM_BLOCK + 7));
      expect(firstDifference(rows(outer, 4, MIXTURE_WASM_BLOCK + 7), simd)).toBe(-1);
      expect([...outer.data.subarray(0, 8), ...outer.data.subarray(2 * (MIXTURE_WASM_BLOCK + 7))]).toEqual(
        new Array(12).fill(7),
      );
      const single = particles(2 * MIXTURE_WASM_BLOCK + 1, 9, 'float32');
      for (const t of [0.05, 0.3, 2]) {
        const [scalar32, simd32] = bothPaths(score, t, single.x, single.v);
        expect(firstDifference(scalar32, simd32)).toBe(-1);
      }
    },
  );

  test.each(SCORES)(
    '%s: NaN coordinates give NaN in exactly that row on both paths, not in the pair partner',
    (_, make) => {
      const score = make();
      const { x, v } = particles(33, 3);
      x.data[2 * 4] = NaN; // particle 4 (pair 2 with particle 5)
      v.data[2 * 11 + 1] = NaN; // particle 11 (pair 5 with particle 10)
      x.data[2 * 32 + 1] = NaN; // the last particle, paired with the padding lane
      const [scalar, simd] = bothPaths(score, 0.3, x, v);
      expect(firstDifference(scalar, simd)).toBe(-1);
      for (let i = 0; i < 33; i++) {
        const nan = i === 4 || i === 11 || i === 32;
        expect([i, Number.isNaN(simd.data[2 * i]!), Number.isNaN(simd.data[2 * i + 1]!)]).toEqual([i, nan, nan]);
      }
    },
  );

  test('the kernel itself: handles exactly the pairs with both particles near, lists the others, writes their rows as the scalar kernel does', () => {
    const wasm = wasmMixtureKernels()!;
    const components = 8;
    const u = uniforms(21);
    const table = Float64Array.from({ length: 3 * components }, (_, i) => (i % 3 === 0 ? -0.5 + 0.1 * u() : 3 * u()));
    const coefficients = Float64Array.of(-1.3, 2.1, 0.7, 0.9);
    const near = 60;
    const n = MIXTURE_WASM_BLOCK + 7;
    const { x, v } = particles(n, 23);
    for (let i = 0; i < n; i += 5) x.data[2 * i] *= 2; // more pairs with one particle on each side of the radius
    const out = batch(n, 2);
    const shared = { linear: true, coefficients, table, nearRadiusSquared: near };
    const far = wasm.cldShared2d(n, components, shared, x.data, 0, v.data, 0, out.data, 0);
    const isNear = (i: number) => {
      const [x0, x1, v0, v1] = [x.data[2 * i]!, x.data[2 * i + 1]!, v.data[2 * i]!, v.data[2 * i + 1]!];
      return x0 * x0 + x1 * x1 + v0 * v0 + v1 * v1 <= near;
    };
    const expectedFar: number[] = [];
    for (let start = 0; start < n; start += MIXTURE_WASM_BLOCK)
      for (let i = start; i < Math.min(n, start + MIXTURE_WASM_BLOCK); i += 2)
        if (!isNear(i) || (i + 1 < Math.min(n, start + MIXTURE_WASM_BLOCK) && !isNear(i + 1)))
          for (const j of [i, i + 1]) if (j < n) expectedFar.push(j);
    expect(Array.from(wasm.farParticles.subarray(0, far))).toEqual(expectedFar);
    expect(far).toBeGreaterThan(100);
    expect(n - far).toBeGreaterThan(n / 3);
    const scratch = {
      logits: new Float64Array(components),
      componentScores: new Float64Array(2 * components),
      accumulator: new Float64Array(2),
      residuals: new Float64Array(4),
    };
    const reference = batch(n, 2);
    cldMixtureKernel2dShared(n, components, shared, scratch, x.data, 0, v.data, 0, reference.data, 0);
    const farSet = new Set(expectedFar);
    for (let i = 0; i < n; i++) {
      if (farSet.has(i)) continue;
      expect([i, out.data[2 * i], out.data[2 * i + 1]]).toEqual([i, reference.data[2 * i], reference.data[2 * i + 1]]);
    }
  });

  test.each([
    ['ring8', ring8],
    ['ring8, different variances', ringVariances],
    ['ring8, full covariances', ringFull],
  ])(
    'CLD sampling of %s (odd n): bit-identical samples with the SIMD kernels and with the scalar ones forced',
    async (_, parameters) => {
      const score = cldGaussianMixtureScore(parameters);
      const run = async (backend: 'scalar' | 'auto') => {
        setGemmBackend(backend);
        const result = await sampleCLD(score, { T: 4, steps: 30, seed: 17, n: 1001 });
        return Array.from(result.samples.data);
      };
      const scalar = await run('scalar');
      const simd = await run('auto');
      expect(scalar.every(Number.isFinite)).toBe(true);
      expect(simd).toEqual(scalar);
    },
  );

  test.each([
    [
      'isotropic',
      () =>
        cldGaussianMixtureScore({
          weights: [0.3, 0.7],
          means: [
            [0, 0],
            [0, 0],
          ],
          covariances: [0.5, 1],
        }),
    ],
    ['full', () => cldGaussianMixtureScore({ weights: [1], means: [[0, 0]], covariances: [1] }, { kernel: 'full' })],
  ])(
    '%s kernel: signed zeros as the scalar kernel (−0 from a near particle, +0 from a far one, in one pair)',
    (_, make) => {
      // At x = v = 0 every component score is −0: the near path's sums start at s_0 (−0), the far path's at +0.
      const score = make();
      const x = batch(4, 2);
      const v = batch(4, 2);
      x.data[3] = 20; // particle 1: far, with x0 = v0 = 0; particles 2, 3: a near pair
      const [scalar, simd] = bothPaths(score, 0.3, x, v);
      expect(Object.is(scalar.data[0], -0)).toBe(true);
      expect(Object.is(scalar.data[2], 0)).toBe(true);
      expect(firstDifference(scalar, simd)).toBe(-1);
    },
  );

  test.each([
    ['isotropic', ringVariances, 6],
    ['full', ringFull, 10],
  ] as const)(
    'the %s kernel handles particles outside the near region in SIMD; it leaves only pairs with an exponent beyond [-708, 709]',
    (layout, parameters, scale) => {
      const wasm = wasmMixtureKernels()!;
      const score = cldGaussianMixtureScore(parameters);
      const n = 2001;
      const u = uniforms(37);
      const x = batch(n, 2);
      const v = batch(n, 2);
      const huge = (i: number) => i % 61 === 60 || i % 97 === 96;
      for (let i = 0; i < 2 * n; i++) [x.data[i], v.data[i]] = [scale * u(), (scale / 3) * u()];
      for (let i = 0; i < n; i++) if (huge(i)) [x.data[2 * i], v.data[2 * i + 1]] = [i % 61 === 60 ? 1e6 : 1e200, -1e6];
      const out = batch(n, 2);
      score.evaluate(0.3, x, v, out); // fills the factors at t = 0.3; then the kernel on them directly, to see what it leaves
      const f = (score as unknown as { factors: { at(t: number): CLDFactors } }).factors.at(0.3);
      const far = wasm.cldComponents2d(layout, n, 8, f, x.data, 0, v.data, 0, out.data, 0);
      const farRows = new Set(Array.from(wasm.farParticles.subarray(0, far)));
      for (let i = 0; i < n; i++) if (huge(i)) expect([i, farRows.has(i)]).toEqual([i, true]);
      expect(far).toBeLessThan(n / 8);
      let outside = 0;
      for (let i = 0; i < n; i++) {
        const [x0, x1, v0, v1] = [x.data[2 * i]!, x.data[2 * i + 1]!, v.data[2 * i]!, v.data[2 * i + 1]!];
        if (!(x0 * x0 + x1 * x1 + v0 * v0 + v1 * v1 <= f.nearRadiusSquared) && !farRows.has(i)) outside++;
      }
      expect(outside).toBeGreaterThan(n / 4); // outside the near region, yet handled by the SIMD kernel's max path
    },
  );
});
