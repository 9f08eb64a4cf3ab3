// The SIMD kernels' exponential (kernelExp) against the library's portable exp, and the fused GEMM + bias + SiLU
// (wasm epilogue) against its scalar reference, bit for bit, including overflow, underflow, NaN and ±∞.
import {
  EXP2_FRACTION_TABLE,
  biasSiluRows,
  exp,
  gemmBiasSilu,
  gemmKernel,
  kernelExp,
  kernelExpF32,
  setGemmBackend,
  type MatrixOperand,
} from '@sgmkit/tensor';
import { fastExp } from '../../packages/score/dist/analytic/fast-exp.js';
import { uniformSource } from './linalg-helpers';

afterEach(() => setGemmBackend('auto'));

/** Distance in units in the last place of `reference` with `mantissaBits` (its spacing; `tiniest` below the normals). */
function ulpDistanceIn(value: number, reference: number, mantissaBits: number, tiniest: number): number {
  const spacing = Math.max(2 ** (Math.floor(Math.log2(Math.abs(reference))) - mantissaBits), tiniest);
  return Math.abs(value - reference) / spacing;
}

const ulpDistance = (value: number, reference: number) => ulpDistanceIn(value, reference, 52, 2 ** -1074);
const ulpDistance32 = (value: number, reference: number) => ulpDistanceIn(value, reference, 23, 2 ** -149);

describe('kernelExp', () => {
  test('within 2 ulp of the portable exp from -745 to 709.7 (normal and subnormal results)', () => {
    const uniform = uniformSource(3);
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = -745 + (1454.7 * (uniform() + 1)) / 2; // uniformSource is uniform on [-1, 1)
      worst = Math.max(worst, ulpDistance(kernelExp(x), exp(x)));
    }
    for (let x = -30; x <= 30; x += 1 / 64) worst = Math.max(worst, ulpDistance(kernelExp(x), exp(x)));
    expect(worst).toBeLessThanOrEqual(2);
  });

  test('special values: overflow to +∞, underflow to 0, NaN, ±∞, ±0', () => {
    for (const x of [709.79, 710, 711, 1e10, Number.MAX_VALUE, Infinity]) expect(kernelExp(x)).toBe(Infinity);
    for (const x of [-745.2, -746, -747, -1e10, -Number.MAX_VALUE, -Infinity]) expect(kernelExp(x)).toBe(0);
    expect(kernelExp(NaN)).toBeNaN();
    expect(kernelExp(0)).toBe(1);
    expect(kernelExp(-0)).toBe(1);
    expect(kernelExp(709.78)).toBe(exp(709.78));
    expect(kernelExp(-745.1)).toBe(exp(-745.1)); // the smallest subnormal
  });

  test("on [-708, 709] it is the score package's fastExp, bit for bit (same table, same operations)", () => {
    const uniform = uniformSource(5);
    for (let i = 0; i < 100_000; i++) {
      const x = -708 + (1417 * (uniform() + 1)) / 2;
      if (kernelExp(x) !== fastExp(x))
        throw new Error(`kernelExp(${x}) = ${kernelExp(x)} but fastExp gives ${fastExp(x)}`);
    }
    expect(EXP2_FRACTION_TABLE.length).toBe(256);
  });
});

describe("kernelExpF32 (a float32 network's SiLU)", () => {
  test('within 1.5 float32 ulp of the true value from -103 to 88.7, subnormal results included', () => {
    const uniform = uniformSource(8);
    let worst = 0;
    let allFloat32 = true;
    for (let i = 0; i < 50_000; i++) {
      const x = Math.fround(-103 + (191.7 * (uniform() + 1)) / 2);
      const value = kernelExpF32(x);
      allFloat32 &&= Math.fround(value) === value;
      worst = Math.max(worst, ulpDistance32(value, exp(x)));
    }
    for (let x = -20; x <= 20; x += 1 / 32) worst = Math.max(worst, ulpDistance32(kernelExpF32(x), exp(x)));
    expect(allFloat32).toBe(true);
    expect(worst).toBeLessThanOrEqual(1.5);
  });

  test('special values: overflow to +∞, underflow to 0, NaN, ±∞, ±0', () => {
    for (const x of [88.73, 89, 100, 1e30, Infinity]) expect(kernelExpF32(Math.fround(x))).toBe(Infinity);
    for (const x of [-104, -105, -1e30, -Infinity]) expect(kernelExpF32(Math.fround(x))).toBe(0);
    expect(kernelExpF32(NaN)).toBeNaN();
    expect(kernelExpF32(0)).toBe(1);
    expect(kernelExpF32(-0)).toBe(1);
    expect(kernelExpF32(Math.fround(88.72))).toBe(Math.fround(exp(Math.fround(88.72))));
    expect(kernelExpF32(Math.fround(-103.2))).toBe(2 ** -149); // the smallest float32 subnormal
  });

  test('the float32 SiLU (float32 outputs) is SiLU and the logistic function to a few float32 ulp', () => {
    // From −88: below, e^{−z} overflows float32 and σ(z) (still a float32 subnormal down to −103) comes out 0.
    const zs = Float32Array.from({ length: 1881 }, (_, i) => -88 + 0.1 * i);
    const pre = zs.slice(),
      post = new Float32Array(zs.length),
      sigmoid = new Float32Array(zs.length);
    biasSiluRows(pre, post, sigmoid, 1, zs.length, new Float32Array(zs.length), 0);
    zs.forEach((z, i) => {
      const s = 1 / (1 + exp(-z));
      expect(ulpDistance32(sigmoid[i]!, s)).toBeLessThanOrEqual(3);
      if (z * s !== 0) expect(ulpDistance32(post[i]!, z * s)).toBeLessThanOrEqual(3);
    });
  });
});

