// The WebAssembly SIMD GEMM against the scalar TypeScript kernel (its reference) and against a
// naive sum with the rounding bound of recursive summation.
import {
  gemm,
  gemmAccumulate,
  gemmAccumulateDepthBlocks,
  gemmBackend,
  gemmKernel,
  setGemmBackend,
  wasmSimdSupported,
  wasmRelaxedSimdSupported,
  InvalidArgumentError,
  GEMM_KC,
  GEMM_MC,
  GEMM_NC,
  transpose,
  type Tensor,
  type MatrixOperand,
} from '@sgmkit/tensor';
import { createWasmGemm, wasmGemm } from '../../packages/tensor/dist/linalg/wasm/gemm-wasm.js';
import { unsignedLeb, signedLeb } from '../../packages/tensor/dist/linalg/wasm/encoder.js';
import { naiveGemm, randomMatrix } from './linalg-helpers';

const EPS64 = 2 ** -52;
const EPS32 = 2 ** -23;
type DType = 'float64' | 'float32';

afterEach(() => setGemmBackend('auto'));

function copyOf(t: Tensor): Tensor {
  return { ...t, data: t.data.slice() };
}

/** Runs gemm on both backends from the same C; checks wasm against the naive bound and (float64) bit-identity with scalar. */
function compareBackends(
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
  dtype: DType,
  seed: number,
): void {
  const a = randomMatrix(ta ? k : m, ta ? m : k, seed, dtype);
  const b = randomMatrix(tb ? n : k, tb ? k : n, seed + 1, dtype);
  const c = randomMatrix(m, n, seed + 2, dtype);
  const ref = naiveGemm(ta, tb, alpha, a, b, beta, c);
  const scalar = copyOf(c),
    simd = copyOf(c);
  if (beta === 0) simd.data.fill(Number.NaN);
  setGemmBackend('scalar');
  gemm(ta, tb, alpha, a, b, beta, scalar);
  setGemmBackend('wasm');
  gemm(ta, tb, alpha, a, b, beta, simd);
  const eps = dtype === 'float64' ? EPS64 : EPS32;
  let worst = 0;
  for (let i = 0; i < m * n; i++) {
    const bound =
      (ref.k + 2) * eps * ref.magnitude[i]! + (dtype === 'float32' ? EPS32 * Math.abs(ref.value[i]!) : 0) + 1e-300;
    worst = Math.max(worst, Math.abs(simd.data[i]! - ref.value[i]!) / bound);
  }
  expect(worst).toBeLessThanOrEqual(1);
  if (dtype === 'float64') expect(simd.data).toEqual(scalar.data);
}

