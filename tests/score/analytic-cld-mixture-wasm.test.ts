// The WebAssembly SIMD mixture-softmax kernels (@sgmkit/tensor, `wasmMixtureKernels`) against the score package's
// scalar CLD mixture kernels, their reference: bit for bit, on odd particle counts (the padded tail lane), block
// boundaries, offset views and float32 batches, near and far particles (the far ones and their pair partners go
// through the scalar max path), overflow-sized and NaN coordinates; and full CLD sampling runs, bit-identical with
// the SIMD kernels and with the scalar ones forced.
import { MIXTURE_WASM_BLOCK, batch, rows, setGemmBackend, wasmMixtureKernels, type Batch } from '@sgmkit/tensor';
import { cldGaussianMixtureScore, ringMixtureParameters, type CLDScore } from '@sgmkit/score';
import { sampleCLD } from '@sgmkit/sampler';
import { cldMixtureKernel2dShared } from '../../packages/score/dist/analytic/cld-mixture-kernels.js';

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

describe('WebAssembly SIMD mixture kernels', () => {
  test('are available in Node (so the comparisons below run the SIMD path) and off when scalar is forced', () => {
    expect(wasmMixtureKernels()).not.toBeNull();
    setGemmBackend('scalar');
    expect(wasmMixtureKernels()).toBeNull();
  });

  test('shared-precision 2-D kernel (ring8, grid25): bit-identical to the scalar kernel at every time and particle count', () => {
    for (const parameters of [ring8, grid25]) {
      const score = cldGaussianMixtureScore(parameters);
      for (const n of [1, 2, 3, 5, MIXTURE_WASM_BLOCK - 1, MIXTURE_WASM_BLOCK + 1, 2 * MIXTURE_WASM_BLOCK + 3]) {
        const { x, v } = particles(n, 11 + n);
        for (const t of [1e-3, 0.05, 0.3, 1, 4]) {
          const [scalar, simd] = bothPaths(score, t, x, v);
          expect([parameters.means.length, n, t, firstDifference(scalar, simd)]).toEqual([
            parameters.means.length,
            n,
            t,
            -1,
          ]);
        }
      }
    }
  });

  test('offset views and float32 batches: bit-identical, and rows outside the view are not touched', () => {
    const score = cldGaussianMixtureScore(ring8);
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
  });

  test('NaN coordinates give NaN in exactly that row on both paths; a NaN particle does not disturb its pair partner', () => {
    const score = cldGaussianMixtureScore(ring8);
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
  });

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
    const far = wasm.cldShared2d(n, components, table, coefficients, near, x.data, 0, v.data, 0, out.data, 0);
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
    const shared = { linear: true, coefficients, table, nearRadiusSquared: near };
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

  test('CLD sampling of ring8 (odd n): bit-identical samples with the SIMD kernels and with the scalar ones forced', async () => {
    const score = cldGaussianMixtureScore(ring8);
    const run = async (backend: 'scalar' | 'auto') => {
      setGemmBackend(backend);
      const result = await sampleCLD(score, { T: 4, steps: 30, seed: 17, n: 1001 });
      return Array.from(result.samples.data);
    };
    const scalar = await run('scalar');
    const simd = await run('auto');
    expect(scalar.every(Number.isFinite)).toBe(true);
    expect(simd).toEqual(scalar);
  });
});