/** Bias values that put z = A·B + bias across the whole range of the exponential, special values included. */
const WIDE_BIAS = [
  -800,
  -746,
  -745.5,
  -745.1,
  -720,
  -709.9,
  -709.5,
  -709,
  -708.5,
  -100,
  -3,
  -1e-300,
  -0,
  0,
  1e-300,
  0.5,
  3,
  40,
  100,
  708.5,
  709.5,
  709.9,
  746,
  800,
  NaN,
  Infinity,
  -Infinity,
];

function operands(m: number, n: number, k: number, transposedA: boolean, dtype: 'float64' | 'float32', seed: number) {
  const uniform = uniformSource(seed);
  const Arr = dtype === 'float32' ? Float32Array : Float64Array;
  const a = new Arr(m * k).map(() => uniform() / 2);
  const b = new Arr(k * n).map(() => uniform() / 2);
  const opA: MatrixOperand = { data: a, offset: 0, rowStride: transposedA ? 1 : k, colStride: transposedA ? m : 1 };
  const opB: MatrixOperand = { data: b, offset: 0, rowStride: n, colStride: 1 };
  return { opA, opB, Arr };
}

describe('gemmBiasSilu', () => {
  const cases = [
    ['float64', 'wasm'],
    ['float32', 'wasm'],
    ['float64', 'scalar'],
    ['float32', 'scalar'],
  ] as const;
  test.each(cases)(
    '%s on %s: the wasm epilogue is the scalar bias + SiLU, bit for bit, over the whole range of z',
    (dtype, backend) => {
      let seed = 40;
      for (const [m, k, transposedA] of [
        [1, 1, false],
        [5, 7, true],
        [130, 3, false],
        [9, 256, false],
      ] as const) {
        const n = WIDE_BIAS.length;
        const bias = Float64Array.from([7, ...WIDE_BIAS]); // from offset 1
        const { opA, opB, Arr } = operands(m, n, k, transposedA, dtype, seed++);
        for (const training of [false, true]) {
          setGemmBackend(backend);
          const pre = new Arr(m * n),
            post = new Arr(m * n),
            sigmoid = new Arr(m * n);
          gemmBiasSilu(m, n, k, opA, opB, bias, 1, pre, post, training ? sigmoid : undefined);
          // Reference: the plain GEMM on the same backend (float32 accumulation differs between backends), then the scalar kernel.
          const refPre = new Arr(m * n),
            refPost = new Arr(m * n),
            refSigmoid = new Arr(m * n);
          gemmKernel(m, n, k, 1, opA, opB, 0, refPre, 0, n);
          biasSiluRows(refPre, refPost, training ? refSigmoid : undefined, m, n, bias, 1);
          expect(Array.from(post)).toEqual(Array.from(refPost));
          if (training) {
            expect(Array.from(pre)).toEqual(Array.from(refPre));
            expect(Array.from(sigmoid)).toEqual(Array.from(refSigmoid));
          }
        }
      }
    },
  );

  test('the scalar kernel is SiLU and the logistic function (to a few ulp of the Math.exp formula), with the limits right', () => {
    const zs = Float64Array.from({ length: 4001 }, (_, i) => -700 + 0.35 * i);
    const pre = zs.slice(),
      post = new Float64Array(zs.length),
      sigmoid = new Float64Array(zs.length);
    biasSiluRows(pre, post, sigmoid, 1, zs.length, new Float64Array(zs.length), 0);
    zs.forEach((z, i) => {
      const s = 1 / (1 + Math.exp(-z));
      expect(Math.abs(sigmoid[i]! - s)).toBeLessThanOrEqual(8 * Number.EPSILON * s);
      expect(Math.abs(post[i]! - z * s)).toBeLessThanOrEqual(8 * Number.EPSILON * Math.abs(z * s) + 1e-300);
    });
    const limits = Float64Array.of(-800, 800, Infinity, -Infinity, NaN);
    const limitPost = new Float64Array(5),
      limitSigmoid = new Float64Array(5);
    biasSiluRows(limits.slice(), limitPost, limitSigmoid, 1, 5, new Float64Array(5), 0);
    expect(Array.from(limitSigmoid)).toEqual([0, 1, 1, 0, NaN]);
    expect(Array.from(limitPost).slice(0, 3)).toEqual([-0, 800, Infinity]);
    expect(limitPost[3]).toBeNaN(); // −∞·0
    expect(limitPost[4]).toBeNaN();
  });

  test('n past the block width takes the unfused path with the same results as the plain GEMM + scalar kernel', () => {
    const [m, n, k] = [6, 600, 5];
    const { opA, opB } = operands(m, n, k, false, 'float64', 77);
    const bias = Float64Array.from({ length: n }, (_, j) => (j % 40) - 20);
    const pre = new Float64Array(m * n),
      post = new Float64Array(m * n),
      sigmoid = new Float64Array(m * n);
    gemmBiasSilu(m, n, k, opA, opB, bias, 0, pre, post, sigmoid);
    const refPre = new Float64Array(m * n),
      refPost = new Float64Array(m * n),
      refSigmoid = new Float64Array(m * n);
    gemmKernel(m, n, k, 1, opA, opB, 0, refPre, 0, n);
    biasSiluRows(refPre, refPost, refSigmoid, m, n, bias, 0);
    expect(Array.from(post)).toEqual(Array.from(refPost));
    expect(Array.from(sigmoid)).toEqual(Array.from(refSigmoid));
  });
});