describe('wasm SIMD gemm', () => {
  test('Node 20 validates the SIMD module, so the wasm path is the one tested (and the default)', () => {
    expect(wasmSimdSupported()).toBe(true);
    expect(gemmBackend()).toBe('wasm');
    expect(typeof wasmRelaxedSimdSupported()).toBe('boolean');
  });

  // Tile is 4 × 4 (f64) / 4 × 8 (f32): 1, odd, off-tile and multi-block sizes.
  const sizes = [1, 3, 6, 13];
  for (const dtype of ['float64', 'float32'] as const) {
    for (const ta of [false, true])
      for (const tb of [false, true]) {
        test(`${dtype}, op(A)=${ta ? 'Aᵀ' : 'A'}, op(B)=${tb ? 'Bᵀ' : 'B'}: m, n, k in 1, 3, 6, 13 and 37`, () => {
          let seed = 100;
          for (const m of sizes)
            for (const n of sizes)
              for (const k of [1, 3, 13]) compareBackends(ta, tb, m, n, k, 1.5, -0.5, dtype, seed++);
          compareBackends(ta, tb, 37, 37, 37, -0.75, 2, dtype, seed);
        });
      }

    test(`${dtype}: sizes crossing every blocking boundary (MC, KC, NC), β = 0 over NaN and β = 1`, () => {
      compareBackends(false, false, GEMM_MC + 3, GEMM_NC + 5, GEMM_KC + 7, 1, 0, dtype, 7);
      compareBackends(true, true, 2 * GEMM_MC + 1, 9, 2 * GEMM_KC + 1, 0.5, 1, dtype, 8);
      compareBackends(false, true, 5, GEMM_NC + 1, GEMM_KC, -1, 0, dtype, 9);
    });

    // Widths that are whole tiles (C's rows back to back in the module and in C): the block copies take the
    // TypedArray.set path there, for accumulating (β = 1) and overwriting (β = 0) products, across MC.
    test(`${dtype}: whole-tile widths (8, 16, 64, 256) with β = 1 and β = 0, m across MC`, () => {
      let seed = 300;
      for (const n of [8, 16, 64, 256])
        for (const beta of [1, 0]) compareBackends(false, n % 16 === 0, GEMM_MC + 5, n, 21, 0.5, beta, dtype, seed++);
    });

    test(`${dtype}: α = 0 only scales C by β, β = 0 overwrites NaN`, () => {
      setGemmBackend('wasm');
      const a = randomMatrix(5, 4, 1, dtype),
        b = randomMatrix(4, 6, 2, dtype),
        c = randomMatrix(5, 6, 3, dtype);
      const before = c.data.slice();
      gemm(false, false, 0, a, b, 3, c);
      before.forEach((v, i) => expect(c.data[i]).toBe(dtype === 'float64' ? 3 * v : Math.fround(3 * v)));
      c.data.fill(Number.NaN);
      gemm(false, false, 1, a, b, 0, c);
      expect(c.data.every(Number.isFinite)).toBe(true);
    });
  }

  test('strided and offset operands: sub-blocks, transposed views, C inside a larger buffer', () => {
    for (const backend of ['scalar', 'wasm'] as const) {
      setGemmBackend(backend);
      const big = randomMatrix(20, 30, 5);
      const a: Tensor = { data: big.data, shape: [9, 7], stride: [30, 1], offset: 2 * 30 + 3 };
      const b = transpose(randomMatrix(11, 7, 6));
      const store = new Float64Array(9 * 11 + 10).fill(-7);
      const c: Tensor = { data: store, shape: [9, 11], stride: [11, 1], offset: 5 };
      const ref = naiveGemm(false, false, 2, a, b, 0, c);
      gemm(false, false, 2, a, b, 0, c);
      for (let i = 0; i < 99; i++)
        expect(Math.abs(store[5 + i]! - ref.value[i]!)).toBeLessThanOrEqual(11 * EPS64 * ref.magnitude[i]!);
      expect([...store.subarray(0, 5), ...store.subarray(104)]).toEqual(new Array(10).fill(-7));
    }
  });

  test('whole-tile C inside a larger buffer, at two offsets in turn: only its rows change, the same bits as scalar', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const a = randomMatrix(9, 5, 11, dtype);
      const b = randomMatrix(5, 16, 12, dtype);
      const run = (backend: 'scalar' | 'wasm') => {
        setGemmBackend(backend);
        const store = randomMatrix(40, 16, 13, dtype).data;
        for (const row of [3, 20]) {
          const ao: MatrixOperand = { data: a.data, offset: 0, rowStride: 5, colStride: 1 };
          const bo: MatrixOperand = { data: b.data, offset: 0, rowStride: 16, colStride: 1 };
          gemmAccumulate(9, 16, 5, 0.75, ao, bo, store, row * 16, 16);
          gemmKernel(9, 16, 5, 1, ao, bo, 0, store, (row + 10) * 16, 16);
        }
        return store;
      };
      const scalar = run('scalar');
      const wasm = run('wasm');
      if (dtype === 'float64') expect(wasm).toEqual(scalar);
      const untouched = randomMatrix(40, 16, 13, dtype).data;
      for (const r of [0, 1, 2, 12, 39])
        expect(wasm.subarray(r * 16, r * 16 + 16)).toEqual(untouched.subarray(r * 16, r * 16 + 16));
    }
  });

  test('raw kernels with mixed dtypes (float32 input, float64 weights) run the f64 kernel, bit-identical to scalar', () => {
    const x = randomMatrix(37, 5, 1, 'float32'),
      w = randomMatrix(5, 19, 2);
    const xo: MatrixOperand = { data: x.data, offset: 0, rowStride: 5, colStride: 1 };
    const wo: MatrixOperand = { data: w.data, offset: 0, rowStride: 19, colStride: 1 };
    const out = (backend: 'scalar' | 'wasm', dtype: DType) => {
      setGemmBackend(backend);
      const c = randomMatrix(37, 19, 3, dtype);
      gemmAccumulate(37, 19, 5, 0.5, xo, wo, c.data, 0, 19);
      gemmKernel(37, 19, 5, 1, xo, wo, 0.25, c.data, 0, 19);
      return c.data;
    };
    for (const dtype of ['float64', 'float32'] as const) expect(out('wasm', dtype)).toEqual(out('scalar', dtype));
  });

  test('row i of the result does not depend on m: chunks of rows give bit-identical rows (both dtypes)', () => {
    setGemmBackend('wasm');
    for (const dtype of ['float64', 'float32'] as const) {
      const m = 2 * GEMM_MC + 19,
        k = 67,
        n = 45;
      const a = randomMatrix(m, k, 11, dtype),
        b = randomMatrix(k, n, 12, dtype);
      const bo: MatrixOperand = { data: b.data, offset: 0, rowStride: n, colStride: 1 };
      const whole = randomMatrix(m, n, 13, dtype).data;
      gemmKernel(m, n, k, 1, { data: a.data, offset: 0, rowStride: k, colStride: 1 }, bo, 0, whole, 0, n);
      for (const chunk of [1, 5, 37, GEMM_MC + 1]) {
        const pieces = whole.slice().fill(Number.NaN);
        for (let start = 0; start < m; start += chunk) {
          const rows = Math.min(chunk, m - start);
          gemmKernel(
            rows,
            n,
            k,
            1,
            { data: a.data, offset: start * k, rowStride: k, colStride: 1 },
            bo,
            0,
            pieces,
            start * n,
            n,
          );
        }
        expect(pieces).toEqual(whole);
      }
    }
  });

  test('views are re-created after the module memory grows', () => {
    const w = createWasmGemm();
    const a = randomMatrix(6, 5, 1),
      b = randomMatrix(5, 7, 2);
    const op = (t: Tensor, cols: number): MatrixOperand => ({ data: t.data, offset: 0, rowStride: cols, colStride: 1 });
    const before = new Float64Array(42),
      after = new Float64Array(42);
    wasmGemm(w, 6, 7, 5, 1, op(a, 5), op(b, 7), before, 0, 7, true);
    w.memory.grow(1);
    wasmGemm(w, 6, 7, 5, 1, op(a, 5), op(b, 7), after, 0, 7, true);
    expect(after).toEqual(before);
    expect(before.some((v) => v !== 0)).toBe(true);
  });

  test('setGemmBackend: scalar can be forced, unknown names are refused with a typed error', () => {
    setGemmBackend('scalar');
    expect(gemmBackend()).toBe('scalar');
    setGemmBackend('auto');
    expect(gemmBackend()).toBe('wasm');
    expect(() => setGemmBackend('gpu' as 'auto')).toThrow(InvalidArgumentError);
    expect(() => setGemmBackend('gpu' as 'auto')).toThrow(/argument 'backend'/);
  });

  test('LEB128 encodings of the module writer', () => {
    expect(unsignedLeb(0)).toEqual([0]);
    expect(unsignedLeb(127)).toEqual([0x7f]);
    expect(unsignedLeb(128)).toEqual([0x80, 0x01]);
    expect(unsignedLeb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(signedLeb(-1)).toEqual([0x7f]);
    expect(signedLeb(64)).toEqual([0xc0, 0x00]);
    expect(signedLeb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });
});

