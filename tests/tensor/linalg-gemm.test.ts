import {
  gemm,
  gemv,
  transpose,
  get2,
  InvalidArgumentError,
  ShapeMismatchError,
  DTypeMismatchError,
  NonContiguousError,
  type Tensor,
  GEMM_MC,
  GEMM_KC,
  GEMM_NC,
} from '@sgmkit/tensor';
import { naiveGemm, randomMatrix } from './linalg-helpers';

const EPS64 = 2 ** -52;
const EPS32 = 2 ** -23;

function checkGemm(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
  dtype: 'float64' | 'float32',
  seed: number,
) {
  const a = randomMatrix(ta ? k : m, ta ? m : k, seed, dtype);
  const b = randomMatrix(tb ? n : k, tb ? k : n, seed + 1, dtype);
  const c = randomMatrix(m, n, seed + 2, dtype);
  const ref = naiveGemm(ta, tb, alpha, a, b, beta, c);
  gemm(ta, tb, alpha, a, b, beta, c);
  // Recursive summation of k products then α and β·C: error ≤ (k+2)·eps·magnitude in the working
  // precision (float32 on the wasm backend, which accumulates float32 in float32), plus one rounding of a float32 result.
  const eps = dtype === 'float32' ? EPS32 : EPS64;
  let worst = 0;
  for (let i = 0; i < m * n; i++) {
    const bound =
      (ref.k + 2) * eps * ref.magnitude[i]! + (dtype === 'float32' ? EPS32 * Math.abs(ref.value[i]!) : 0) + 1e-300;
    worst = Math.max(worst, Math.abs(c.data[i]! - ref.value[i]!) / bound);
  }
  expect(worst).toBeLessThanOrEqual(1);
}

describe('gemm', () => {
  const sizes = [1, 7, 65, 130];
  for (const ta of [false, true])
    for (const tb of [false, true]) {
      test(`op(A)=${ta ? 'Aᵀ' : 'A'}, op(B)=${tb ? 'Bᵀ' : 'B'}: all size combinations of 1, 7, 65, 130`, () => {
        let seed = 10;
        for (const m of sizes)
          for (const n of sizes) for (const k of [1, 7, 65]) checkGemm(ta, tb, m, n, k, 1.5, -0.5, 'float64', seed++);
        checkGemm(ta, tb, 130, 130, 130, -0.75, 2, 'float64', seed);
      });
    }

  test('sizes crossing every blocking boundary (MC, KC, NC)', () => {
    checkGemm(false, false, GEMM_MC + 3, GEMM_NC + 5, GEMM_KC + 7, 1, 1, 'float64', 99);
    checkGemm(true, true, 9, GEMM_NC + 1, GEMM_KC + 1, 0.5, 0, 'float64', 98);
  });

  test('float32 for every transpose combination', () => {
    for (const ta of [false, true])
      for (const tb of [false, true]) checkGemm(ta, tb, 65, 33, 130, 1.25, 0.5, 'float32', 7);
  });

  test('beta = 0 never reads C: NaN in C is overwritten', () => {
    const a = randomMatrix(5, 3, 1),
      b = randomMatrix(3, 6, 2);
    const c = randomMatrix(5, 6, 3);
    c.data.fill(Number.NaN);
    gemm(false, false, 1, a, b, 0, c);
    const ref = naiveGemm(false, false, 1, a, b, 0, c);
    for (let i = 0; i < 30; i++) expect(c.data[i]).toBeCloseTo(ref.value[i]!, 14);
  });

  test('alpha = 0 scales C by beta only', () => {
    const a = randomMatrix(4, 4, 1),
      b = randomMatrix(4, 4, 2),
      c = randomMatrix(4, 4, 3);
    const before = Float64Array.from(c.data);
    gemm(false, false, 0, a, b, 3, c);
    before.forEach((v, i) => expect(c.data[i]).toBe(3 * v));
  });

  test('strided inputs: transposed views and offset sub-blocks of A and B', () => {
    const big = randomMatrix(20, 30, 5);
    // A = rows 2..11, columns 3..9 of big (row stride 30, offset 63).
    const a: Tensor = { data: big.data, shape: [9, 7], stride: [30, 1], offset: 2 * 30 + 3 };
    const b = transpose(randomMatrix(11, 7, 6)); // 7×11 view with stride [1, 7]
    const c = randomMatrix(9, 11, 7);
    const ref = naiveGemm(false, false, 2, a, b, 1, c);
    gemm(false, false, 2, a, b, 1, c);
    for (let i = 0; i < 99; i++)
      expect(Math.abs(c.data[i]! - ref.value[i]!)).toBeLessThanOrEqual(20 * EPS64 * ref.magnitude[i]!);
  });

  test('C may have an offset into a larger buffer', () => {
    const a = randomMatrix(3, 4, 1),
      b = randomMatrix(4, 2, 2);
    const store = new Float64Array(10).fill(-7);
    const c: Tensor = { data: store, shape: [3, 2], stride: [2, 1], offset: 3 };
    gemm(false, false, 1, a, b, 0, c);
    const ref = naiveGemm(false, false, 1, a, b, 0, c);
    for (let i = 0; i < 6; i++) expect(store[3 + i]).toBeCloseTo(ref.value[i]!, 14);
    expect([store[0], store[1], store[2], store[9]]).toEqual([-7, -7, -7, -7]);
  });

  test('bad input: typed errors naming the argument', () => {
    const a = randomMatrix(3, 4, 1),
      b = randomMatrix(4, 2, 2),
      c = randomMatrix(3, 2, 3);
    expect(() => gemm(false, false, 1, a, randomMatrix(5, 2, 1), 0, c)).toThrow(ShapeMismatchError);
    expect(() => gemm(false, false, 1, a, randomMatrix(5, 2, 1), 0, c)).toThrow(/argument 'b'/);
    expect(() => gemm(false, false, 1, a, b, 0, randomMatrix(3, 3, 1))).toThrow(
      /argument 'c' must be a matrix of shape \[3, 2\]/,
    );
    expect(() => gemm(true, false, 1, a, b, 0, c)).toThrow(ShapeMismatchError);
    expect(() => gemm(false, false, 1, a, randomMatrix(4, 2, 2, 'float32'), 0, c)).toThrow(DTypeMismatchError);
    expect(() => gemm(false, false, 1, a, b, 0, randomMatrix(3, 2, 2, 'float32'))).toThrow(
      /argument 'c' must be of dtype float64/,
    );
    expect(() => gemm(false, false, 1, a, b, 0, transpose(randomMatrix(2, 3, 1)))).toThrow(NonContiguousError);
    expect(() => gemm(false, false, Number.NaN, a, b, 0, c)).toThrow(/argument 'alpha'/);
    expect(() => gemm(false, false, 1, a, b, Infinity, c)).toThrow(/argument 'beta'/);
    expect(() => gemm(false, false, 1, { data: [1], shape: [1, 1] } as unknown as Tensor, b, 0, c)).toThrow(
      /argument 'a'/,
    );
    expect(() =>
      gemm(false, false, 1, { data: new Float64Array(4), shape: [4], stride: [1], offset: 0 }, b, 0, c),
    ).toThrow(/argument 'a' must be a 2-D matrix/);
    const square = randomMatrix(3, 3, 4);
    expect(() => gemm(false, false, 1, square, randomMatrix(3, 3, 5), 0, square)).toThrow(InvalidArgumentError);
  });
});

describe('gemv', () => {
  for (const trans of [false, true])
    for (const dtype of ['float64', 'float32'] as const) {
      test(`${trans ? 'Aᵀx' : 'Ax'} in ${dtype} against the naive sum`, () => {
        const a = randomMatrix(7, 5, 3, dtype);
        const [m, k] = trans ? [5, 7] : [7, 5];
        const x = randomMatrix(1, k, 4, dtype).data,
          y = randomMatrix(1, m, 5, dtype).data;
        const y0 = Float64Array.from(y);
        gemv(trans, 2, a, x, -1, y);
        for (let i = 0; i < m; i++) {
          let s = 0,
            mag = 0;
          for (let p = 0; p < k; p++) {
            const v = (trans ? get2(a, p, i) : get2(a, i, p)) * x[p]!;
            s += v;
            mag += Math.abs(v);
          }
          const bound =
            (k + 2) * EPS64 * (2 * mag + Math.abs(y0[i]!)) +
            (dtype === 'float32' ? EPS32 * Math.abs(2 * s - y0[i]!) : 0);
          expect(Math.abs(y[i]! - (2 * s - y0[i]!))).toBeLessThanOrEqual(bound);
        }
      });
    }

  test('beta = 0 overwrites NaN in y', () => {
    const a = randomMatrix(2, 2, 1),
      y = new Float64Array([Number.NaN, Number.NaN]);
    gemv(false, 1, a, new Float64Array([1, 0]), 0, y);
    expect(Array.from(y)).toEqual([get2(a, 0, 0), get2(a, 1, 0)]);
  });

  test('bad input', () => {
    const a = randomMatrix(3, 2, 1);
    expect(() => gemv(false, 1, a, new Float64Array(3), 0, new Float64Array(3))).toThrow(
      /argument 'x' must be a vector of length 2/,
    );
    expect(() => gemv(false, 1, a, new Float64Array(2), 0, new Float64Array(2))).toThrow(
      /argument 'y' must be a vector of length 3/,
    );
    expect(() => gemv(false, 1, a, new Float32Array(2), 0, new Float64Array(3))).toThrow(DTypeMismatchError);
    expect(() => gemv(false, 1, a, [1, 2] as unknown as Float64Array, 0, new Float64Array(3))).toThrow(/argument 'x'/);
    expect(() => gemv(false, Number.NaN, a, new Float64Array(2), 0, new Float64Array(3))).toThrow(/argument 'alpha'/);
    const x = new Float64Array(3);
    expect(() => gemv(false, 1, randomMatrix(3, 3, 1), x, 0, x)).toThrow(/argument 'y'/);
  });
});