// gemmAccumulateDepthBlocks: one product whose depth is cut into blocks, each summed from zero and added to C in
// order, must give the bits of the blocks computed separately into zeroed matrices and added left to right (the
// minibatch gradient as a sum of micro-shard gradients); float32 only on wasm (see its TSDoc).
describe('gemmAccumulateDepthBlocks', () => {
  const cases: [DType, 'wasm' | 'scalar'][] = [
    ['float64', 'wasm'],
    ['float64', 'scalar'],
    ['float32', 'wasm'],
  ];
  test.each(cases)('%s on %s: the sum of separately computed depth blocks, bit for bit', (dtype, backend) => {
    setGemmBackend(backend);
    let seed = 700;
    for (const [m, n, k, block] of [
      [1, 1, 1, 1],
      [3, 13, 7, 2],
      [13, 6, 64, 32],
      [37, 9, 100, 32],
      [150, 530, 70, 32],
      [5, 5, 40, 256],
    ] as const) {
      for (const ta of [false, true]) {
        const a = randomMatrix(ta ? k : m, ta ? m : k, seed++, dtype);
        const b = randomMatrix(k, n, seed++, dtype);
        const c = randomMatrix(m, n, seed++, dtype);
        const opA: MatrixOperand = { data: a.data, offset: 0, rowStride: ta ? 1 : k, colStride: ta ? m : 1 };
        const expected = c.data.slice();
        const partial = c.data.slice();
        for (let p = 0; p < k; p += block) {
          partial.fill(0);
          const depth = Math.min(block, k - p);
          gemmAccumulate(
            m,
            n,
            depth,
            0.75,
            { ...opA, offset: p * opA.colStride },
            { data: b.data, offset: p * n, rowStride: n, colStride: 1 },
            partial,
            0,
            n,
          );
          for (let i = 0; i < m * n; i++) expected[i] += partial[i]!;
        }
        const actual = c.data.slice();
        gemmAccumulateDepthBlocks(
          m,
          n,
          k,
          block,
          0.75,
          opA,
          { data: b.data, offset: 0, rowStride: n, colStride: 1 },
          actual,
          0,
          n,
        );
        expect(actual).toEqual(expected);
      }
    }
  });

  // Grouped: the first group's blocks added into C one by one, each later group's summed into a zeroed matrix
  // and then added (the minibatch gradient as the sum of sum groups of micro-shard gradients). A negative α with
  // empty-sum blocks checks the signed zeros too.
  test.each(cases)(
    '%s on %s, in groups of blocks: the grouped sum of separate blocks, bit for bit',
    (dtype, backend) => {
      setGemmBackend(backend);
      let seed = 900;
      for (const [m, n, k, block, group, alpha] of [
        [3, 13, 7, 2, 2, 0.75],
        [13, 6, 160, 32, 2, -1],
        [37, 9, 300, 32, 4, 0.5],
        [150, 530, 200, 32, 4, 1],
        [5, 5, 40, 8, 1, -0.25],
      ] as const) {
        const a = randomMatrix(k, m, seed++, dtype);
        const b = randomMatrix(k, n, seed++, dtype);
        // every other row of B zero: whole blocks of zero products when block is 1 … and signed-zero sums
        for (let p = 0; p < k; p += 3) b.data.fill(0, p * n, (p + 1) * n);
        const c = randomMatrix(m, n, seed++, dtype);
        const opA: MatrixOperand = { data: a.data, offset: 0, rowStride: 1, colStride: m };
        const blockProduct = (p: number) => {
          const out = c.data.slice().fill(0);
          gemmAccumulate(
            m,
            n,
            Math.min(block, k - p),
            alpha,
            { ...opA, offset: p * m },
            { data: b.data, offset: p * n, rowStride: n, colStride: 1 },
            out,
            0,
            n,
          );
          return out;
        };
        const expected = c.data.slice();
        for (let g = 0; g * block * group < k; g++) {
          const sum = c.data.slice().fill(0);
          const target = g === 0 ? expected : sum;
          for (let p = g * block * group; p < Math.min(k, (g + 1) * block * group); p += block) {
            const product = blockProduct(p);
            for (let i = 0; i < m * n; i++) target[i] += product[i]!;
          }
          if (g > 0) for (let i = 0; i < m * n; i++) expected[i] += sum[i]!;
        }
        const grouped = (groupBlocks: number) => {
          const out = c.data.slice();
          const opB = { data: b.data, offset: 0, rowStride: n, colStride: 1 };
          gemmAccumulateDepthBlocks(m, n, k, block, alpha, opA, opB, out, 0, n, groupBlocks);
          return out;
        };
        const actual = grouped(group);
        expect(Array.from(actual, (x) => (Object.is(x, -0) ? '-0' : x))).toEqual(
          Array.from(expected, (x) => (Object.is(x, -0) ? '-0' : x)),
        );
        // and grouping changes the bits somewhere on the large case (groups of one block would be the plain sum)
        if (m * n > 10_000) {
          const ungrouped = grouped(Infinity);
          expect(Array.from(actual)).not.toEqual(Array.from(ungrouped));
        }
      }
    },
  );
});
